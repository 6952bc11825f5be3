"""Loading LAMM meta files from a data root into ``Sample`` records, with schema validation.

Layout (the LAMM_Dataset release): ``ROOT/2D_Benchmark/meta_file/<Task>_<Dataset>.json`` with image paths
relative to ``ROOT/2D_Benchmark/``, and ``ROOT/3D_Benchmark/meta_file/...`` with ``pcl`` paths (``./scannet_pcls/
...``) relative to ``ROOT/3D_Benchmark/``. Every problem is a ``UserError`` naming the file, the record and what
is wrong; media paths that are absolute or escape the data root are refused.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from lamm_bench.errors import UserError
from lamm_bench.jsoncheck import load_json
from lamm_bench.records import MetaFile, Sample
from lamm_bench.task import TaskSpec

DATA_ENV = "LAMM_BENCH_DATA"

META_ALIASES: dict[str, tuple[str, ...]] = {
    "VQA_SQAimage.json": ("VQA_ScienceQA.json",),  # ChEF renamed the file (commit acb6375)
    "Keypoints_Detection_LSP.json": ("Keypoints_Dectection_LSP.json",),  # the LAMM README's spelling
}
"""Other names under which a meta file is found in the wild; the declared name is tried first."""


def find_meta_file(root: Path, relative: str) -> Path:
    """The meta file for a task's declared path, or one of its known aliases, in the same folder."""
    declared = root / relative
    for candidate in (declared, *(declared.with_name(a) for a in META_ALIASES.get(declared.name, ()))):
        if candidate.is_file():
            return candidate
    aliases = META_ALIASES.get(declared.name, ())
    also = f" (or {', '.join(aliases)} in the same folder)" if aliases else ""
    raise UserError(f"meta file not found: {declared}{also}")


DATASET_FILE = "lamm_bench_dataset.json"
"""A file at the top of a data root that says it is not the released LAMM_Dataset (e.g. ``lamm-bench data mini``'s
demo data): ``{"name": ..., "version": ..., "description": ...}``. Its content is recorded in every result on that
root, and the leaderboard shows such results in their own section, never beside LAMM numbers."""


