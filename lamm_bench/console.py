"""Everything the CLI shows on the terminal (rich): progress bars, result and score tables.

Only ``lamm_bench.cli`` imports this module; library code logs and returns records instead of printing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from lamm_bench.results import TaskResult

out = Console()
err = Console(stderr=True)


class RateColumn(ProgressColumn):
    """Throughput in requests per second."""

    def render(self, task) -> Text:
        return Text(f"{task.speed:.2f} req/s" if task.speed else "- req/s")


class ProgressBars:
    """One bar per task stage, with requests done/total, throughput, elapsed time and ETA (on stderr)."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("requests"),
            RateColumn(), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
            console=err, disable=not enabled,
        )  # fmt: skip
        self._bars: dict[str, Any] = {}

    def __enter__(self) -> ProgressBars:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)

    def update(self, label: str, done: int, total: int) -> None:
        """Progress hook for the runner."""
        if label not in self._bars:
            self._bars[label] = self._progress.add_task(label, total=total)
        self._progress.update(self._bars[label], completed=done, total=total)


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def print_results(results: Sequence[TaskResult], out_dir: Path) -> None:
    """A summary table of a run (one per model) and where its files are."""
    for model in dict.fromkeys(r.model.name for r in results):
        table = Table(title=f"lamm-bench results: {model}")
        for column in ("task", "paper metric", "value", "95% CI", "unparsed", "failed", "n"):
            table.add_column(column, no_wrap=column in ("task", "value", "95% CI"))
        for r in (r for r in results if r.model.name == model):
            ci, primary = r.primary.ci95, r.primary.name
            # the interval belongs to the primary metric; say which when it is not the paper number (LSP)
            interval = f"{ci[0]:.2f}-{ci[1]:.2f}" if ci else "-"
            if ci and primary != r.paper_metric.key:
                interval += f" ({primary})"
            table.add_row(
                r.task.name, r.paper_metric.name, _fmt(r.paper_metric.value),
                interval, str(r.unparsed), str(r.failed), str(r.task.n_samples),
            )  # fmt: skip
        out.print(table)
    out.print(f"results in {Path(out_dir) / 'results'}")


def print_score(report: Mapping[str, Any], ci95: tuple[float, float] | None, primary: str) -> None:
    """The metrics of a `score` run; the 95% interval is shown beside the metric it belongs to."""
    table = Table(title=f"{report['task']} (v{report['version']}, {report['protocol']} protocol, n={report['n']})")
    table.add_column("metric")
    table.add_column("value")
    paper = report["paper_metric"]
    table.add_row(f"paper: {paper['name']}", _fmt(paper["value"]))
    for name, value in report["metrics"].items():
        table.add_row(name, _fmt(value) + (f"  (95% CI {ci95[0]:.2f}-{ci95[1]:.2f})" if ci95 and name == primary else ""))
    table.add_row("unparsed answers", str(report["unparsed"]))
    out.print(table)


def print_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], title: str) -> None:
    """A plain table of dict rows."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_fmt(row.get(c, "")) for c in columns))
    out.print(table)


def print_comparison(model_a: str, model_b: str, rows: Sequence[Any]) -> None:
    """``lamm-bench compare``: per task, both values, A − B, its paired-bootstrap 95% interval, and the verdict."""
    table = Table(title=f"{model_a} (A) vs {model_b} (B): paper metric, paired bootstrap")
    for column in ("task", "metric", "A", "B", "A − B", "95% CI", "n", "significant"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        d = row.difference
        if d is None:
            table.add_row(row.task, "-", "-", "-", "-", "-", "-", f"- ({row.note})")
            continue
        verdict = f"yes: {model_a if d.better == 'a' else model_b} better" if d.significant else "no"
        metric = escape(d.metric)  # a label from a result file is text, never rich markup
        table.add_row(row.task, f"{metric} {'↑' if d.higher_is_better else '↓'}", f"{d.value_a:.2f}",
                      f"{d.value_b:.2f}", f"{d.difference:+.2f}", f"[{d.ci95[0]:+.2f}, {d.ci95[1]:+.2f}]", str(d.n),
                      verdict)  # fmt: skip
    out.print(table)
    resamples = next((r.difference.resamples for r in rows if r.difference is not None), None)
    if resamples:
        out.print(f"{resamples} paired resamples of the common samples; significant = the 95% interval excludes 0")
