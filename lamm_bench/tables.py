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

from lamm_bench.published import PUBLISHED, PaperColumn, ReferenceTable, reference_tables
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
    """Group results into tables: each published table (the LAMM paper's 2D and 3D tables, ChEF's scenarios and
    desiderata; always shown, for their reference rows; lamm-bench's 3D desiderata, with no published row, only with
    results), then a table per (modality, protocol) for the other results (the LAMM tasks'
    ChEF recipes); a published table whose title is its protocol's generic one (the paper's) takes the other results
    of its modality and protocol after its own columns (a plugin's paper-protocol task). Then, in a section of their
    own and without published rows, the same tables for each demo data set (e.g. lamm-mini)."""
    by_dataset: dict[str | None, list[TaskResult]] = {}
    for r in results:
        by_dataset.setdefault(r.task.dataset["name"] if r.task.dataset else None, []).append(r)
    tables: list[Table] = []
    for dataset in (None, *sorted(d for d in by_dataset if d is not None)):
        found = by_dataset.get(dataset, [])
        claimed = {c.task for ref in reference_tables() for c in ref.columns}
        rest: dict[str, list[TaskResult]] = {}
        for r in found:
            if r.task.name not in claimed:
                rest.setdefault(_generic_title(r.task.modality, r.task.protocol), []).append(r)
        for reference in reference_tables():
            members = [c.task for c in reference.columns]
            fixed = {c.task: c for c in reference.columns} if dataset is None and _published(reference) else {}
            mine = [r for r in found if r.task.name in members] + rest.pop(reference.title, [])
            if mine or fixed:
                present = {r.task.name for r in mine}
                tasks = (*(t for t in members if t in fixed or t in present), *_columns(mine, set(members)))
                tables.append(Table(_titled(reference.title, dataset), tasks, reference.protocol, _rows(mine), fixed,
                                    dataset))  # fmt: skip
        for modality, protocol in (("2d", "paper"), ("3d", "paper"), ("2d", "chef"), ("3d", "chef")):
            others = rest.pop(_generic_title(modality, protocol), [])
            if others:
                tables.append(Table(_titled(_generic_title(modality, protocol), dataset), _columns(others, set()),
                                    protocol, _rows(others), {}, dataset))  # fmt: skip
    return tables


def _published(reference: ReferenceTable) -> bool:
    """Whether any published row has a number in the table (the 3D desiderata table has none: it shows only with
    results, and without the published tables' legend)."""
    return any(c.task in row.values for row in PUBLISHED for c in reference.columns)


def _generic_title(modality: str, protocol: str) -> str:
    return f"{modality.upper()} tasks, {'LAMM paper' if protocol == 'paper' else 'ChEF'} protocol"


def _columns(results: Sequence[TaskResult], skip: set[str]) -> tuple[str, ...]:
    """The results' tasks (other than ``skip``) in their groups' order (see :func:`_task_order`)."""
    seen = {r.task.name for r in results} - skip
    return tuple(sorted(seen, key=lambda task: _task_order(task, results)))


def _rows(results: Sequence[TaskResult]) -> dict[str, dict[str, TaskResult]]:
    rows: dict[str, dict[str, TaskResult]] = {}
    for r in results:
        rows.setdefault(r.model.name, {})[r.task.name] = r
    return dict(sorted(rows.items()))


def _titled(title: str, dataset: str | None) -> str:
    return title if dataset is None else f"{title}, on {dataset}"


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
