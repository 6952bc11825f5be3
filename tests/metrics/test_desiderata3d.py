"""The 3D desiderata's metrics (``lamm_bench.metrics.desiderata3d``): RRM and RR against the clean run (ChEF's
``eval_robust.py`` formulas), the chance level of a multiple choice with varying option counts, and calibration
(ECE over ChEF's equal-count bins, Brier) -- values computed by hand in the comments."""

from __future__ import annotations

import pytest

from lamm_bench.metrics.desiderata3d import calibration_metrics, chance_accuracy, robustness_metrics, robustness_ratios


def test_chance_is_the_mean_of_one_over_the_option_counts():
    assert chance_accuracy([4, 5, 6, 5]) == pytest.approx(100 * (1 / 4 + 1 / 5 + 1 / 6 + 1 / 5) / 4)  # 20.4166...
    assert chance_accuracy([]) == 0.0


def test_ratios_by_hand_and_zero_where_undefined():
    # (40 - 25) / (55 - 25) * 100 = 50; 40 / 55 * 100 = 72.72...
    assert robustness_ratios(40.0, 55.0, 25.0) == pytest.approx({"RRM": 50.0, "RR": 800 / 11})
    assert robustness_ratios(10.0, 55.0, 25.0)["RRM"] == pytest.approx(-50.0)  # below chance: negative
    assert robustness_ratios(30.0, 25.0, 25.0) == {"RRM": 0.0, "RR": 120.0}  # clean at chance: no RRM
    assert robustness_ratios(0.0, 0.0, 0.0) == {"RRM": 0.0, "RR": 0.0}


def test_runs_their_ratios_and_means_with_a_run_missing():
    correct = {"clean": [1, 1, 0, 1], "jitter": [1, 0, 0, 1], "dropout": [0, 0, 0, 0]}
    out = robustness_metrics(correct, ("clean", "jitter", "dropout", "colour"), 25.0)
    # clean 75, jitter 50 -> RRM (50-25)/(75-25) = 50, RR 66.6; dropout 0 -> RRM -50, RR 0; colour absent
    assert out == pytest.approx({
        "clean/accuracy": 75.0, "jitter/accuracy": 50.0, "dropout/accuracy": 0.0,
        "jitter/RRM": 50.0, "jitter/RR": 200 / 3, "dropout/RRM": -50.0, "dropout/RR": 0.0,
        "RRM": 0.0, "RR": 100 / 3, "acc_rand": 25.0,
    })  # fmt: skip
    no_clean = robustness_metrics({"jitter": [1]}, ("clean", "jitter"), 25.0)
    assert no_clean == {"jitter/accuracy": 100.0, "RRM": 0.0, "RR": 0.0, "acc_rand": 25.0}


def test_calibration_by_hand_with_n_not_a_multiple_of_ten():
    probs = [[0.9, 0.1], [0.6, 0.4], [0.2, 0.3, 0.5]]
    truth = [0, 1, 2]
    out = calibration_metrics(probs, truth, [True, False, True])
    # three bins of one (sorted by top prob 0.5, 0.6, 0.9): |0.5-1| + |0.6-0| + |0.9-1| = 1.2 over 3 = 0.4
    assert out["ECE"] == pytest.approx(0.4) and out["accuracy"] == pytest.approx(200 / 3)
    assert (out["Prob_bins@0"], out["Acc_bins@1"], out["Prob_bins@2"]) == (0.5, 0.0, 0.9)
    # Brier: (0.01 + 0.01) + (0.36 + 0.36) + (0.04 + 0.09 + 0.25) = 1.12 over 3
    assert out["brier"] == pytest.approx(1.12 / 3)
    assert calibration_metrics([], [], []) == {"accuracy": 0.0, "ECE": 0.0, "brier": 0.0}


def test_grounding_robustness_by_hand_a_hit_is_a_box_above_iou_half():
    # robust3d-scanrefer: each run's hit rate at IoU 0.5, ratios against the clean run with chance 0 (RRM = RR)
    from lamm_bench.records import Sample
    from lamm_bench.tasks.desiderata3d import (
        BOX_RUNS, aggregate_robust_grounding, grounding_request, score_robust_grounding,
    )  # fmt: skip

    def sample(run: str, i: int) -> Sample:
        return Sample(id=f"{run}/vg{i}", source="VG_ScanRefer", query="the red chair", images=(),
                      point_cloud="scene0000_00_vert.npy", target={"object": [1.0, 1.0, 0.5, 1.0, 1.0, 1.0], "run": run})

    exact, off = "[1.00, 1.00, 0.50, 1.00, 1.00, 1.00]", "[3.00, 3.00, 0.50, 1.00, 1.00, 1.00]"
    answers = {"clean": [exact, exact, off, exact], "jitter": [exact, off, off, exact], "dropout": [off] * 4,
               "density": [exact] * 4, "colour": ["no box at all"] * 4}  # fmt: skip
    scores = [score_robust_grounding(sample(run, i), text) for run, texts in answers.items() for i, text in enumerate(texts)]
    assert [s.values["correct"] for s in scores[:4]] == [1.0, 1.0, 0.0, 1.0]
    out = aggregate_robust_grounding(scores)
    # clean 75; jitter 50 -> 66.6; dropout 0 -> 0; density 100 -> 133.3; colour 0 -> 0; mean (66.6+0+133.3+0)/4 = 50
    assert out == pytest.approx({
        "clean/accuracy": 75.0, "jitter/accuracy": 50.0, "dropout/accuracy": 0.0, "density/accuracy": 100.0,
        "colour/accuracy": 0.0, "jitter/RRM": 200 / 3, "jitter/RR": 200 / 3, "dropout/RRM": 0.0, "dropout/RR": 0.0,
        "density/RRM": 400 / 3, "density/RR": 400 / 3, "colour/RRM": 0.0, "colour/RR": 0.0, "RRM": 50.0, "RR": 50.0,
        "acc_rand": 0.0})  # fmt: skip
    for run, corruption in BOX_RUNS.items():  # each run's request carries its corruption, the clean one none
        (request,) = grounding_request(sample(run, 0), {}, 0)
        assert request.point_corruption == corruption and request.kind == "generate"
