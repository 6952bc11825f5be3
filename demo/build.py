"""Build lamm-mini: the sources of the given tasks' meta files, written in the exact LAMM_Dataset layout, plus a train split.

The benchmark side is one meta file per source (``2D_Benchmark/meta_file/...``, ``3D_Benchmark/meta_file/...``),
its media beside it, or a dataset in its own format at its own path (ChEF's ``MMBench/...``, ``SEED-Bench/...``;
``MiniSource.own_format``), written by its source; the train side is LAMM's instruction format, one file per modality
(``2D_Instruct/meta_file/lamm_mini_instruct_2d.json``, ``3D_Instruct/meta_file/lamm_mini_instruct_3d.json``), whose
media paths are relative to ``2D_Instruct/`` (the trainer's default media root, the meta file's grandparent).
Every source draws its randomness from a generator seeded by (seed, meta file, split), and files are written
in a fixed order, so two builds with the same seed are byte-identical. The sources are those of
:data:`lamm_bench.demo.sources.SOURCES`, looked up by the meta files the tasks read (``TaskSpec.meta_files``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lamm_bench.demo.contract import MiniContext, MiniRecord, MiniSource, MiniSources, write_dataset_identity
from lamm_bench.demo.sources import SOURCES
from lamm_bench.errors import UserError
from lamm_bench.task import TaskSpec

logger = logging.getLogger(__name__)

INSTRUCT_FILES = {
    "2d": "2D_Instruct/meta_file/lamm_mini_instruct_2d.json",
    "3d": "3D_Instruct/meta_file/lamm_mini_instruct_3d.json",
}
"""The train split's instruction file per modality, relative to the data root."""

Progress = Callable[[str, int, int], None]
"""``progress(meta_file, done, total)`` after each source has written both splits."""


@dataclass(frozen=True)
class MiniPlan:
    """One meta file to write: its source and the modality of the tasks that read it."""

    meta_file: str
    modality: str
    source: MiniSource


def plan(tasks: Sequence[TaskSpec], sources: MiniSources = SOURCES) -> list[MiniPlan]:
    """The meta files of ``tasks`` that have a source in ``sources``, once each, in a fixed order (a task's meta
    files without one are left out: such a task cannot run on lamm-mini).

    Args:
        tasks: The tasks whose meta files to write.
        sources: Meta file -> its source (default: lamm-mini's own, :data:`~lamm_bench.demo.sources.SOURCES`).
    """
    found = {m: MiniPlan(m, task.modality, sources[m]) for task in tasks for m in task.meta_files if m in sources}
    return [found[k] for k in sorted(found, key=lambda k: (bool(found[k].source.after), k))]  # readers of others last


def _rng(seed: int, meta_file: str, split: str) -> random.Random:
    return random.Random(f"lamm-mini:{seed}:{meta_file}:{split}")


def _folder(root: Path, modality: str, split: str, own_format: bool = False) -> Path:
    if own_format and split == "test":
        return root  # the source writes its dataset's own files, at their paths under the data root
    return root / f"{modality.upper()}_{'Benchmark' if split == 'test' else 'Instruct'}"


def _media_key(record: Mapping) -> str:
    return "pcl" if "pcl" in record else "image"


def _instructions(meta_file: str, source: MiniSource, written: Sequence[MiniRecord]) -> list[dict]:
    stem = Path(meta_file).stem
    out = []
    for i, item in enumerate(written):
        key = _media_key(item.record)
        for k, (human, gpt) in enumerate(item.turns):
            out.append({"id": f"{stem}:{i}:{k}", key: item.record[key], "task_type": source.task_type,
                        "conversations": [{"from": "human", "value": human}, {"from": "gpt", "value": gpt}]})  # fmt: skip
    return out


