"""``index.html``: the leaderboard as one static page: the README's tables, sortable, every measured cell a link
to its prediction browser, the paper's reference rows marked, and under each column whether the best model's lead
over the next is beyond resampling noise (a paired bootstrap, ``lamm_bench.compare``). The tables are
``lamm_bench.tables``, as in the README. Inline CSS and script, the chart beside it; no network, works from
``file://``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any
from urllib.parse import quote

from lamm_bench.compare import TaskComparison
from lamm_bench.published import PUBLISHED
from lamm_bench.tables import CHART, Table, best_values, build_tables, column_info, format_value, is_number

Lead = tuple[str, str, TaskComparison]
"""(best model, next model, their comparison) of one column."""


def static(name: str) -> str:
    """A file of ``lamm_bench/site/static``."""
    return resources.files("lamm_bench.site").joinpath("static", name).read_text(encoding="utf-8")


def predictions_href(model: str, task: str) -> str:
    """The prediction browser of a (model, task), relative to the leaderboard folder."""
    return f"predictions/{quote(model)}/{quote(task)}.html"


def _number(value: Any) -> str:
    return repr(float(value)) if is_number(value) else ""


def _lead_cell(lead: Lead | None) -> str:
    e = html.escape
    if lead is None:
        return '<td class="lead na">–</td>'
    best, runner_up, comparison = lead
    d = comparison.difference
    if d is None:
        return f'<td class="lead na" title="{e(comparison.note)}">n/a</td>'
    verdict = "yes" if d.better == "a" else "no"
    ci = f"{d.difference:+.2f} [{d.ci95[0]:+.2f}, {d.ci95[1]:+.2f}]"
    tip = (f"{best} − {runner_up}: {ci} (95% paired bootstrap, {d.resamples} resamples over {d.n} common "
           f"samples)")  # fmt: skip
    return (f'<td class="lead {verdict}" data-significant="{verdict}" title="{e(tip)}"><b>{verdict}</b> '
            f"<small>{e(best)} over {e(runner_up)}: Δ {e(ci)}</small></td>")  # fmt: skip


def _header(table: Table, task: str, index: int) -> str:
    label, higher = column_info(table, task)
    versions = sorted({per[task].task.version for per in table.rows.values() if task in per})
    version = f"v{', '.join(versions)}" if versions else "no results yet"
    return (f'<th data-col="{index}" data-type="num" data-higher="{int(higher)}" tabindex="0" '
            f'aria-sort="none">{html.escape(task)}<br><small>{html.escape(label)} {"↑" if higher else "↓"} · '
            f"{html.escape(version)} · {html.escape(table.protocol)}</small></th>")  # fmt: skip


def render_table(table: Table, leads: Mapping[str, Lead | None], anchor: str) -> list[str]:
    """One table's HTML: measured rows, then the paper's reference rows, then the significance row."""
    e = html.escape
    out = [f'<section class="board" id="{anchor}"><h2>{e(table.title)}</h2>',
           f'<table class="board sortable" data-protocol="{e(table.protocol)}">',
           '<thead><tr><th data-col="0" data-type="text" tabindex="0" aria-sort="none">model</th>'
           + "".join(_header(table, t, i + 1) for i, t in enumerate(table.tasks)) + "</tr></thead><tbody>"]  # fmt: skip
    best = best_values(table)
    for model, per_task in table.rows.items():
        cells = [f'<td data-value="{e(model)}">{e(model)}</td>']
        for task in table.tasks:
            if task not in per_task:
                cells.append('<td data-value="">–</td>')
                continue
            value = per_task[task].paper_metric.value
            bold = value is not None and value == best.get(task) and len(table.rows) > 1
            link = f'<a href="{predictions_href(model, task)}">{e(format_value(value))}</a>'
            cells.append(f'<td data-value="{_number(value)}"{" class=best" if bold else ""}>{link}</td>')
        out.append(f'<tr class="measured" data-model="{e(model)}">' + "".join(cells) + "</tr>")
    if table.reference:
        for row in PUBLISHED:
            if not any(t in row.values for t in table.tasks):
                continue
            tag = "ChEF" if table.protocol == "chef" else "paper"
            cells = [f'<td data-value="{e(row.label)}"><span class="tag">{tag}</span> {e(row.label)}</td>']
            for task in table.tasks:
                value = row.values.get(task)
                shown = f"{value:g}" if isinstance(value, (int, float)) else str(value) if value is not None else "–"
                cells.append(f'<td data-value="{_number(value)}">{e(shown)}</td>')
            out.append('<tr class="reference">' + "".join(cells) + "</tr>")
    out.append("</tbody><tfoot><tr class=\"significance\"><th>best lead significant?</th>"
               + "".join(_lead_cell(leads.get(t)) for t in table.tasks) + "</tr></tfoot></table>")  # fmt: skip
    out += [*_legend(table), *_throughput(table), "</section>"]
    return out


def _legend(table: Table) -> list[str]:
    e = html.escape
    rows = ['<table class="legend"><thead><tr><th>column</th><th>protocol</th><th>version</th><th>paper metric</th>'
            "<th>computed as</th><th>samples</th></tr></thead><tbody>"]  # fmt: skip
    for task in table.tasks:
        results = [per[task] for per in table.rows.values() if task in per]
        label = column_info(table, task)[0]
        if results:
            versions = ", ".join(sorted({r.task.version for r in results}))
            keys = ", ".join(sorted({r.paper_metric.key for r in results}))
            counts = ", ".join(str(n) for n in sorted({r.task.n_samples for r in results}))
        else:
            versions, keys, counts = "–", "(no results yet)", "–"
        rows.append(f"<tr><td>{e(task)}</td><td>{e(table.protocol)}</td><td>{e(versions)}</td><td>{e(label)}</td>"
                    f"<td><code>{e(keys)}</code></td><td>{e(counts)}</td></tr>")  # fmt: skip
    return [*rows, "</tbody></table>"]


def _throughput(table: Table) -> list[str]:
    """The table's speeds, model by task, folded: generated tokens and requests per second of the requests each run
    answered (the result file's ``throughput``: a run resumed from its store counts only what it asked)."""
    if not table.rows:
        return []
    e = html.escape
    out = ['<details class="throughput"><summary>throughput (generated tokens/s, requests/s)</summary>',
           '<table class="throughput"><thead><tr><th>model</th>' + "".join(f"<th>{e(t)}</th>" for t in table.tasks)
           + "</tr></thead><tbody>"]  # fmt: skip
    for model, per_task in table.rows.items():
        cells = "".join(_rate_cell(per_task.get(task)) for task in table.tasks)
        out.append(f"<tr><td>{e(model)}</td>{cells}</tr>")
    return [*out, "</tbody></table></details>"]


def _rate_cell(result: Any) -> str:
    if result is None:
        return "<td>–</td>"
    t = result.throughput

    def rate(value: Any, unit: str) -> str:
        return f"{value:,.1f} {unit}" if is_number(value) else f"– {unit}"

    tip = (f"{t.new_requests} requests answered in {t.inference_seconds:.1f} s, batch size {t.batch_size}, "
           f"{t.world_size} rank(s), device {result.provenance.get('device')}")  # fmt: skip
    return (f'<td title="{html.escape(tip)}">{html.escape(rate(t.tokens_per_second, "tok/s"))}<br>'
            f"<small>{html.escape(rate(t.requests_per_second, 'req/s'))}</small></td>")  # fmt: skip


def render_index(results: Sequence[Any], leads: Mapping[tuple[str, str], Lead | None], *, chart: bool) -> str:
    """The whole ``index.html`` (``leads``: by (table title, task))."""
    body = ['<h1>LAMM benchmark leaderboard</h1>',
            "<p>Generated by <code>lamm-bench leaderboard</code> from <code>results/</code>. Each cell is the task's "
            "paper metric as the LAMM reference code computes it; click a column to sort, a cell to see every "
            "sample behind it (request, raw output, parsed answer, score). Rows marked <span class=tag>paper</span> "
            "are the numbers published with the LAMM paper, rows marked <span class=tag>ChEF</span> those on ChEF's "
            "leaderboard (its Random row is the chance level), not measured here; bold marks the best measured value. "
            "&ldquo;Best lead significant?&rdquo; says whether the 95% paired-bootstrap interval of the best model's "
            "lead over the next excludes zero (both resampled on the same samples).</p>"]  # fmt: skip
    if chart:
        body.append(f'<p><img id="chart" src="{CHART}" alt="paper metric per task and model"></p>')
    demo = False
    for number, table in enumerate(build_tables(results)):
        if table.dataset is not None and not demo:
            body += ['<h1 class="demo">Demo data: not the LAMM benchmark</h1>',
                     "<p>Computed on a data root that says it is not the released LAMM_Dataset "
                     "(<code>task.dataset</code>); they show the pipeline works and are not comparable with LAMM "
                     "numbers, so no published row is shown beside them.</p>"]  # fmt: skip
            demo = True
        body += render_table(table, {t: leads.get((table.title, t)) for t in table.tasks}, f"table-{number}")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>LAMM benchmark leaderboard</title><style>\n{static('site.css')}</style></head>\n"
            '<body class="index">\n' + "\n".join(body) + f"\n<script>\n{static('index.js')}</script>\n</body></html>\n")  # fmt: skip
