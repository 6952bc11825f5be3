"""Binary locating (paper "Binary-Loc"): is a predicted point strictly inside the GT object's box?

VOC2012 (``inside_bbox_eval`` / ChEF ``InsideBbox``, protocol §2.11): points are parsed from the answer; with
none, every GT object of the image counts wrong; otherwise each GT object is correct iff its label is
synonym-matched in the answer (paper: ``paper_class_match``; ChEF: ``chef_voc_class_match``) and some point lies
strictly inside its normalized box. LSP (``inside_human_bbox_eval`` / ``InsideHumanBbox``): one unit per image;
the GT box is the min/max of the 14 joints in pixels and predicted normalized points are scaled by the image
size. The paper pools both files, (correct_VOC + correct_LSP) / (total_VOC + total_LSP); ChEF reports each
file's accuracy separately. Both are :func:`locating_accuracy` over the right samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lamm_bench.metrics.keypoints import joints_xy
from lamm_bench.parsing.boxes import parse_keypoints

__all__ = [
    "inside_box",
    "locating_voc_sample",
    "locating_voc_sample_paper",
    "locating_voc_sample_chef",
    "locating_lsp_sample",
    "locating_accuracy",
]

Match = Callable[[str, str], bool]


def inside_box(points: Sequence[Sequence[float]], box: Sequence[float]) -> bool:
    """True iff some point (x, y) has x1 < x < x2 and y1 < y < y2 (strict, as the reference)."""
    return any(box[0] < p[0] < box[2] and box[1] < p[1] < box[3] for p in points)


def locating_voc_sample(answer: str, gt_objects: Sequence[Mapping[str, Any]], match: Match) -> dict[str, int]:
    """Locating_VOC2012 for one image with a given label matcher.

    Args:
        answer: The answer text.
        gt_objects: The record's ``object`` list (``{"label", "bbox"}``, normalized boxes).
        match: ``(gt_label, answer) -> bool``.

    Returns:
        ``{"correct": c, "total": len(gt_objects)}``.
    """
    points = parse_keypoints(answer)
    if not points:
        return {"correct": 0, "total": len(gt_objects)}
    correct = sum(1 for obj in gt_objects if match(obj["label"], answer) and inside_box(points, obj["bbox"]))
    return {"correct": correct, "total": len(gt_objects)}


def locating_voc_sample_paper(
    answer: str, gt_objects: Sequence[Mapping[str, Any]], match: Match | None = None
) -> dict[str, int]:
    """Paper-era ``inside_bbox_eval`` for one image (label match: ``paper_class_match``)."""
    if match is None:
        from lamm_bench.parsing.synonyms import paper_class_match as match
    return locating_voc_sample(answer, gt_objects, match)


def locating_voc_sample_chef(
    answer: str, gt_objects: Sequence[Mapping[str, Any]], match: Match | None = None
) -> dict[str, int]:
    """ChEF ``InsideBbox`` for one image (label match: ``chef_voc_class_match``)."""
    if match is None:
        from lamm_bench.parsing.synonyms import chef_voc_class_match as match
    return locating_voc_sample(answer, gt_objects, match)


def locating_lsp_sample(
    answer: str, gt_joints: Sequence[Sequence[float]], image_size: tuple[float, float]
) -> dict[str, int]:
    """Locating_LSP for one image (identical in both generations).

    Args:
        answer: The answer text.
        gt_joints: The record's ``gt_joints`` rows ``[x_px, y_px, visibility]``.
        image_size: ``(width, height)`` in pixels, to scale the normalized predicted points.

    Returns:
        ``{"correct": 0|1, "total": 1}``.
    """
    points = parse_keypoints(answer)
    joints = joints_xy(gt_joints)
    if not points or len(joints) == 0:
        return {"correct": 0, "total": 1}
    box = (*joints.min(axis=0), *joints.max(axis=0))
    width, height = image_size
    scaled = [(x * width, y * height) for x, y in points]
    return {"correct": int(inside_box(scaled, box)), "total": 1}


def locating_accuracy(samples: Sequence[Mapping[str, int]]) -> dict[str, float]:
    """Pooled locating accuracy in percent: sum(correct) / sum(total) (0.0 when the total is 0)."""
    total = sum(s["total"] for s in samples)
    correct = sum(s["correct"] for s in samples)
    return {"accuracy": correct / total * 100 if total else 0.0}
