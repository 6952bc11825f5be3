"""LSP keypoint PCK: the paper's always-zero reference value and a corrected PCK@0.1 beside it.

The paper-era ``PCK`` (``@3085eef common_eval_2d.py``, protocol §2.10) asks once per joint, normalizes GT joints
by the image's width and height, and counts a joint correct when any point parsed from its answer lies within
Euclidean distance < 0.1 -- but writes the increment as ``tmp_score + 1.0`` without assigning it, so every image
scores 0 (the paper's "Failed"). ``pck_reference`` reproduces that 0. ``pck@0.1`` is the metric it meant to
compute, with one deliberate fix: answers are paired with GT joints **by joint name** (LSP order below), not by
the answer dict's iteration order as the reference does, so a re-ordered answer mapping (e.g. a JSON file
written with sorted keys) is still scored against the right joints. ``pairing="order"`` restores the
reference's pairing. All 14 joints count, whatever their visibility flag (the reference ignores it too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from lamm_bench.parsing.boxes import parse_keypoints

__all__ = ["LSP_JOINTS", "joints_xy", "pck_sample", "pck_aggregate"]

#: LSP joint order: the order of ``gt_joints`` rows and of the paper's 14 per-joint questions.
LSP_JOINTS: tuple[str, ...] = (
    "right ankle", "right knee", "right hip", "left hip", "left knee", "left ankle", "right wrist",
    "right elbow", "right shoulder", "left shoulder", "left elbow", "left wrist", "neck", "head top",
)  # fmt: skip
_INDEX = {name: i for i, name in enumerate(LSP_JOINTS)}


def joints_xy(gt_joints: Sequence[Sequence[float]]) -> np.ndarray:
    """The (n, 2) float array of joint x, y from ``gt_joints`` rows ``[x, y, visibility]``.

    Raises:
        ValueError: If the rows are not at least two numbers each.
    """
    if len(gt_joints) == 0:
        return np.zeros((0, 2))
    arr = np.asarray(gt_joints, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(f"gt_joints must be rows of [x, y, visibility], got shape {arr.shape}")
    return arr[:, :2]


def _near(points: Sequence[tuple[float, float]], joint: np.ndarray, threshold: float) -> bool:
    # Same arithmetic as the reference's point_distance: sqrt(sum(square(x - y))), strict "<".
    with np.errstate(all="ignore"):
        return any(np.sqrt(np.sum(np.square(np.array(p) - joint))) < threshold for p in points)


def pck_sample(
    answers: Mapping[str, str],
    gt_joints: Sequence[Sequence[float]],
    image_size: tuple[float, float],
    *,
    threshold: float = 0.1,
    pairing: Literal["name", "order"] = "name",
) -> dict[str, float]:
    """PCK for one LSP image.

    Args:
        answers: Joint name -> the answer text for that joint's question.
        gt_joints: The record's ``gt_joints`` rows ``[x_px, y_px, visibility]`` in LSP order.
        image_size: ``(width, height)`` in pixels.
        threshold: Normalized distance below which a joint is correct.
        pairing: ``"name"`` pairs answers with joints by (stripped, lowercased) joint name, ignoring unknown
            names; ``"order"`` pairs the i-th answer with the i-th joint, as the reference does.

    Returns:
        ``{"pck_reference": 0.0, "correct": k, "joints": n}``, n being the number of GT joints; a joint
        without an answer is wrong.
    """
    width, height = image_size
    joints = joints_xy(gt_joints) / np.array([width, height], dtype=float)
    if pairing == "name":
        pairs = [(_INDEX[k.strip().lower()], v) for k, v in answers.items() if k.strip().lower() in _INDEX]
        pairs = list(dict(pairs).items())  # one answer per joint (the last one given wins)
    elif pairing == "order":
        pairs = list(enumerate(answers.values()))
    else:
        raise ValueError(f"pairing must be 'name' or 'order', not {pairing!r}")
    correct = sum(
        1 for i, text in pairs if i < len(joints) and _near(parse_keypoints(text), joints[i], threshold)
    )
    # The reference never adds to its per-image score (``tmp_score + 1.0`` is discarded): always 0.
    return {"pck_reference": 0.0, "correct": correct, "joints": len(joints)}


def pck_aggregate(samples: Sequence[Mapping[str, float]], threshold: float = 0.1) -> dict[str, float]:
    """Mean per-image share of correct joints (``pck@<thr>``) and the reference's value, in percent."""
    if not samples:
        return {f"pck@{threshold:g}": 0.0, "pck_reference": 0.0}
    shares = [s["correct"] / s["joints"] if s["joints"] else 0.0 for s in samples]
    return {
        f"pck@{threshold:g}": sum(shares) / len(samples) * 100,
        "pck_reference": sum(s["pck_reference"] for s in samples) / len(samples) * 100,
    }
