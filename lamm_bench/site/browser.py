"""The prediction browser: one page per (model, task), its samples in script chunks loaded as they are shown.

``predictions/<model>/<task>.html`` holds the task's header, the filters and, for every sample, one flag
character (wrong, unparsed, failed), so filtering and paging need no sample data; the samples themselves are in
``predictions/<model>/<task>/NNNN.js`` files of ``CHUNK`` samples, each calling ``lammChunk(index, samples)``.
Script tags, not ``fetch``, so the pages work from ``file://``. A sample carries its exact requests (system
message once per page, by index), the raw output, what the parser extracted, its per-sample score, its pictures
and, for box and point tasks, the boxes and points to draw (2D) or list side by side (3D).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lamm_bench.site.media import MediaMaker

CHUNK = 50
"""Samples per data chunk (and per browser page)."""
WRONG, UNPARSED, FAILED = 1, 2, 4


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` or ``<!--`` can appear)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")


def sample_value(row: Mapping[str, Any]) -> float | None:
    """The sample's own value of the primary metric (numerator / denominator of its ``terms``), if it has any."""
    terms = row.get("terms")
    if not terms or not terms[1]:
        return None
    return terms[0] / terms[1]


def is_wrong(row: Mapping[str, Any], higher_is_better: bool) -> bool:
    """Short of full marks: below 100 (metrics are percent) when higher is better, above 0 (an error) when lower is;
    rows without ``terms`` (older files) fall back to a ``correct`` score."""
    value = sample_value(row)
    if value is None:
        correct = row.get("scores", {}).get("correct")
        return correct is not None and correct < 1
    return value < 100 - 1e-9 if higher_is_better else value > 1e-9


def _boxes(value: Any, width: int) -> list[list[float]]:
    """Boxes of ``width`` numbers in a parsed answer or ground truth (a box, a list of boxes or of objects)."""
    if isinstance(value, Mapping):
        value = value.get("bbox", value.get("boxes"))
    if isinstance(value, list) and len(value) == width and all(isinstance(v, (int, float)) for v in value):
        return [[float(v) for v in value]]
    if isinstance(value, list):
        return [box for item in value for box in _boxes(item, width)]
    return []


def _points(value: Any) -> list[list[float]]:
    if isinstance(value, Mapping):
        return [p for v in value.values() for p in _points(v)]
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        return [[float(v) for v in value]]
    if isinstance(value, list):
        return [p for item in value for p in _points(item)]
    return []


def overlay_2d(row: Mapping[str, Any], picture: Mapping[str, Any] | None) -> dict[str, list] | None:
    """Normalized boxes and points to draw over a 2D sample's image: ground truth and predicted."""
    target, parsed = row.get("target") or {}, row.get("parsed")
    parsed_boxes = parsed.get("boxes") if isinstance(parsed, Mapping) else None
    parsed_points = parsed.get("points") if isinstance(parsed, Mapping) else None
    out = {"gt": _boxes(target.get("object"), 4), "pred": _boxes(parsed_boxes, 4), "predPoints": _points(parsed_points)}
    joints = target.get("gt_joints")
    if isinstance(joints, list) and picture:  # LSP: pixel coordinates of the source image
        out["gtPoints"] = [[j[0] / picture["w"], j[1] / picture["h"]] for j in joints
                           if isinstance(j, list) and len(j) >= 2 and (len(j) < 3 or j[2])]  # fmt: skip
    out = {k: v for k, v in out.items() if v}
    return out if out.get("pred") or out.get("gt") or out.get("predPoints") else None


def boxes_3d(row: Mapping[str, Any]) -> dict[str, list] | None:
    """A 3D box task's predicted and ground-truth boxes, ``[cx, cy, cz, l, w, h]``, with labels where known."""
    target, parsed = row.get("target") or {}, row.get("parsed")
    objects = target.get("object")
    if not isinstance(objects, list):
        return None
    gt = [[o.get("label", ""), box] for o in objects if isinstance(o, Mapping) for box in _boxes(o, 6)]
    gt = gt or [["", box] for box in _boxes(objects, 6)]
    labeled = parsed.get("labeled_boxes") if isinstance(parsed, Mapping) else None
    pred = [[t, b] for t, b in labeled] if labeled else [["", box] for box in _boxes(parsed, 6)]
    return {"gt": gt, "pred": pred} if gt else None


def sample_record(index: int, row: Mapping[str, Any], maker: MediaMaker, higher: bool, modality: str,
                  systems: dict[str, int]) -> tuple[dict[str, Any], int]:  # fmt: skip
    """One sample as the page shows it, and its flags."""
    requests = []
    for request in row.get("requests", ()):
        shown = {k: v for k, v in request.items() if k != "system"}
        shown["s"] = systems.setdefault(request.get("system", ""), len(systems))
        requests.append(shown)
    pictures, missing = [], []
    for relative in row.get("media", ()):
        picture = maker.picture(relative)
        (pictures.append({**picture, "path": relative}) if picture else missing.append(relative))
    wrong = is_wrong(row, higher)
    flags = WRONG * wrong + UNPARSED * bool(row.get("unparsed")) + FAILED * bool(row.get("failed"))
    record = {"i": index, "id": row["id"], "output": row.get("prediction"), "parsed": row.get("parsed"),
              "scores": row.get("scores", {}), "value": sample_value(row), "flags": flags, "requests": requests,
              "media": pictures, "missing": missing, "target": row.get("target")}  # fmt: skip
    extra = overlay_2d(row, pictures[0] if pictures else None) if modality == "2d" else boxes_3d(row)
    if extra:
        record["overlay" if modality == "2d" else "boxes3d"] = extra
    return record, flags


def write_task_pages(folder: Path, result: Any, rows: Sequence[Mapping[str, Any]], maker: MediaMaker) -> Path:
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
            record, flag = sample_record(index, rows[index], maker, higher, result.task.modality, systems)
            records.append(record)
            flags.append(str(flag))
        text = f"lammChunk({start // CHUNK},{script_json(records)});\n"
        (chunk_dir / f"{start // CHUNK:04d}.js").write_text(text, encoding="utf-8")
    page = folder / f"{task}.html"
    data = {"model": result.model.name, "task": task, "chunkDir": f"{task}/", "chunkSize": CHUNK, "n": len(rows),
            "flags": "".join(flags), "systems": list(systems), "modality": result.task.modality,
            "primary": result.primary.name, "higherIsBetter": higher,
            "wrongKnown": any("terms" in r or "correct" in r.get("scores", {}) for r in rows)}  # fmt: skip
    page.write_text(page_html(result, data), encoding="utf-8")
    return page


def page_html(result: Any, data: Mapping[str, Any]) -> str:
    """The browser page of one (model, task)."""
    e = html.escape
    p = result.paper_metric
    value = f"{p.value:.2f}" if isinstance(p.value, (int, float)) else "–"
    title = f"{result.model.name} · {result.task.name}"
    where = f" · on {result.task.dataset['name']}" if result.task.dataset else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} — lamm-bench predictions</title><link rel="stylesheet" href="../site.css"></head>
<body class="browser">
<header><a class="back" href="../../index.html">← leaderboard</a>
<h1>{e(title)}</h1>
<p class="meta">task version {e(result.task.version)} · {e(result.task.protocol)} protocol{e(where)} ·
{e(p.name)} {value} · {result.task.n_samples} samples · {result.unparsed} unparsed · {result.failed} failed</p></header>
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
