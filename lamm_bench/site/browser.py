"""The prediction browser: one page per (model, task), its samples in script chunks loaded as they are shown.

``predictions/<model>/<task>.html`` holds the task's header, the filters and, for every sample, one flag
character (wrong, unparsed, failed), so filtering and paging need no sample data; the samples themselves are in
``predictions/<model>/<task>/NNNN.js`` files of ``CHUNK`` samples, each calling ``lammChunk(index, samples)``.
Script tags, not ``fetch``, so the pages work from ``file://``. A sample carries its exact requests (system
message once per page, by index; the reasoning taken out of an answer, folded, with the answer as the model gave
it), the output the parser read, what it extracted, its per-sample score, its pictures
and, where its task declares one (``TaskSpec.overlay``, recorded in the row), the boxes and points to draw (2D) or
list side by side (3D); rows written before overlays were recorded show none. A result with reliability bins
(calibration) shows its reliability diagram in the header (:mod:`lamm_bench.site.reliability`); a corrupted
sample of a robustness run shows its clean and corrupted input side by side, the questions' changed words marked
(:mod:`lamm_bench.site.robust`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lamm_bench.files import atomic_write_text
from lamm_bench.rows import Overlay, PredictionRow
from lamm_bench.site.media import MediaMaker
from lamm_bench.site.reliability import reliability_html
from lamm_bench.site.robust import robust_view

CHUNK = 50
"""Samples per data chunk (and per browser page)."""
WRONG, UNPARSED, FAILED = 1, 2, 4


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` or ``<!--`` can appear)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")


def sample_value(row: PredictionRow) -> float | None:
    """The sample's own value of the primary metric (numerator / denominator of its ``terms``), if it has any."""
    if not row.terms or not row.terms[1]:
        return None
    return row.terms[0] / row.terms[1]


def is_wrong(row: PredictionRow, higher_is_better: bool) -> bool:
    """Short of full marks: below 100 (metrics are percent) when higher is better, above 0 (an error) when lower is;
    rows without ``terms`` (older files) fall back to a ``correct`` score."""
    value = sample_value(row)
    if value is None:
        correct = row.scores.get("correct")
        return correct is not None and correct < 1
    return value < 100 - 1e-9 if higher_is_better else value > 1e-9


def drawing(overlay: Overlay | None, modality: str) -> tuple[str, dict[str, list]] | None:
    """The page's view of a row's overlay, as (name, value): 2D ``overlay``, the boxes and points to draw on the
    image (``gt``, ``pred``, ``gtPoints``, ``predPoints``; shown when it has a box or a predicted point); 3D
    ``boxes3d``, ``[label, box]`` pairs side by side (shown when there is a ground truth)."""
    if overlay is None:
        return None
    if modality == "2d":
        parts = {"gt": [list(b.box) for b in overlay.gt_boxes], "pred": [list(b.box) for b in overlay.pred_boxes],
                 "predPoints": [list(p) for p in overlay.pred_points],
                 "gtPoints": [list(p) for p in overlay.gt_points]}  # fmt: skip
        parts = {k: v for k, v in parts.items() if v}
        return ("overlay", parts) if parts.keys() & {"gt", "pred", "predPoints"} else None
    if not overlay.gt_boxes:
        return None
    return "boxes3d", {"gt": [b.to_json() for b in overlay.gt_boxes], "pred": [b.to_json() for b in overlay.pred_boxes]}


def sample_record(index: int, row: PredictionRow, maker: MediaMaker, higher: bool, modality: str,
                  systems: dict[str, int], settings: Mapping[str, Any] | None = None,
                  seed: Any = 0) -> tuple[dict[str, Any], int]:  # fmt: skip
    """One sample as the page shows it, and its flags (``settings`` and ``seed``: the result's, for a robustness
    row's clean and corrupted point clouds)."""
    requests = []
    for request in row.requests:
        shown = {k: v for k, v in request.to_json().items() if k != "system"}
        shown["s"] = systems.setdefault(request.system, len(systems))
        requests.append(shown)
    pictures, missing = [], []
    for relative in row.media:
        picture = maker.picture(relative)
        (pictures.append({**picture, "path": relative}) if picture else missing.append(relative))
    flags = WRONG * is_wrong(row, higher) + UNPARSED * row.unparsed + FAILED * row.failed
    record = {"i": index, "id": row.id, "output": row.prediction, "parsed": row.parsed, "scores": dict(row.scores),
              "value": sample_value(row), "flags": flags, "requests": requests, "media": pictures,
              "missing": missing, "target": dict(row.target)}  # fmt: skip
    drawn = drawing(row.overlay, modality)
    if drawn:
        record[drawn[0]] = drawn[1]
    robust = robust_view(row, maker, settings or {}, seed)
    if robust:
        record["robust"] = robust
    return record, flags


