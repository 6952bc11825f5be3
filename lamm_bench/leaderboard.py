"""Render ``leaderboard/README.md`` (and ``chart.png``) from ``leaderboard/results/**/*.json`` alone (and, through
``lamm_bench.site``, ``index.html`` with a prediction browser per result).

Pure and deterministic: the same result files give byte-identical output (no timestamps, sorted everything,
PNG metadata stripped). One table per (modality, protocol): models x tasks with the paper metric's label and
direction, the best measured value per column in bold, and -- for the paper protocol -- the LAMM paper's
published numbers as separately marked reference rows.

Everything shown about a column with results comes from its result files: label, direction, version and place
(``task.group``). The registry is never asked, so installed plugins never change the output; only the paper
tables' columns without any result yet come from the reference (``lamm_bench.published``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.files import atomic_write_text
from lamm_bench.published import PUBLISHED, PaperColumn, paper_columns
from lamm_bench.results import TaskResult, read_result

CHART = "chart.png"


@dataclass(frozen=True)
class Table:
    """One rendered table's content."""

    title: str
    tasks: tuple[str, ...]
    protocol: str
    rows: dict[str, dict[str, TaskResult]]  # model -> task -> result
    reference: dict[str, PaperColumn]  # the paper table's columns (empty for ChEF tables and demo data)
    dataset: str | None = None  # the data's name when it is not the LAMM benchmark (e.g. lamm-mini)


def load_results(results_dir: Path) -> list[TaskResult]:
    """Every result file under ``results_dir`` (sorted by path); a malformed one is a user error."""
    out = []
    for path in sorted(Path(results_dir).glob("*/*.json")):
        try:
            out.append(read_result(path))
        except ValueError as exc:
            raise UserError(f"{path}: not a lamm-bench result file ({exc})") from None
    return out


def build_tables(results: Sequence[TaskResult]) -> list[Table]:
    """Group results into tables: 2D paper, 3D paper (always, for the reference rows), then ChEF tables; then, in a
    section of their own and without the paper's rows, the same tables for each demo data set (e.g. lamm-mini)."""
    buckets: dict[tuple[str | None, str, str], dict[str, dict[str, TaskResult]]] = {}
    for r in results:
        dataset = r.task.dataset["name"] if r.task.dataset else None
        key = (dataset, r.task.modality, r.task.protocol)
        buckets.setdefault(key, {}).setdefault(r.model.name, {})[r.task.name] = r
    tables = []
    for dataset in (None, *sorted({d for d, _, _ in buckets if d is not None})):
        for modality, protocol in (("2d", "paper"), ("3d", "paper"), ("2d", "chef"), ("3d", "chef")):
            real_paper = protocol == "paper" and dataset is None
            fixed = {c.task: c for c in paper_columns(modality)} if real_paper else {}
            rows = buckets.get((dataset, modality, protocol), {})
            if not rows and not fixed:
                continue
            found = [r for per_task in rows.values() for r in per_task.values() if r.task.name not in fixed]
            seen = sorted({r.task.name for r in found}, key=lambda task: _task_order(task, found))
            title = f"{modality.upper()} tasks, {'LAMM paper' if protocol == 'paper' else 'ChEF'} protocol"
            if dataset is not None:
                title += f", on {dataset}"
            tables.append(Table(title, (*fixed, *seen), protocol, dict(sorted(rows.items())), fixed, dataset))
    return tables


def _task_order(task: str, results: Sequence[TaskResult]) -> tuple[bool, str, int, str]:
    """Columns without a fixed paper position follow their group (``lamm2d-chef``, ...) as the result files record
    it, then come those no group lists, by name."""
    places = sorted((r.task.group.name, r.task.group.position) for r in results
                    if r.task.name == task and r.task.group is not None)  # fmt: skip
    return (False, *places[0], task) if places else (True, "", 0, task)


