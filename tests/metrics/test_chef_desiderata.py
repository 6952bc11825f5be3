"""ChEF's desiderata metrics (``lamm_bench.metrics.chef_desiderata``) against ChEF's own code.

The expected values were derived by running ``src/ChEF/metric/desiderata.py`` of ``OpenGVLab/LAMM@d01093c``
(``compute_ECE``, ``ScienceQA_Calibration``, ``MMBench_Calibration``, ``POPE_Metric``; its ``utils.py`` cut to
``Base_Metric``) with the project's venv python on exactly these inputs; the Brier scores (not ChEF's) are
hand-computed.
"""

from __future__ import annotations

import pytest

from lamm_bench.metrics.chef_desiderata import (
    calibration_bins, mmbench_calibration_metrics, pope_answer, pope_metrics, pope_runs_metrics,
    scienceqa_calibration_metrics,
)  # fmt: skip

PROBS = [0.9, 0.6, 0.55, 0.6, 0.99, 0.7, 0.6, 0.9, 0.51, 0.8, 0.75, 0.65, 0.95]
CORRECT = [0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1]
"""Ties at 0.6 (right, wrong, right in file order) and 0.9 (wrong, right): a stable sort keeps that order."""


def _bins(result: dict) -> tuple[list[float], list[float]]:
    n = sum(k.startswith("Acc_bins@") for k in result)
    return [result[f"Acc_bins@{i}"] for i in range(n)], [result[f"Prob_bins@{i}"] for i in range(n)]


@pytest.mark.parametrize(("n", "ece", "acc", "prob"), [
    # 13 items: the first 3 bins hold 2, the other 7 one
    (13, 0.33230769230769225, [0.0, 0.5, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0],
     [0.53, 0.6, 0.625, 0.7, 0.75, 0.8, 0.9, 0.9, 0.95, 0.99]),
    # 7 items (fewer than 10): a bin each
    (7, 0.45142857142857146, [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0], [0.55, 0.6, 0.6, 0.6, 0.7, 0.9, 0.99]),
    # 20 items: 10 bins of 2
    (20, 0.259, [0.0, 0.5, 0.5, 0.5, 1.0, 1.0, 0.5, 0.5, 0.5, 1.0],
     [0.53, 0.575, 0.6, 0.6, 0.625, 0.7, 0.775, 0.9, 0.925, 0.99]),
])  # fmt: skip
def test_ece_bins_are_chefs_compute_ece(n, ece, acc, prob):
    items = list(zip(PROBS + PROBS, CORRECT + CORRECT))[:n]
    result = calibration_bins(items)
    assert result["ECE"] == pytest.approx(ece, abs=1e-15)
    assert _bins(result) == (pytest.approx(acc, abs=1e-15), pytest.approx(prob, abs=1e-15))


def test_ece_of_nothing_is_zero_and_of_a_perfectly_calibrated_file_zero():
    assert calibration_bins([]) == {"ECE": 0.0}
    assert calibration_bins([(1.0, 1)] * 12)["ECE"] == 0.0


SQA = [
    {"id": "0", "answer": "(A", "gt_choice": 0, "gt_choices": ["yes", "no"], "prob": 0.8, "probs": [0.8, 0.2]},
    {"id": "1", "answer": "(B", "gt_choice": 0, "gt_choices": ["yes", "no"], "prob": 0.7, "probs": [0.3, 0.7]},
    {"id": "2", "answer": "(C", "gt_choice": 2, "gt_choices": ["a", "b", "c"], "prob": 0.5, "probs": [0.25, 0.25, 0.5]},
]  # fmt: skip
SQA_METRICS = {"ACC": 66.66666666666666, "match_ratio": 100.0, "ECE": 0.4666666666666666,
               "Acc_bins@0": 1.0, "Acc_bins@1": 0.0, "Acc_bins@2": 1.0, "Prob_bins@0": 0.5, "Prob_bins@1": 0.7,
               "Prob_bins@2": 0.8, "brier": (0.08 + 0.98 + 0.375) / 3}  # fmt: skip

