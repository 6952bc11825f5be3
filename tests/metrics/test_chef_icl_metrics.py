"""ChEF's ICL desideratum metrics (``lamm_bench.metrics.chef_icl``) against ChEF's own code.

The expected values were derived by running the reference (``OpenGVLab/LAMM@d01093c``) with the project's venv python
on exactly these inputs: ``RIAM`` by executing ``src/tools/ChEF/eval_icl.py``'s lines from ``# calculate RIAM`` to
the results file with ``rand_acc`` from ``src/ChEF/scenario/utils.py`` (``ScienceQA``/``MMBench`` as
``dataset_name``); the per-run numbers by ``src/ChEF/metric/vqa.py``'s ``VQA`` and ``MMBenchVQA`` (``metric_func``,
a fresh instance per run as the driver builds one ``Evaluator`` per run; ``utils.py`` cut to ``Base_Metric``).
"""

from __future__ import annotations

import pytest

from lamm_bench.metrics.chef_icl import (
    ICL_RUNS, icl_riam, icl_runs_metrics, mmbench_icl_metrics, scienceqa_icl_metrics,
)  # fmt: skip
from lamm_bench.metrics.chef_vqa import vqa_metrics


@pytest.mark.parametrize(("accuracies", "rand", "riam"), [
    ([50.0, 58.0, 44.0, 44.0], 35.8, 45.30516431924882),
    ([60.0, 60.0, 60.0, 60.0], 35.8, 50.0),  # ties: every run as good as zero-shot
    ([16.666666666666664, 10.0, 23.333333333333332, 23.333333333333332], 27.67, 39.90204988387358),
    ([20.0, 30.0, 25.0, 10.0], 27.67, 39.135158626684046),  # zero-shot below chance: the sign flips
])  # fmt: skip
def test_riam_is_eval_icls(accuracies, rand, riam):
    assert icl_riam(accuracies, rand) == pytest.approx(riam, rel=1e-15)


def test_riam_where_the_reference_divides_by_zero_is_none():
    # eval_icl.py raises "ZeroDivisionError: float division by zero" on [35.8, 40.0, 50.0, 60.0] for ScienceQA
    assert icl_riam([35.8, 40.0, 50.0, 60.0], 35.8) is None
    with pytest.raises(ValueError, match="at least one more"):
        icl_riam([50.0], 35.8)  # the driver's assert len(results) > 1


def _sqa(answers: list[str]) -> list[dict]:
    gts = [0, 1, 2, 0, 1]
    return [{"id": str(i), "answer": a, "gt_choice": g, "gt_choices": ["x", "y", "z"][: max(2, g + 1)],
             "gt_answers": f"({'ABC'[g]})"} for i, (a, g) in enumerate(zip(answers, gts))]  # fmt: skip


def _mmb(answers: list[str]) -> list[dict]:
    ids, gts = ["5", "1000005", "12", "1000012", "20"], [1, 0, 2, 1, 0]  # a circular copy's answer moves
    return [{"id": i, "answer": a, "gt_choice": g, "gt_choices": ["p", "q", "r"], "gt_answers": f"({'ABC'[g]})"}
            for i, a, g in zip(ids, answers, gts)]  # fmt: skip


SQA_RUNS = [_sqa(["(A", "(A", "(C", "(B", "(A"]), _sqa(["(A", "(B", "(C", "(B", "(A"]),
            _sqa(["(B", "(B", "(C", "(B", "(A"]), _sqa(["(A", "(B", "(C", "(A", "(A"])]  # fmt: skip
MMB_RUNS = [_mmb(["(B", "(A", "(A", "(B", "(A"]), _mmb(["(B", "(B", "(C", "(B", "(A"]),
            _mmb(["(A", "(A", "(C", "(A", "(B"]), _mmb(["(B", "(A", "(C", "(B", "(A"])]  # fmt: skip
SQA_EXPECTED = [{"ACC": 40.0, "match_ratio": 100.0}, {"ACC": 60.0, "match_ratio": 100.0},
                {"ACC": 40.0, "match_ratio": 100.0}, {"ACC": 80.0, "match_ratio": 100.0}]  # fmt: skip
MMB_EXPECTED = [
    {"vanilla_acc": 66.66666666666666, "circular_acc": 66.66666666666666, "option_match": 100.0, "content_match": 0.0},
    {"vanilla_acc": 100.0, "circular_acc": 66.66666666666666, "option_match": 100.0, "content_match": 0.0},
    {"vanilla_acc": 33.33333333333333, "circular_acc": 0.0, "option_match": 100.0, "content_match": 0.0},
    {"vanilla_acc": 100.0, "circular_acc": 100.0, "option_match": 100.0, "content_match": 0.0},
]


def _file(runs: list[list[dict]]) -> list[dict]:
    """The four runs' answer files as one record list, ids ``<run>/<id>`` (what ``score`` reads from the folder)."""
    return [{**r, "id": f"{run}/{r['id']}"} for run, records in zip(ICL_RUNS, runs) for r in records]


@pytest.mark.parametrize(("metric", "runs", "expected", "riam"), [
    (scienceqa_icl_metrics, SQA_RUNS, SQA_EXPECTED, 288.0952380952379),  # ice2 ties ice0
    (mmbench_icl_metrics, MMB_RUNS, MMB_EXPECTED, 64.24623187166995),  # vanilla_acc, circular copies not counted
])  # fmt: skip
def test_each_run_is_chefs_basic_metric_and_riam_combines_them(metric, runs, expected, riam):
    result = metric(_file(runs))
    for run, want in zip(ICL_RUNS, expected):
        assert {k.split("/", 1)[1]: v for k, v in result.items() if k.startswith(run + "/")} == pytest.approx(want)
    assert result["RIAM"] == pytest.approx(riam, rel=1e-13)
    assert set(result) == {f"{run}/{k}" for run in ICL_RUNS for k in expected[0]} | {"RIAM"}


def test_a_missing_run_leaves_riam_out_and_keeps_the_others():
    records = [r for r in _file(SQA_RUNS) if not r["id"].startswith("ice2/")]
    result = scienceqa_icl_metrics(records)
    assert "RIAM" not in result and "ice2/ACC" not in result
    assert (result["ice0/ACC"], result["ice1/ACC"], result["ice3/ACC"]) == (40.0, 60.0, 80.0)


def test_zero_shot_at_chance_leaves_riam_out():
    # 2 of 5 right is 40%; with acc_rand 40 the reference divides by zero
    assert "RIAM" not in icl_runs_metrics(_file(SQA_RUNS), vqa_metrics, 40.0)


def test_a_record_of_no_icl_run_is_an_error():
    with pytest.raises(ValueError, match="ice4/0"):
        scienceqa_icl_metrics([{**_sqa(["(A"])[0], "id": "ice4/0"}])
    with pytest.raises(ValueError, match="'7'"):
        scienceqa_icl_metrics([{**_sqa(["(A"])[0], "id": "7"}])