def _dump(path: Path, records: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_split(root: Path, item: MiniPlan, split: str, seed: int, n: int) -> list[MiniRecord]:
    ctx = MiniContext(folder=_folder(root, item.modality, split, item.source.own_format), split=split, n=n, seed=seed,
                      rng=_rng(seed, item.meta_file, split))  # fmt: skip
    written = list(item.source.write(ctx))
    if len(written) != n:
        raise RuntimeError(f"mini source of {item.meta_file} wrote {len(written)} {split} records, asked for {n}")
    return written


def build_lamm_mini(
    root: Path,
    tasks: Sequence[TaskSpec],
    *,
    seed: int = 0,
    scale: float = 1.0,
    progress: Progress | None = None,
    sources: MiniSources = SOURCES,
) -> dict[str, int]:
    """Write lamm-mini under ``root`` for ``tasks``; returns ``meta file -> test records`` (instruction files too).

    Args:
        root: The data root to create (existing files of the same names are overwritten).
        tasks: The tasks whose meta files to write (usually every registered task).
        seed: The build's seed; the same seed writes the same bytes.
        scale: Multiplies every source's record counts (at least 1 record each), for quick test builds.
        progress: Called after each meta file.
        sources: Meta file -> its source (default: lamm-mini's own).
    """
    root = Path(root)
    plans = plan(tasks, sources)
    if not plans:
        raise UserError("no task reads a meta file that lamm-mini has a source for")
    counts: dict[str, int] = {}
    train: dict[str, list[dict]] = {"2d": [], "3d": []}
    for done, item in enumerate(plans, 1):
        n_test = max(1, round(item.source.n_test * scale))
        n_train = max(1, round(item.source.n_train * scale)) if item.source.n_train else 0
        test = _write_split(root, item, "test", seed, n_test)
        if not item.source.own_format:
            _dump(root / item.meta_file, [dict(r.record) for r in test])
        counts[item.meta_file] = n_test
        if n_train:
            train[item.modality] += _instructions(item.meta_file, item.source,
                                                  _write_split(root, item, "train", seed, n_train))  # fmt: skip
        if progress:
            progress(item.meta_file, done, len(plans))
    for modality, records in train.items():
        if records:
            _dump(root / INSTRUCT_FILES[modality], records)
            counts[INSTRUCT_FILES[modality]] = len(records)
    write_dataset_identity(root, seed=seed)
    logger.info("wrote lamm-mini (%d meta files) under %s", len(plans), root)
    return counts


DEMO_MODULES = ("trimesh", "easy_vqa", "sklearn", "skimage", "pyvista")
"""What lamm-mini's sources read their real data from (the ``demo`` extra)."""


def require_demo_packages() -> None:
    """Check that every package lamm-mini's data comes from is installed, before anything is written.

    Raises:
        UserError: one line naming the first missing package and the extra that brings it.
    """
    import importlib
    import importlib.util

    for name in DEMO_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
            if found and name == "trimesh":
                importlib.import_module(name)  # the one the 3D sources import for real (a broken install shows here)
        except ImportError:
            found = False
        if not found:
            raise UserError(f"writing lamm-mini needs {name}: pip install 'lamm-bench[demo]'")


STAGING_LOCK = ".lamm-bench-building"
"""A file inside a staging folder, locked (``flock``) by the build writing it: a staging folder whose lock can be
taken belongs to a build that died (killed, power lost), and the next build of the same data root removes it."""
UNLOCKED_GRACE_SECONDS = 60.0
"""A staging folder without a lock file is a build's first instants (or an older lamm-bench's leftover): removed
only once it is this old."""


def build_into(out: Path, tasks: Sequence[TaskSpec], **options) -> dict[str, int]:
    """:func:`build_lamm_mini` into a fresh folder beside ``out`` (``.<out name>.XXXXXXXX``), then moved into place:
    an interrupted build leaves no half-written data root, and an earlier lamm-mini at ``out`` is replaced. Any other
    non-empty ``out`` is refused (it might be someone's LAMM_Dataset). Staging folders that earlier builds of the
    same ``out`` left behind when they were killed are removed first (:func:`remove_stale_staging`)."""
    import shutil
    import tempfile

    from lamm_bench.data import DATASET_FILE

    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / DATASET_FILE).is_file())):
        raise UserError(f"data mini: {out} exists and is not a lamm-mini data root; choose an empty or new folder")
    require_demo_packages()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        with _locked(staging / STAGING_LOCK):
            staging.chmod(0o755)  # mkdtemp's folder is private; a data root is not
            counts = build_lamm_mini(staging, tasks, **options)
            (staging / STAGING_LOCK).unlink()  # while still locked: the folder is now fresh, so no build removes it
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return counts


def staging_folders(out: Path) -> list[Path]:
    """The folders beside ``out`` named as :func:`build_into` names its staging folders (``.<out name>.`` and the
    eight characters ``tempfile.mkdtemp`` adds); nothing else matches."""
    import re

    pattern = re.compile(re.escape(f".{out.name}.") + r"[a-z0-9_]{8}")
    if not out.parent.is_dir():
        return []
    return sorted(p for p in out.parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink())


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove the staging folders of earlier builds of ``out`` that died: those whose lock no build holds (and,
    without a lock file, those older than :data:`UNLOCKED_GRACE_SECONDS`). A build still running keeps its folder.
    Returns the folders removed."""
    import fcntl
    import shutil
    import time

    removed = []
    for folder in staging_folders(out):
        lock = folder / STAGING_LOCK
        try:
            if not lock.is_file():
                if time.time() - folder.stat().st_mtime > UNLOCKED_GRACE_SECONDS:
                    shutil.rmtree(folder)
                    removed.append(folder)
                continue
            with lock.open("a") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder)
                removed.append(folder)
        except (BlockingIOError, FileNotFoundError):
            continue  # a build is writing it, or it went away meanwhile
    if removed:
        logger.warning("data mini: removed %d staging folder(s) of an earlier build that was killed: %s",
                       len(removed), ", ".join(p.name for p in removed))  # fmt: skip
    return removed


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created) while the block runs; released when the process dies."""
    import fcntl

    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