def dataset_identity(root: Path) -> dict[str, str] | None:
    """The data root's identity from its :data:`DATASET_FILE`, or None for the LAMM_Dataset as released (no file).

    Raises:
        UserError: the file exists but is not a JSON object with a string ``name``.
    """
    path = Path(root) / DATASET_FILE
    if not path.is_file():
        return None
    try:
        raw = load_json(path.read_bytes(), str(path))
    except OSError as exc:
        raise UserError(f"{path}: not a dataset identity file ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise UserError(f'{path}: should be a JSON object with a "name" (and "version", "description")')
    return {str(k): str(v) for k, v in sorted(raw.items())}


def resolve_data_root(data_root: str | os.PathLike | None) -> Path:
    """The data root from ``--data-root`` or ``$LAMM_BENCH_DATA``; it must be an existing directory."""
    raw = data_root if data_root is not None else os.environ.get(DATA_ENV)
    if not raw:
        raise UserError(f"no data root: pass --data-root DIR or set {DATA_ENV} (the LAMM_Dataset folder)")
    root = Path(raw).expanduser()
    if not root.is_dir():
        raise UserError(f"data root {root} does not exist or is not a directory")
    return root.resolve()


def read_meta_file(path: Path) -> MetaFile:
    """Read and hash a meta file; it must be a non-empty JSON list of objects."""
    if not path.is_file():
        raise UserError(f"meta file not found: {path}")
    raw = path.read_bytes()
    records = load_json(raw, str(path))  # not UTF-8, not JSON, or nested too deeply: one line naming the file
    if not isinstance(records, list):
        raise UserError(f"{path}: expected a JSON list of records, found {type(records).__name__}")
    if not records:
        raise UserError(f"{path}: no records (the meta file is an empty list); nothing to evaluate")
    return MetaFile(path=path, sha256=hashlib.sha256(raw).hexdigest(), records=records)


def record_label(index: int, record: dict) -> str:
    """How errors name a record: its index in the meta file, and its id when it has one."""
    return f"record {index}" + (f" (id {record['id']!r})" if "id" in record else "")


def _check_fields(meta: Path, index: int, record: object, task: TaskSpec, media_key: str) -> None:
    if not isinstance(record, dict):
        raise UserError(f"{meta}: record {index} is a {type(record).__name__}, expected an object")
    where = f"{meta}: {record_label(index, record)}"
    wanted = {media_key: str, "query": str, **task.required_fields}
    for name, kind in wanted.items():
        if name not in record:
            raise UserError(f"{where}: missing field {name!r} (task {task.name} needs {', '.join(wanted)})")
        value = record[name]
        # bool is an int in Python, but never a valid count/index here
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            expected = " or ".join(k.__name__ for k in _as_tuple(kind))
            raise UserError(f"{where}: field {name!r} should be {expected}, found {type(value).__name__}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def resolve_media(base: Path, relative: str, *, where: str, check_exists: bool = True) -> Path:
    """Resolve a media path from a meta file against its benchmark folder, refusing escapes."""
    rel = relative[2:] if relative.startswith("./") else relative
    pure = PurePosixPath(rel)
    if pure.is_absolute() or Path(rel).is_absolute() or ".." in pure.parts:
        raise UserError(f"{where}: media path {relative!r} is absolute or leaves the data root")
    path = base / rel
    if check_exists and not path.is_file():
        raise UserError(f"{where}: media file not found: {path}")
    return path


def benchmark_dir(task: TaskSpec, root: Path) -> Path:
    """The folder a task's media paths are relative to."""
    return root / ("2D_Benchmark" if task.modality == "2d" else "3D_Benchmark")


def media_field(task: TaskSpec) -> str:
    """The record field that names a task's media file: ``image`` (2D) or ``pcl`` (3D)."""
    return "image" if task.modality == "2d" else "pcl"


def load_samples(task: TaskSpec, root: Path, *, check_media: bool = True,
                 seed: int = 0) -> tuple[list[Sample], list[MetaFile]]:  # fmt: skip
    """Load and validate every record of the task's meta files.

    Returns:
        The samples in meta-file order, and the meta files read (for fingerprints); a task with its own ``reader``
        gets what the reader returns (given ``seed``, the run's, when it is ``reader_seeded``).
    """
    if task.reader is not None:
        return task.reader(root, seed) if task.reader_seeded else task.reader(root)  # type: ignore[call-arg]
    bench, media_key = benchmark_dir(task, root), media_field(task)
    pooled = len(task.meta_files) > 1
    samples: list[Sample] = []
    metas: list[MetaFile] = []
    seen: set[str] = set()
    for rel in task.meta_files:
        meta = read_meta_file(find_meta_file(root, rel))
        metas.append(meta)
        stem = Path(rel).stem  # the declared name, so ids and sources do not depend on which alias was found
        for index, record in enumerate(meta.records):
            _check_fields(meta.path, index, record, task, media_key)
            where = f"{meta.path}: {record_label(index, record)}"
            local_id = str(record["id"]) if "id" in record else str(index)
            sample_id = f"{stem}:{local_id}" if pooled else local_id
            if sample_id in seen:
                raise UserError(f"{where}: duplicate sample id {sample_id!r}")
            seen.add(sample_id)
            media = str(resolve_media(bench, record[media_key], where=where, check_exists=check_media))
            target = {k: v for k, v in record.items() if k not in ("id", media_key, "query")}
            samples.append(
                Sample(
                    id=sample_id,
                    source=stem,
                    query=record["query"],
                    target=target,
                    images=(media,) if media_key == "image" else (),
                    point_cloud=media if media_key == "pcl" else None,
                )
            )
    return samples, metas


def select(samples: Sequence[Sample], limit: int | None, runs: Sequence[str] = ()) -> list[Sample]:
    """The first ``limit`` samples (all when ``limit`` is None); a limit below 1 would score nothing and is refused.

    For a task of several runs (``TaskSpec.answer_runs``; sample ids ``<run>/<id>``) the limit is per run: the first
    ``limit`` samples of each run, in their order, so every run asks about the same items and a desideratum that
    compares runs (RIAM, RRM, the match ratio) still can."""
    if limit is not None and limit < 1:
        raise UserError(f"--limit must be an integer at least 1, got {limit}")
    if limit is None:
        return list(samples)
    if not runs:
        return list(samples[:limit])
    taken: dict[str, int] = {}
    chosen = []
    for sample in samples:
        run = sample.id.split("/", 1)[0]
        if taken.get(run, 0) < limit:
            taken[run] = taken.get(run, 0) + 1
            chosen.append(sample)
    return chosen
