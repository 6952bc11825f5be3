"""``lamm-bench data check``: every meta file, record and media file the tasks need, media decoded in parallel.

A task's meta files are read and validated as a run reads them (:func:`lamm_bench.data.load_samples`; a task with
its own ``reader`` -- ChEF's MMBench TSV, MME folders ... -- as that reader reads them). Then every
media file they name is decoded the way a run decodes it -- images opened and fully loaded by
:func:`lamm_bench.media.decode_image`, point clouds read and validated by
:func:`lamm_bench.pointcloud.check_point_cloud` (N x >=3, numeric, finite, non-empty) -- each file once, however
many tasks share it, in worker threads. Each bad file is reported with every meta-file record that names it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lamm_bench.data import benchmark_dir, load_samples, media_field, record_label, resolve_media
from lamm_bench.errors import UserError
from lamm_bench.records import Sample
from lamm_bench.task import TaskSpec

log = logging.getLogger(__name__)

MediaKind = Literal["image", "point_cloud"]
Progress = Callable[[int, int], None]

CHUNK = 32
"""Media files per job handed to a worker thread (few jobs to schedule; small enough for a smooth progress bar)."""


@dataclass(frozen=True)
class MediaUse:
    """One record's reference to one media file."""

    path: str
    kind: MediaKind
    where: str  # "<meta file>: record <index> (id <id>)"


@dataclass(frozen=True)
class TaskStatus:
    """How one task's data fared: its sample count, or why its meta files cannot be loaded."""

    task: str
    samples: int | None = None
    problem: str | None = None
    bad_media: int = 0


@dataclass(frozen=True)
class BadMedia:
    """A media file that cannot be used, with the records that name it and the tasks that read each record."""

    problem: str
    records: tuple[tuple[str, tuple[str, ...]], ...]  # (meta file and record, tasks), in task and meta order


@dataclass(frozen=True)
class DataReport:
    """The outcome of a data check."""

    root: Path
    tasks: list[TaskStatus]
    bad_media: list[BadMedia] = field(default_factory=list)
    media_checked: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.bad_media and all(t.problem is None for t in self.tasks)


def media_uses(task: TaskSpec, root: Path) -> tuple[int, list[MediaUse]]:
    """Validate a task's meta files and list the media file of every record (of every sample, for a task with its
    own ``reader``).

    Returns:
        The number of samples, and one ``MediaUse`` per record.

    Raises:
        UserError: a meta file is missing, malformed or empty, or a record is invalid.
    """
    samples, metas = load_samples(task, root, check_media=False)
    if task.reader is not None:  # its own data layout: the samples name the media
        return len(samples), sample_uses(samples)
    bench, key = benchmark_dir(task, root), media_field(task)
    kind: MediaKind = "image" if key == "image" else "point_cloud"
    uses = []
    for meta in metas:
        for index, record in enumerate(meta.records):
            where = f"{meta.path}: {record_label(index, record)}"
            uses.append(MediaUse(str(resolve_media(bench, record[key], where=where, check_exists=False)), kind, where))
    return len(samples), uses


def sample_uses(samples: Sequence[Sample]) -> list[MediaUse]:
    """The media of samples a task's own ``reader`` made, each named ``<source>: sample <id>``."""
    uses = []
    for s in samples:
        where = f"{s.source}: sample {s.id!r}"
        uses += [MediaUse(path, "image", where) for path in s.images]
        uses += [MediaUse(s.point_cloud, "point_cloud", where)] if s.point_cloud else []
    return uses


def check_media_file(path: str, kind: MediaKind) -> str | None:
    """Decode one media file as a run would; the problem in one line, or None when it is fine."""
    from lamm_bench.media import decode_image
    from lamm_bench.pointcloud import check_point_cloud

    try:
        if kind == "image":
            decode_image(path)
        else:
            check_point_cloud(path)
    except UserError as exc:
        return " ".join(str(exc).split())
    return None


