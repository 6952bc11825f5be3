"""Render ``leaderboard/README.md`` (and ``chart.png``) from ``leaderboard/results/**/*.json`` alone (and, through
``lamm_bench.site``, ``index.html`` with a prediction browser per result).

Pure and deterministic: the same result files give byte-identical output (no timestamps, sorted everything,
PNG metadata stripped). The tables -- which results, which columns in which order, labels, directions, the best
value per column -- are :mod:`lamm_bench.tables`; this module renders them as markdown (the best measured value
per column in bold, the LAMM paper's published numbers as separately marked reference rows) and as the chart.

Every text that comes from a result file (labels, versions, metric keys, the data set's name) is rendered as plain
text: in markdown through :func:`markdown_text` (no ``|`` or line break can end a cell or forge a row, no HTML or
link is made), in the chart through :func:`chart_text` (no ``$`` starts matplotlib's mathtext).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path

from lamm_bench.files import atomic_write_bytes, atomic_write_text
from lamm_bench.published import PUBLISHED
from lamm_bench.results import TaskResult, load_results
from lamm_bench.tables import CHART, Table, best_values, build_tables, column_info, format_value


_MARKDOWN = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", "\\": "&#92;", "`": "&#96;", "[": "&#91;",
             "]": "&#93;", "$": "&#36;"}  # fmt: skip
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def markdown_text(text: object) -> str:
    """``text`` as plain text in a markdown table cell or heading: line breaks and control characters become a space,
    and the characters that would end a cell, escape, open a code span, a link or math, or make HTML are entities (a
    name or label without them is unchanged)."""
    return "".join(_MARKDOWN.get(c, c) for c in _BREAKS.sub(" ", str(text)))


def chart_text(text: object) -> str:
    """``text`` as matplotlib shows it literally: ``$`` escaped (no mathtext), control characters a space."""
    return _BREAKS.sub(" ", str(text)).replace("$", r"\$")


def render_table(table: Table) -> list[str]:
    """Markdown lines of one table, its reference rows and its column legend."""
    md = markdown_text
    heads = [f"{md(t)}<br>{md(label)} {'↑' if higher else '↓'}" for t in table.tasks
             for label, higher in [column_info(table, t)]]
    lines = [f"## {md(table.title)}", "", "| model | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    best = best_values(table)
    for model, per_task in table.rows.items():
        cells = []
        for task in table.tasks:
            value = per_task[task].paper_metric.value if task in per_task else None
            text = format_value(value)
            cells.append(f"**{text}**" if value is not None and value == best.get(task) and len(table.rows) > 1 else text)
        lines.append(f"| {md(model)} | " + " | ".join(cells) + " |")
    if table.reference:
        for row in PUBLISHED:
            if any(t in row.values for t in table.tasks):
                # published numbers as printed (no padding: 0.158 stays 0.158)
                cells = [f"*{row.values[t]:g}*" if isinstance(row.values.get(t), float | int) else
                         f"*{row.values[t]}*" if t in row.values else "–" for t in table.tasks]  # fmt: skip
                lines.append(f"| *{row.label}* | " + " | ".join(cells) + " |")
    lines += ["", *_legend(table), ""]
    return lines


def _legend(table: Table) -> list[str]:
    md = markdown_text
    lines = ["| column | protocol | version | paper metric | computed as | samples |", "|---|---|---|---|---|---|"]
    for task in table.tasks:
        results = [per[task] for per in table.rows.values() if task in per]
        if not results:
            label = column_info(table, task)[0]
            lines.append(f"| {md(task)} | {md(table.protocol)} | – | {md(label)} | (no results yet) | – |")
            continue
        versions = ", ".join(sorted({r.task.version for r in results}))
        keys = ", ".join(sorted({r.paper_metric.key for r in results}))
        counts = ", ".join(str(n) for n in sorted({r.task.n_samples for r in results}))
        label = results[0].paper_metric.name
        lines.append(f"| {md(task)} | {md(table.protocol)} | {md(versions)} | {md(label)} | `{md(keys)}` | {counts} |")
    if table.reference and table.protocol == "chef":
        chance = any(r.label.startswith("Random") and any(t in r.values for t in table.tasks) for r in PUBLISHED)
        lines += ["", "Rows in *italics* are numbers published on ChEF's leaderboard"
                  + (", its Random row the chance level" if chance else "")
                  + " (not measured here); bold marks the best measured value per column."]  # fmt: skip
    elif table.reference:
        lines += ["", "Rows in *italics* are numbers published with the LAMM paper (not measured here); bold marks "
                  "the best measured value per column."]  # fmt: skip
    return lines


def render_markdown(results: Sequence[TaskResult], *, chart: bool) -> str:
    """The whole README text."""
    lines = [
        "# LAMM benchmark leaderboard",
        "",
        "Generated by `lamm-bench leaderboard` from `results/` — do not edit by hand. Each cell is the task's paper "
        "metric as the LAMM reference code computes it (`paper_metric` in the result file); every honest metric, "
        "its confidence interval and the per-sample answers are in `results/<model>/<task>.json` and "
        "`.predictions.jsonl`.",
        "",
    ]
    if chart:
        lines += [f"![models across tasks]({CHART})", ""]
    demo_heading = False
    for table in build_tables(results):
        if table.dataset is not None and not demo_heading:
            lines += ["# Demo data: not the LAMM benchmark", "",
                      "These results were computed on a data root that says it is not the released LAMM_Dataset "
                      "(`lamm_bench_dataset.json`, recorded as `task.dataset` in each result), such as the mini "
                      "benchmark of `lamm-bench data mini`. They show that the pipeline works; they are not "
                      "comparable with LAMM numbers, so no published row is shown beside them.", ""]  # fmt: skip
            demo_heading = True
        lines += render_table(table)
    return "\n".join(lines).rstrip() + "\n"


def write_chart(results: Sequence[TaskResult], path: Path) -> None:
    """Small multiples in the tables' order: one panel per task (its paper metric and direction), one bar per model,
    the published LAMM-13B number as a dashed line where the paper (or ChEF's leaderboard) has one; a deterministic
    PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tables = build_tables(results)
    panels = [(table, task) for table in tables for task in table.tasks if any(task in per for per in table.rows.values())]
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    models = max(len(table.rows) for table, _ in panels)
    with plt.rc_context({"svg.hashsalt": "lamm-bench", "font.size": 8}):
        fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, rows * (0.9 + 0.22 * models)), squeeze=False)
        for ax, (table, task) in zip(axes.flat, panels):
            names = [m for m, per in table.rows.items() if task in per]
            values = [table.rows[m][task].paper_metric.value for m in names]
            measured = [float(v) for v in values if v is not None]
            label, higher = column_info(table, task)
            bars = [float("nan") if v is None else float(v) for v in values]  # no bar for a missing value
            ax.barh([chart_text(m) for m in names], bars, color="#4c72b0")
            # the first published row with the task: LAMM-13B in the paper's tables, on ChEF's leaderboard in its
            rows = [row.values[task] for row in PUBLISHED if task in row.values] if table.reference else []
            published = rows[0] if rows else None
            if isinstance(published, (int, float)):
                ax.axvline(published, color="#888888", linestyle="--", linewidth=1)
            top = max([*measured, published if isinstance(published, (int, float)) else 0, 1.0])
            ax.set_xlim(0, min(top * 1.1, 1e300))  # a finite limit even for a value near the float maximum
            where = f" ({table.dataset})" if table.dataset else ""
            ax.set_title(chart_text(f"{task}{where}: {label} {'↑' if higher else '↓'}"))
            ax.invert_yaxis()
        for ax in list(axes.flat)[len(panels):]:
            ax.axis("off")
        fig.suptitle("lamm-bench: paper metric per task (dashed: LAMM-13B as published)", fontsize=9)
        fig.tight_layout()
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=100, metadata={"Software": None})
        plt.close(fig)
    atomic_write_bytes(path, png.getvalue())


def write_leaderboard(out_dir: Path, data_root: Path | None = None) -> Path:
    """Render ``out_dir/README.md`` (and the chart when there are results) and the site (``index.html`` and the
    prediction browser, ``lamm_bench.site``; pictures from ``data_root`` when given); returns the README path.
    Every result file and per-sample predictions file is read, and checked, before anything is written."""
    from lamm_bench.site import result_rows, write_site

    out_dir = Path(out_dir)
    results = load_results(out_dir / "results")
    rows = result_rows(out_dir, results)
    if results:
        write_chart(results, out_dir / CHART)
    readme = out_dir / "README.md"
    atomic_write_text(readme, render_markdown(results, chart=bool(results)))
    write_site(out_dir, results, rows, data_root=data_root)
    return readme