MMB = [
    {"id": "1000002", "answer": "(A", "gt_choice": 1, "gt_choices": ["x", "y", "z"], "prob": 0.9, "probs": [0.9, 0.05, 0.05]},
    {"id": "2", "answer": "(B", "gt_choice": 0, "gt_choices": ["y", "x", "z"], "prob": 0.6, "probs": [0.3, 0.6, 0.1]},
    {"id": "5", "answer": "(C", "gt_choice": 2, "gt_choices": ["p", "q", "r"], "prob": 0.4, "probs": [0.3, 0.3, 0.4]},
    {"id": "1000005", "answer": "(C", "gt_choice": 1, "gt_choices": ["q", "r", "p"], "prob": 0.7, "probs": [0.1, 0.2, 0.7]},
    {"id": "7", "answer": "(A", "gt_choice": 0, "gt_choices": ["m", "n"], "prob": 0.55, "probs": [0.55, 0.45]},
]  # fmt: skip
MMB_METRICS = {"vanilla_acc": 66.66666666666666, "circular_acc": 33.33333333333333, "option_match": 100.0,
               "content_match": 0.0, "ECE": 0.5499999999999999, "Acc_bins@0": 1.0, "Acc_bins@1": 1.0,
               "Acc_bins@2": 0.0, "Prob_bins@0": 0.4, "Prob_bins@1": 0.55, "Prob_bins@2": 0.6,
               "brier": (0.86 + 0.54 + 0.405) / 3}  # fmt: skip
"""ChEF's ``prednum`` ([2, 1, 2, 0]) is left out; ECE, the bins and Brier count the vanilla ids 2, 5 and 7 only."""


def test_scienceqa_calibration_is_chefs():
    assert scienceqa_calibration_metrics(SQA) == pytest.approx(SQA_METRICS, abs=1e-12)


def test_mmbench_calibration_counts_the_vanilla_questions_only():
    assert mmbench_calibration_metrics(MMB) == pytest.approx(MMB_METRICS, abs=1e-12)


POPE = [{"answer": a, "gt_answers": g} for a, g in [
    ("Yes", "yes"), ("No", "yes"), ("No", "no"), ("Yes", "no"), ("Yes, there is not.", "no"), ("There is no cat.", "no"),
    ("Yes. No.", "yes"), ("no, it is", "yes"),
]]  # fmt: skip
POPE_ALL = {"Accuracy": 0.625, "Precision": 0.6666666666666666, "Recall": 0.5, "F1 score": 0.5714285714285715,
            "Yes ratio": 0.375}  # fmt: skip
POPE_FIRST_FOUR = {"Accuracy": 0.5, "Precision": 0.5, "Recall": 0.5, "F1 score": 0.5, "Yes ratio": 0.5}


def test_pope_metric_is_chefs():
    assert pope_metrics(POPE) == pytest.approx(POPE_ALL, abs=1e-15)
    assert pope_metrics(POPE[:4]) == pytest.approx(POPE_FIRST_FOUR, abs=1e-15)


@pytest.mark.parametrize(("text", "label"), [
    ("Yes", "yes"), ("No", "no"), ("", "yes"), ("Yes, there is not.", "no"), ("Yes. No.", "yes"), ("NO", "yes"),
    ("no, it is", "no"), ("Nope", "yes"), ("It is not there", "no"),
])  # fmt: skip
def test_pope_yes_no_rule(text, label):
    assert pope_answer(text) == label


def test_pope_runs_prefix_each_split_and_average_their_accuracies():
    runs = {"POPE_COCO_random": POPE, "POPE_COCO_popular": POPE[:4], "POPE_COCO_adversarial": POPE[4:]}
    records = [{**r, "id": f"{run}/{i}"} for run, rs in runs.items() for i, r in enumerate(rs)]
    got = pope_runs_metrics(records)
    assert {k: got[f"POPE_COCO_random/{k}"] for k in POPE_ALL} == pytest.approx(POPE_ALL)
    assert {k: got[f"POPE_COCO_popular/{k}"] for k in POPE_ALL} == pytest.approx(POPE_FIRST_FOUR)
    adversarial = pope_metrics(POPE[4:])["Accuracy"]  # 3 of 4 right
    assert adversarial == 0.75 and got["Accuracy"] == pytest.approx((0.625 + 0.5 + 0.75) / 3)
    missing = pope_runs_metrics([r for r in records if not r["id"].startswith("POPE_COCO_popular/")])
    assert missing["Accuracy"] == pytest.approx((0.625 + 0.75) / 2) and "POPE_COCO_popular/Accuracy" not in missing
    with pytest.raises(ValueError, match="'7' is not '<run>/<id>'"):
        pope_runs_metrics([{"id": "7", "answer": "Yes", "gt_answers": "yes"}])


def test_nothing_to_divide_by_is_zero_where_chef_raises():
    assert pope_metrics([{"answer": "No", "gt_answers": "no"}]) == {
        "Accuracy": 1.0, "Precision": 0.0, "Recall": 0.0, "F1 score": 0.0, "Yes ratio": 0.0}  # fmt: skip
