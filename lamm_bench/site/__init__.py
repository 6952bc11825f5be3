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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lamm_bench.scoring import BOOTSTRAP_SAMPLES

INDEX = "index.html"


def column_leads(out_dir: Path, results: Sequence[Any], *, n_boot: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> dict:
    """For every table column with two or more measured models: (best, next, their paired comparison)."""
    from lamm_bench.compare import compare_task, lead_of, read_rows
    from lamm_bench.leaderboard import _column_info, build_tables
    from lamm_bench.results import result_paths

    def rows(result: Any) -> list:
        path = result_paths(out_dir, result.model.name, result.task.name)[1]
        return read_rows(path) if path.is_file() else []

    leads = {}
    for table in build_tables(results):
        for task in table.tasks:
            measured = {m: per[task] for m, per in table.rows.items() if task in per}
            values = {m: r.paper_metric.value for m, r in measured.items() if isinstance(r.paper_metric.value, (int, float))}
            pair = lead_of(values, _column_info(table, task)[1])
            if pair is None:
                continue
            best, runner_up = measured[pair[0]], measured[pair[1]]
            comparison = compare_task(best, runner_up, rows(best), rows(runner_up), n_boot=n_boot, seed=seed)
            leads[(table.title, task)] = (pair[0], pair[1], comparison)
    return leads


def write_site(out_dir: Path, results: Sequence[Any], *, data_root: Path | None = None, seed: int = 0) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/predictions/``; returns the index's path."""
    from lamm_bench.compare import read_rows
    from lamm_bench.files import atomic_write_text
    from lamm_bench.results import result_paths
    from lamm_bench.site.browser import write_task_pages
    from lamm_bench.site.index import render_index, static
    from lamm_bench.site.media import MediaMaker

    out_dir = Path(out_dir)
    folder = out_dir / "predictions"
    if folder.is_dir():  # pages of results that are gone must go too; the pictures are a cache (MediaMaker)
        for child in sorted(folder.iterdir()):
            if child.name != "media":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    maker = MediaMaker(folder / "media", data_root)
    for result in results:
        path = result_paths(out_dir, result.model.name, result.task.name)[1]
        write_task_pages(folder / result.model.name, result, read_rows(path) if path.is_file() else [], maker)
    maker.finish()
    if results:
        for name in ("site.css", "browser.js"):
            (folder / name).write_text(static(name), encoding="utf-8")
    index = out_dir / INDEX
    atomic_write_text(index, render_index(results, column_leads(out_dir, results, seed=seed), chart=bool(results)))
    return index
