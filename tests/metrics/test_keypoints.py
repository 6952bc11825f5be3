"""LSP PCK: the reference's constant 0 and the corrected PCK@0.1, paired by joint name or by order."""

from __future__ import annotations

import pytest

from lamm_bench.metrics.keypoints import LSP_JOINTS, pck_aggregate, pck_sample

SIZE = (200, 100)
# joint i at pixel (10 * i + 10, 50): normalized (0.05 * i + 0.05, 0.5)
JOINTS = [[10 * i + 10, 50, 1] for i in range(14)]


def _answers(points):
    return {name: f"The {name} is at [{x}, {y}]." for name, (x, y) in zip(LSP_JOINTS, points)}


def test_all_correct_by_name():
    answers = _answers([(0.05 * i + 0.05, 0.5) for i in range(14)])
    out = pck_sample(answers, JOINTS, SIZE)
    assert out == {"pck_reference": 0.0, "correct": 14, "joints": 14}  # the reference still says 0


def test_distance_is_strict_and_normalized():
    gt = [[0, 50, 1]] * 14  # (0.0, 0.5)
    near = {"right ankle": "[0.09, 0.5]", "right knee": "[0.1, 0.5]", "right hip": "[0.0, 0.41]"}
    out = pck_sample(near, gt, SIZE)
    assert out["correct"] == 2  # 0.09 in, exactly 0.1 out (strict "<"), 0.09 in
    # pixels are normalized by width and height separately
    assert pck_sample({"neck": "[0.5, 0.5]"}, [[100, 50, 1]] * 14, (400, 100))["correct"] == 0


def test_pairing_by_name_vs_order():
    # sorted keys (as a JSON file written with sort_keys would give) break order pairing
    answers = _answers([(0.05 * i + 0.05, 0.5) for i in range(14)])
    shuffled = dict(sorted(answers.items()))
    assert pck_sample(shuffled, JOINTS, SIZE)["correct"] == 14
    by_order = pck_sample(shuffled, JOINTS, SIZE, pairing="order")["correct"]
    assert by_order < 14
    assert pck_sample(answers, JOINTS, SIZE, pairing="order")["correct"] == 14
    with pytest.raises(ValueError):
        pck_sample(answers, JOINTS, SIZE, pairing="joint")


def test_missing_and_unknown_joints():
    out = pck_sample({"Head Top ": "[0.7, 0.5]", "left tail": "[0.05, 0.5]"}, JOINTS, SIZE)
    assert out == {"pck_reference": 0.0, "correct": 1, "joints": 14}  # name normalized; unknown ignored
    assert pck_sample({}, JOINTS, SIZE)["correct"] == 0
    assert pck_sample({"neck": "no idea"}, JOINTS, SIZE)["correct"] == 0


def test_aggregate():
    samples = [{"pck_reference": 0.0, "correct": 14, "joints": 14}, {"pck_reference": 0.0, "correct": 7, "joints": 14}]
    assert pck_aggregate(samples) == {"pck@0.1": 75.0, "pck_reference": 0.0}
    assert pck_aggregate([]) == {"pck@0.1": 0.0, "pck_reference": 0.0}
    assert pck_aggregate([{"pck_reference": 0.0, "correct": 0, "joints": 0}])["pck@0.1"] == 0.0
