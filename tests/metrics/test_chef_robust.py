"""ChEF's robustness numbers (``lamm_bench.metrics.chef_robust``) against ``eval_robust.py`` at ``d01093c``.

The expected values were computed by running the reference's own ``compute_RRM`` and ``get_acc`` (extracted from
``src/tools/ChEF/eval_robust.py``, with ``rand_acc`` from ``src/ChEF/scenario/utils.py``) on the same accuracies,
and its ``acc / origin_acc * 100`` for RR; where the reference raises ``ZeroDivisionError`` we return 0.0.
"""

from __future__ import annotations

import pytest

from lamm_bench.metrics.chef_robust import RANDOM_ACCURACY, relative_robustness, robust_runs_metrics, run_accuracy
from lamm_bench.metrics.chef_vqa import mmbench_metrics, vqa_metrics

# (dataset, acc_orig, acc_crp) -> (RRM, RR) from the reference
REFERENCE = [
    ("ScienceQA", 80.0, 62.5, 60.40723981900453, 78.125),
    ("MMBench", 60.0, 45.0, 53.60346427466749, 75.0),
    ("ScienceQA", 20.0, 30.0, 36.70886075949366, 150.0),  # origin below chance
    ("MMBench", 100.0, 100.0, 100.0, 100.0),
]


@pytest.mark.parametrize("dataset, orig, crp, rrm, rr", REFERENCE)
def test_rrm_and_rr_are_eval_robust_values(dataset, orig, crp, rrm, rr):
    assert relative_robustness(orig, crp, RANDOM_ACCURACY[dataset]) == pytest.approx({"RRM": rrm, "RR": rr}, abs=1e-12)


def test_division_by_zero_gives_zero_where_the_reference_raises():
    # acc_orig == acc_rand: compute_RRM raises ZeroDivisionError; acc_orig == 0: RR does (RRM 72.067... is defined)
    assert relative_robustness(35.8, 50.0, 35.8) == {"RRM": 0.0, "RR": pytest.approx(50.0 / 35.8 * 100)}
    assert relative_robustness(0.0, 10.0, 35.8) == {"RRM": pytest.approx(72.06703910614524, abs=1e-12), "RR": 0.0}


def test_run_accuracy_is_get_acc():
    assert run_accuracy({"ACC": 12.0, "vanilla_acc": 3.0}) == 12.0
    assert run_accuracy({"vanilla_acc": 3.0, "circular_acc": 1.0}) == 3.0
    assert run_accuracy({"match_ratio": 1.0}) == 0.0


def _sqa(run: str, right: int, total: int) -> list[dict]:
    return [{"id": f"{run}/{i}", "answer": "(A" if i < right else "(B", "gt_choice": 0, "gt_choices": ["x", "y"]}
            for i in range(total)]


def test_scienceqa_runs_from_hand_made_answer_files():
    answers = _sqa("origin", 4, 5) + _sqa("ic", 5, 8) + _sqa("tc", 2, 5) + _sqa("ictc", 5, 8)
    out = robust_runs_metrics(answers, vqa_metrics, RANDOM_ACCURACY["ScienceQA"])
    assert out["origin/ACC"] == 80.0 and out["ictc/ACC"] == 62.5 and out["tc/ACC"] == 40.0
    assert out["origin/RRM"] == out["origin/RR"] == 100.0  # as Robust_Results.json writes the origin run
    assert out["ictc/RRM"] == pytest.approx(60.40723981900453, abs=1e-12) and out["ictc/RR"] == 78.125
    assert out["tc/RRM"] == pytest.approx((40.0 - 35.8) / (80.0 - 35.8) * 100) and out["tc/RR"] == 50.0
    assert out["origin/match_ratio"] == 100.0


def test_mmbench_runs_use_vanilla_acc():
    def rows(run, right, mains):
        main = [{"id": f"{run}/{i}", "answer": "(A" if i < right else "(B", "gt_choice": 0, "gt_choices": ["x", "y"]}
                for i in range(mains)]  # fmt: skip
        circular = [{**r, "id": f"{run}/{1_000_000 + int(r['id'].split('/')[1])}", "answer": "(B"} for r in main]
        return main + circular

    out = robust_runs_metrics(rows("origin", 3, 5) + rows("ictc", 9, 20), mmbench_metrics, RANDOM_ACCURACY["MMBench"])
    assert (out["origin/vanilla_acc"], out["ictc/vanilla_acc"]) == (60.0, 45.0)
    assert out["ictc/RRM"] == pytest.approx(53.60346427466749, abs=1e-12) and out["ictc/RR"] == 75.0


def test_a_missing_run_has_no_keys_and_without_origin_nothing_is_relative():
    out = robust_runs_metrics(_sqa("origin", 4, 5) + _sqa("ictc", 5, 8), vqa_metrics, 35.8)
    assert not [k for k in out if k.startswith(("tc/", "ic/"))] and "ictc/RRM" in out
    no_origin = robust_runs_metrics(_sqa("ic", 1, 2) + _sqa("ictc", 5, 8), vqa_metrics, 35.8)
    assert no_origin == {"ic/ACC": 50.0, "ic/match_ratio": 100.0, "ictc/ACC": 62.5, "ictc/match_ratio": 100.0}
    assert robust_runs_metrics([], vqa_metrics, 35.8) == {}


def test_an_id_outside_the_runs_is_refused():
    with pytest.raises(ValueError, match="'<run>/<id>'"):
        robust_runs_metrics([{"id": "7", "answer": "(A", "gt_choice": 0, "gt_choices": ["x"]}], vqa_metrics, 35.8)
    with pytest.raises(ValueError, match="robustness run"):
        robust_runs_metrics([{"id": "POPE/7", "answer": "(A", "gt_choice": 0, "gt_choices": ["x"]}], vqa_metrics, 35.8)