def check_sample_media(task: str, samples: Sequence[Sample], checked: set[str] | None = None) -> None:
    """Before a run, whatever the adapter (one that never opens media too): every image of ``samples`` opens
    (:func:`lamm_bench.media.check_image`: header and checksums, no pixel decoding) and every point cloud is valid
    (:func:`lamm_bench.pointcloud.check_point_cloud`), each file once (``checked``: paths already checked, shared
    across a run's tasks, updated here).

    Raises:
        UserError: naming the task, the sample and the file, for the first bad one.
    """
    from lamm_bench.media import check_image
    from lamm_bench.pointcloud import check_point_cloud

    checked = set() if checked is None else checked
    for sample in samples:
        for path, check in [*((p, check_image) for p in sample.images),
                            *([(sample.point_cloud, check_point_cloud)] if sample.point_cloud else [])]:  # fmt: skip
            if path in checked:
                continue
            try:
                check(path)
            except UserError as exc:
                raise UserError(f"task {task}: sample {sample.id!r}: {exc}") from None
            checked.add(path)


def _check_chunk(items: Sequence[tuple[str, MediaKind]]) -> list[tuple[str, str | None]]:
    return [(path, check_media_file(path, kind)) for path, kind in items]


def check_files(items: Sequence[tuple[str, MediaKind]], *, workers: int, progress: Progress | None = None) -> dict[str, str]:
    """Decode every file, in ``workers`` threads (in the calling thread when ``workers`` <= 1).

    Returns:
        The problem of each bad file, by path.
    """
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    bad: dict[str, str] = {}
    done = 0

    def collect(results: list[tuple[str, str | None]]) -> None:
        nonlocal done
        bad.update((path, problem) for path, problem in results if problem is not None)
        done += len(results)
        if progress:
            progress(done, len(items))

    if progress:
        progress(0, len(items))
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            collect(_check_chunk(chunk))
        return bad
    # Threads, not processes: PIL decodes and numpy reads with the GIL released, so threads run in parallel
    # where it matters, without the start-up cost of worker processes (seconds, measured on a loaded 2-core box).
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="data-check") as pool:
        for future in as_completed([pool.submit(_check_chunk, chunk) for chunk in chunks]):
            collect(future.result())
    return bad


def check_data(root: Path, specs: Sequence[TaskSpec], *, workers: int | None = None,
               progress: Progress | None = None) -> DataReport:  # fmt: skip
    """Check the tasks' meta files and decode every media file they need.

    Args:
        root: The data root.
        specs: The tasks to check.
        workers: Threads decoding media (default: the CPU count).
        progress: Called with (files done, files in all) as decoding proceeds.
    """
    start = time.perf_counter()
    loaded: list[tuple[TaskSpec, int, list[MediaUse]]] = []
    statuses: dict[str, TaskStatus] = {}
    for spec in specs:
        try:
            n, uses = media_uses(spec, root)
            loaded.append((spec, n, uses))
        except UserError as exc:
            statuses[spec.name] = TaskStatus(spec.name, problem=" ".join(str(exc).split()))
    files = list(dict.fromkeys((use.path, use.kind) for _, _, uses in loaded for use in uses))
    bad = check_files(files, workers=workers or os.cpu_count() or 1, progress=progress)
    by_file: dict[str, dict[str, list[str]]] = {}  # path -> record -> tasks, in first-seen order
    for spec, n, uses in loaded:
        bad_uses = [u for u in uses if u.path in bad]
        for use in bad_uses:
            by_file.setdefault(use.path, {}).setdefault(use.where, []).append(spec.name)
        statuses[spec.name] = TaskStatus(spec.name, samples=n, bad_media=len({u.path for u in bad_uses}))
    report = DataReport(
        root=root,
        tasks=[statuses[spec.name] for spec in specs],
        bad_media=[BadMedia(bad[path], tuple((where, tuple(tasks)) for where, tasks in records.items()))
                   for path, records in by_file.items()],  # fmt: skip
        media_checked=len(files),
        seconds=time.perf_counter() - start,
    )
    log.info("checked %d media files in %.1f s", len(files), report.seconds)
    return report
