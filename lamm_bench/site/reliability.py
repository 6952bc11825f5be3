"""The reliability diagram of a calibration result, as inline SVG for the prediction browser's header.

Any result whose metrics carry reliability bins -- ``Acc_bins@i`` and ``Prob_bins@i`` (ChEF's ``compute_ECE``, a
fraction each; ``chef-calibration-*`` and every task that reports the same keys), optionally under a run prefix
``<run>/`` -- gets one diagram per prefix: each bin's accuracy against its mean confidence, a point per bin joined
in bin order, a thin line from each point to the diagonal (its gap, what ECE weighs), the diagonal of perfect
calibration, and the ``ECE`` beside it in the caption. Pure string building: no script, no external resource, so
the page works offline and from ``file://``; the same metrics give the same bytes.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping

BIN_KEY = re.compile(r"^(?P<prefix>(?:.*/)?)(?P<kind>Acc|Prob)_bins@(?P<index>\d+)$")
SIZE, PAD = 220, 34
"""The plot's side and the margin for the axes' labels, in SVG units."""


def reliability_bins(metrics: Mapping[str, float]) -> dict[str, list[tuple[float, float]]]:
    """``(confidence, accuracy)`` per bin, in bin order, for each prefix (``""`` for a single-run task) that has
    both numbers of every bin it names; a bin with either number missing or not finite is left out."""
    found: dict[str, dict[int, dict[str, float]]] = {}
    for key, value in metrics.items():
        match = BIN_KEY.match(key)
        if match and isinstance(value, int | float) and math.isfinite(value):
            bins = found.setdefault(match["prefix"], {})
            bins.setdefault(int(match["index"]), {})[match["kind"]] = float(value)
    out = {}
    for prefix in sorted(found):
        pairs = [(b["Prob"], b["Acc"]) for _, b in sorted(found[prefix].items()) if len(b) == 2]
        if pairs:
            out[prefix] = pairs
    return out


def _xy(confidence: float, accuracy: float) -> tuple[str, str]:
    def clamp(v: float) -> float:
        return min(1.0, max(0.0, v))

    return f"{PAD + clamp(confidence) * SIZE:.1f}", f"{PAD + (1 - clamp(accuracy)) * SIZE:.1f}"


def diagram_svg(pairs: list[tuple[float, float]], title: str) -> str:
    """One reliability diagram: axes 0-1, the diagonal, the gaps, the bins' line and points (each with a tooltip)."""
    e = html.escape
    low, high = PAD, PAD + SIZE
    width, height = SIZE + PAD + 12, SIZE + PAD + 30
    svg = (f'<svg class="reliability" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-label="{e(title)}">')  # fmt: skip
    parts = [svg,
             f'<rect class="plot" x="{low}" y="{low}" width="{SIZE}" height="{SIZE}"/>',
             f'<line class="diagonal" x1="{low}" y1="{high}" x2="{high}" y2="{low}"/>']  # fmt: skip
    for tick in (0.0, 0.5, 1.0):
        x, y = _xy(tick, tick)
        parts.append(f'<text class="tick" x="{x}" y="{high + 14}" text-anchor="middle">{tick:g}</text>')
        parts.append(f'<text class="tick" x="{low - 5}" y="{y}" text-anchor="end" dy="4">{tick:g}</text>')
    parts.append(f'<text class="axis" x="{low + SIZE / 2:g}" y="{high + 28}" text-anchor="middle">confidence</text>')
    parts.append(f'<text class="axis" transform="translate(11 {low + SIZE / 2:g}) rotate(-90)" '
                 f'text-anchor="middle">accuracy</text>')  # fmt: skip
    points = [_xy(c, a) for c, a in pairs]
    for (c, _), (x, y) in zip(pairs, points):
        parts.append(f'<line class="gap" x1="{x}" y1="{y}" x2="{x}" y2="{_xy(c, c)[1]}"/>')
    parts.append(f'<polyline class="bins" points="{" ".join(f"{x},{y}" for x, y in points)}"/>')
    for i, ((c, a), (x, y)) in enumerate(zip(pairs, points)):
        parts.append(f'<circle class="bin" cx="{x}" cy="{y}" r="3.5"><title>bin {i}: confidence {c:.3f}, '
                     f"accuracy {a:.3f}</title></circle>")  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def reliability_html(metrics: Mapping[str, float]) -> str:
    """The header's figures, one per prefix with bins (``""`` when the metrics hold none): the diagram and a
    caption naming the run, the bin count and the ``ECE``."""
    figures = []
    for prefix, pairs in reliability_bins(metrics).items():
        ece = metrics.get(f"{prefix}ECE")
        shown = f"{ece:.4f}" if isinstance(ece, int | float) and math.isfinite(ece) else "–"
        run = f"{prefix[:-1]}: " if prefix else ""
        title = f"{run}reliability diagram, {len(pairs)} equal-count bins"
        caption = (f"{html.escape(run)}accuracy against confidence, {len(pairs)} equal-count bins; "
                   f"ECE {shown} (a fraction); the diagonal is perfect calibration")  # fmt: skip
        figures.append(f'<figure class="reliability">{diagram_svg(pairs, title)}<figcaption>{caption}</figcaption>'
                       "</figure>")  # fmt: skip
    return f'<div class="reliability">{"".join(figures)}</div>' if figures else ""
