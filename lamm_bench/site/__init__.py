"""The leaderboard as a static site: ``index.html`` plus a prediction browser per (model, task).

Written by ``lamm-bench leaderboard`` beside ``README.md`` and ``chart.png``, from the result files and their
per-sample predictions alone (and, for pictures, the data root when given). Deterministic: the same files give
byte-identical pages. Layout of the leaderboard folder::

    index.html                           the tables (sortable), the chart, a link per cell, significance per column
    predictions/site.css, browser.js     shared by every browser page
    predictions/<model>/<task>.html      one task's browser: header, filters, one flag per sample
    predictions/<model>/<task>/NNNN.js   its samples, 50 per file, loaded as they are shown
    predictions/media/                   image thumbnails and point-cloud views (see ``lamm_bench.site.media``)
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from lamm_bench.results import TaskResult, result_paths
from lamm_bench.rows import PredictionRow, read_prediction_rows
from lamm_bench.scoring import BOOTSTRAP_SAMPLES

INDEX = "index.html"

Rows = Mapping[tuple[str, str], Sequence[PredictionRow]]
"""Each result's per-sample rows, by (model, task)."""


def result_rows(out_dir: Path, results: Sequence[TaskResult]) -> dict[tuple[str, str], list[PredictionRow]]:
    """Every result's rows from ``results/<model>/<task>.predictions.jsonl`` (none where that file is missing); a
    malformed line is a ``UserError`` naming the file and line."""
    out = {}
    for result in results:
        path = result_paths(out_dir, result.model.name, result.task.name)[1]
        out[(result.model.name, result.task.name)] = read_prediction_rows(path) if path.is_file() else []
    return out


def column_leads(results: Sequence[TaskResult], rows: Rows, *, n_boot: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> dict:
    """For every table column with two or more measured models: (best, next, their paired comparison)."""
    from lamm_bench.compare import compare_task, lead_of
    from lamm_bench.tables import build_tables, column_info, is_number

    leads = {}
    for table in build_tables(results):
        for task in table.tasks:
            measured = {m: per[task] for m, per in table.rows.items() if task in per}
            values = {m: r.paper_metric.value for m, r in measured.items() if is_number(r.paper_metric.value)}
            pair = lead_of(values, column_info(table, task)[1])
            if pair is None:
                continue
            best, runner_up = measured[pair[0]], measured[pair[1]]
            comparison = compare_task(best, runner_up, rows[(pair[0], task)], rows[(pair[1], task)], n_boot=n_boot,
                                      seed=seed)  # fmt: skip
            leads[(table.title, task)] = (pair[0], pair[1], comparison)
    return leads


def write_site(out_dir: Path, results: Sequence[TaskResult], rows: Rows | None = None, *,
               data_root: Path | None = None, seed: int = 0) -> Path:  # fmt: skip
    """Write ``out_dir/index.html`` and ``out_dir/predictions/`` (``rows``: :func:`result_rows`, read here when not
    given); returns the index's path."""
    from lamm_bench.files import atomic_write_text
    from lamm_bench.site.browser import write_task_pages
    from lamm_bench.site.index import render_index, static
    from lamm_bench.site.media import MediaMaker

    out_dir = Path(out_dir)
    rows = result_rows(out_dir, results) if rows is None else rows
    folder = out_dir / "predictions"
    if folder.is_dir():  # pages of results that are gone must go too; the pictures are a cache (MediaMaker)
        for child in sorted(folder.iterdir()):
            if child.name != "media":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    maker = MediaMaker(folder / "media", data_root)
    for result in results:
        write_task_pages(folder / result.model.name, result, rows[(result.model.name, result.task.name)], maker)
    maker.finish()
    if results:
        for name in ("site.css", "browser.js"):
            atomic_write_text(folder / name, static(name))
    index = out_dir / INDEX
    atomic_write_text(index, render_index(results, column_leads(results, rows, seed=seed), chart=bool(results)))
    return index
