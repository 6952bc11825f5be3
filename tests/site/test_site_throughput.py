"""index.html's throughput under each table: generated tokens and requests per second of every (model, task), from
the result files' ``throughput``; a run that answered nothing new (resumed from its store) shows none."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from lamm_bench.results import Throughput, load_results
from lamm_bench.site.index import render_index

FIXTURES = Path(__file__).parent.parent / "fixtures/leaderboard/results"


def test_each_model_and_task_has_its_rates_and_a_resumed_run_none():
    results = load_results(FIXTURES)
    i = next(n for n, r in enumerate(results) if (r.model.name, r.task.name) == ("model-a", "cifar10"))
    fast = Throughput(40, 3.25, 4012, 8, 40 / 3.25, 4012 / 3.25, 2, 8)
    results[i] = dataclasses.replace(results[i], throughput=fast,
                                     provenance={**results[i].provenance, "device": "<b>cuda</b>"})  # fmt: skip
    page = render_index(results, {}, chart=False)
    board = re.search(r'<section class="board" id="table-0">.*?</section>', page, re.S).group(0)
    assert board.index("cifar10") < board.index("fsc147")  # the 2D paper table, its own column order
    table = re.search(r'<table class="throughput">(.*?)</table>', board, re.S).group(1)
    heads = re.findall(r"<th>(.*?)</th>", table)
    row = re.search(r"<tr><td>model-a</td>(.*?)</tr>", table).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert len(cells) == len(heads) - 1
    assert cells[heads.index("cifar10") - 1] == "1,234.5 tok/s<br><small>12.3 req/s</small>"
    assert cells[heads.index("fsc147") - 1] == "– tok/s<br><small>– req/s</small>"  # resumed: nothing asked
    assert 'title="40 requests answered in 3.2 s, batch size 8, 2 rank(s), device &lt;b&gt;cuda&lt;/b&gt;"' in row