def write_task_pages(folder: Path, result: Any, rows: Sequence[PredictionRow], maker: MediaMaker) -> Path:
    """Write ``folder/<task>.html`` and its chunks for one result; returns the page's path."""
    task = result.task.name
    higher = result.higher_is_better.get(result.primary.name, result.paper_higher_is_better)
    systems: dict[str, int] = {}
    chunk_dir = folder / task
    chunk_dir.mkdir(parents=True, exist_ok=True)
    flags = []
    for start in range(0, len(rows), CHUNK):
        records = []
        for index in range(start, min(start + CHUNK, len(rows))):
            record, flag = sample_record(index, rows[index], maker, higher, result.task.modality, systems,
                                         result.task.settings, result.seed)  # fmt: skip
            records.append(record)
            flags.append(str(flag))
        text = f"lammChunk({start // CHUNK},{script_json(records)});\n"
        atomic_write_text(chunk_dir / f"{start // CHUNK:04d}.js", text)
    page = folder / f"{task}.html"
    data = {"model": result.model.name, "task": task, "chunkDir": f"{task}/", "chunkSize": CHUNK, "n": len(rows),
            "flags": "".join(flags), "systems": list(systems), "modality": result.task.modality,
            "primary": result.primary.name, "higherIsBetter": higher,
            "wrongKnown": any(r.terms is not None or "correct" in r.scores for r in rows)}  # fmt: skip
    atomic_write_text(page, page_html(result, data))
    return page


def page_html(result: Any, data: Mapping[str, Any]) -> str:
    """The browser page of one (model, task); every text from the result file is escaped (counts too: a result file
    is input, and a count that is not a number must not become markup even if a reader let it through)."""
    e = html.escape
    p = result.paper_metric
    value = f"{p.value:.2f}" if isinstance(p.value, (int, float)) else "–"
    title = f"{result.model.name} · {result.task.name}"
    where = f" · on {result.task.dataset['name']}" if result.task.dataset else ""
    parts = ((result.task.n_samples, "samples"), (result.unparsed, "unparsed"), (result.failed, "failed"))
    counts = " · ".join(f"{e(str(n))} {what}" for n, what in parts)
    if result.reasoning is not None and (result.reasoning.stripped or result.reasoning.cut_off):
        r = result.reasoning
        counts += (f" · {e(str(r.stripped))} answers stripped of reasoning · {e(str(r.cut_off))} cut off inside it "
                   f"({e(r.tags[0])} … {e(r.tags[1])})")  # fmt: skip
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} — lamm-bench predictions</title><link rel="stylesheet" href="../site.css"></head>
<body class="browser">
<header><a class="back" href="../../index.html">← leaderboard</a>
<h1>{e(title)}</h1>
<p class="meta">task version {e(result.task.version)} · {e(result.task.protocol)} protocol{e(where)} ·
{e(p.name)} {value} · {counts}</p>{reliability_html(result.metrics)}</header>
<nav id="controls">
<label><input type="checkbox" id="wrong"> wrong only</label>
<label><input type="checkbox" id="unparsed"> unparsed only</label>
<input type="search" id="search" placeholder="search ids, requests, outputs…" aria-label="search">
<button id="prev" type="button">‹ prev</button> <span id="pager"></span> <button id="next" type="button">next ›</button>
<span id="count"></span></nav>
<main id="samples"><p class="empty">Loading…</p></main>
<script>window.LAMM_PAGE={script_json(data)};</script>
<script src="../browser.js"></script>
</body></html>
"""