def _column_info(table: Table, task: str) -> tuple[str, bool]:
    """(paper metric label, higher is better) for a column: from its results, else from the paper's table."""
    for per_task in table.rows.values():
        if task in per_task:
            return per_task[task].paper_metric.name, per_task[task].paper_higher_is_better
    column = table.reference.get(task)
    return (column.label, column.higher_is_better) if column else ("?", True)


def _fmt(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.2f}"
    return str(value) if value is not None else "–"


def render_table(table: Table) -> list[str]:
    """Markdown lines of one table, its reference rows and its column legend."""
    heads = [f"{t}<br>{_column_info(table, t)[0]} {'↑' if _column_info(table, t)[1] else '↓'}" for t in table.tasks]
    lines = [f"## {table.title}", "", "| model | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    best: dict[str, float] = {}
    for task in table.tasks:
        values = [per[task].paper_metric.value for per in table.rows.values() if task in per]
        if values:
            best[task] = max(values) if _column_info(table, task)[1] else min(values)
    for model, per_task in table.rows.items():
        cells = []
        for task in table.tasks:
            value = per_task[task].paper_metric.value if task in per_task else None
            text = _fmt(value)
            cells.append(f"**{text}**" if value is not None and value == best.get(task) and len(table.rows) > 1 else text)
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
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
    lines = ["| column | protocol | version | paper metric | computed as | samples |", "|---|---|---|---|---|---|"]
    for task in table.tasks:
        results = [per[task] for per in table.rows.values() if task in per]
        if not results:
            label = _column_info(table, task)[0]
            lines.append(f"| {task} | {table.protocol} | – | {label} | (no results yet) | – |")
            continue
        versions = ", ".join(sorted({r.task.version for r in results}))
        keys = ", ".join(sorted({r.paper_metric.key for r in results}))
        counts = ", ".join(str(n) for n in sorted({r.task.n_samples for r in results}))
        label = results[0].paper_metric.name
        lines.append(f"| {task} | {table.protocol} | {versions} | {label} | `{keys}` | {counts} |")
    if table.reference:
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
    the published LAMM-13B number as a dashed line where the paper has one; a deterministic PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tables = build_tables(results)
    panels = [(table, task) for table in tables for task in table.tasks if any(task in per for per in table.rows.values())]
    reference = PUBLISHED[0].values
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    models = max(len(table.rows) for table, _ in panels)
    with plt.rc_context({"svg.hashsalt": "lamm-bench", "font.size": 8}):
        fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, rows * (0.9 + 0.22 * models)), squeeze=False)
        for ax, (table, task) in zip(axes.flat, panels):
            names = [m for m, per in table.rows.items() if task in per]
            values = [table.rows[m][task].paper_metric.value for m in names]
            label, higher = _column_info(table, task)
            ax.barh(names, values, color="#4c72b0")
            published = reference.get(task) if table.reference else None
            if isinstance(published, (int, float)):
                ax.axvline(published, color="#888888", linestyle="--", linewidth=1)
            top = max([*values, published if isinstance(published, (int, float)) else 0, 1.0])
            ax.set_xlim(0, top * 1.1)
            where = f" ({table.dataset})" if table.dataset else ""
            ax.set_title(f"{task}{where}: {label} {'↑' if higher else '↓'}")
            ax.invert_yaxis()
        for ax in list(axes.flat)[len(panels):]:
            ax.axis("off")
        fig.suptitle("lamm-bench: paper metric per task (dashed: LAMM-13B as published)", fontsize=9)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=100, metadata={"Software": None})
        plt.close(fig)


def write_leaderboard(out_dir: Path, data_root: Path | None = None) -> Path:
    """Render ``out_dir/README.md`` (and the chart when there are results) and the site (``index.html`` and the
    prediction browser, ``lamm_bench.site``; pictures from ``data_root`` when given); returns the README path."""
    from lamm_bench.site import write_site

    out_dir = Path(out_dir)
    results = load_results(out_dir / "results")
    if results:
        write_chart(results, out_dir / CHART)
    readme = out_dir / "README.md"
    atomic_write_text(readme, render_markdown(results, chart=bool(results)))
    write_site(out_dir, results, data_root=data_root)
    return readme
