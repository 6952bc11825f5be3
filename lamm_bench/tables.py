"""The leaderboard's tables, whatever renders them: which results go in which table, the columns and their order,
each column's label and direction, the best value per column.

``lamm_bench.leaderboard`` renders them as the README (markdown) and the chart; ``lamm_bench.site.index`` as
``index.html``. One table per (modality, protocol): models x tasks with the paper metric, and -- for the paper
protocol on the LAMM benchmark -- the paper table's columns even before any result, for the published rows
beside them. Results on a demo data root (``task.dataset``) get tables of their own, without the paper's rows.

Everything shown about a column with results comes from its result files: label, direction, version and place
(``task.group``). The registry is never asked, so installed plugins never change the tables; only the paper
tables' columns without any result yet come from the reference (``lamm_bench.published``). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lamm_bench.published import PaperColumn, paper_columns
from lamm_bench.results import TaskResult

CHART = "chart.png"
"""The chart's file name in the leaderboard folder (the README and ``index.html`` both show it)."""


@dataclass(frozen=True)
class Table:
    """One table's content."""

    title: str
    tasks: tuple[str, ...]
    protocol: str
    rows: dict[str, dict[str, TaskResult]]  # model -> task -> result
    reference: dict[str, PaperColumn]  # the paper table's columns (empty for ChEF tables and demo data)
    dataset: str | None = None  # the data's name when it is not the LAMM benchmark (e.g. lamm-mini)


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


def column_info(table: Table, task: str) -> tuple[str, bool]:
    """(paper metric label, higher is better) for a column: from its results, else from the paper's table."""
    for per_task in table.rows.values():
        if task in per_task:
            return per_task[task].paper_metric.name, per_task[task].paper_higher_is_better
    column = table.reference.get(task)
    return (column.label, column.higher_is_better) if column else ("?", True)


def best_values(table: Table) -> dict[str, float]:
    """The best measured number of each column that has one (by the column's direction)."""
    best: dict[str, float] = {}
    for task in table.tasks:
        values = [per[task].paper_metric.value for per in table.rows.values() if task in per]
        values = [v for v in values if is_number(v)]
        if values:
            best[task] = max(values) if column_info(table, task)[1] else min(values)
    return best


def is_number(value: Any) -> bool:
    """True for an int or float that is not a bool (a published cell may be a string such as "Failed")."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_value(value: Any) -> str:
    """A measured cell: two decimals, ``–`` for no value."""
    if is_number(value):
        return f"{value:.2f}"
    return str(value) if value is not None else "–"
