"""COCO-style average precision for adapters that give each predicted box a confidence score.

LAMM's free-text answers carry no scores, so its detection "mAP" is a recall; an adapter that does supply scored
boxes can be ranked properly with this. The computation follows ``pycocotools.cocoeval.COCOeval`` for bounding
boxes at one IoU threshold, area range "all", at most ``max_dets`` detections per image and category: greedy
matching in score order to the highest-IoU unmatched GT with IoU >= threshold, precision made monotone, sampled
at 101 recall points, averaged over the categories that have GT. Labels are compared exactly (adapters that
score boxes give class names, not prose). Box coordinates may be normalized or in pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ScoredBox", "average_precision"]

_AREA_MAX = 1e5**2  # COCOeval's "all" area range is [0, 1e10]
_RECALL_POINTS = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True)
class ScoredBox:
    """One predicted box with its class name and confidence.

    Attributes:
        label: The class name (compared exactly with GT labels).
        bbox: ``(x1, y1, x2, y2)``.
        score: Confidence; higher ranks first.
    """

    label: str
    bbox: tuple[float, float, float, float]
    score: float


def _xywh(box: Sequence[float]) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in box)
    return x1, y1, x2 - x1, y2 - y1


def _iou_xywh(d: tuple[float, ...], g: tuple[float, ...]) -> float:
    """pycocotools' ``bbIou`` for a non-crowd pair, on ``(x, y, w, h)`` boxes."""
    w = min(d[2] + d[0], g[2] + g[0]) - max(d[0], g[0])
    if w <= 0:
        return 0.0
    h = min(d[3] + d[1], g[3] + g[1]) - max(d[1], g[1])
    if h <= 0:
        return 0.0
    inter = w * h
    return inter / (d[2] * d[3] + g[2] * g[3] - inter)


def _evaluate_image(
    gts: list[tuple[float, ...]], dts: list[tuple[tuple[float, ...], float]], threshold: float, max_dets: int
) -> tuple[list[float], list[bool], list[bool], int]:
    """COCOeval.evaluateImg for one (image, category): scores, matched flags, ignored flags, #non-ignored GT."""
    order = np.argsort([-s for _, s in dts], kind="mergesort")[:max_dets]
    dts = [dts[i] for i in order]
    gt_ignored = [not (0 <= g[2] * g[3] <= _AREA_MAX) for g in gts]
    gt_order = np.argsort(gt_ignored, kind="mergesort")
    gts = [gts[i] for i in gt_order]
    gt_ignored = [gt_ignored[i] for i in gt_order]
    gt_taken = [False] * len(gts)
    matched, ignored = [], []
    for box, _ in dts:
        best, m = min(threshold, 1 - 1e-10), -1
        for j, g in enumerate(gts):
            if gt_taken[j]:
                continue
            if m > -1 and not gt_ignored[m] and gt_ignored[j]:
                break
            iou = _iou_xywh(box, g)
            if iou < best:
                continue
            best, m = iou, j
        if m == -1:
            matched.append(False)
            ignored.append(not (0 <= box[2] * box[3] <= _AREA_MAX))
        else:
            gt_taken[m] = True
            matched.append(True)
            ignored.append(gt_ignored[m])
    return [s for _, s in dts], matched, ignored, sum(not i for i in gt_ignored)


def _category_precision(per_image: list[tuple[list[float], list[bool], list[bool], int]]) -> np.ndarray | None:
    """COCOeval.accumulate for one category: precision at the 101 recall points, or None without GT."""
    n_gt = sum(r[3] for r in per_image)
    if n_gt == 0:
        return None
    scores = np.concatenate([np.asarray(r[0], dtype=float) for r in per_image])
    order = np.argsort(-scores, kind="mergesort")
    matched = np.concatenate([np.asarray(r[1], dtype=bool) for r in per_image])[order]
    ignored = np.concatenate([np.asarray(r[2], dtype=bool) for r in per_image])[order]
    tp = np.cumsum(matched & ~ignored).astype(float)
    fp = np.cumsum(~matched & ~ignored).astype(float)
    recall = tp / n_gt
    precision = (tp / (fp + tp + np.spacing(1))).tolist()
    for i in range(len(precision) - 1, 0, -1):
        precision[i - 1] = max(precision[i - 1], precision[i])
    q = np.zeros(len(_RECALL_POINTS))
    for r, idx in enumerate(np.searchsorted(recall, _RECALL_POINTS, side="left")):
        if idx >= len(precision):
            break
        q[r] = precision[idx]
    return q


def average_precision(
    gt_objects: Sequence[Sequence[Mapping[str, Any]]],
    predictions: Sequence[Sequence[ScoredBox]],
    *,
    iou_threshold: float = 0.5,
    max_dets: int = 100,
) -> dict[str, float]:
    """COCO-style AP at one IoU threshold, in percent, as ``ap@<thr>``.

    Args:
        gt_objects: Per image, the record's ``object`` list (``{"label", "bbox"}``).
        predictions: Per image (same order and length), the scored predicted boxes.
        iou_threshold: A detection matches a GT box when their IoU is >= this.
        max_dets: Highest-scoring detections kept per image and category (COCO: 100).

    Returns:
        ``{"ap@<thr>": value}``; 0.0 when there is no GT box at all (COCOeval reports -1 there).

    Raises:
        ValueError: If the two sequences differ in length.
    """
    if len(gt_objects) != len(predictions):
        raise ValueError(f"{len(gt_objects)} images of ground truth but {len(predictions)} of predictions")
    labels = sorted({o["label"] for objs in gt_objects for o in objs} | {p.label for ps in predictions for p in ps})
    per_category: list[np.ndarray] = []
    for label in labels:
        per_image = []
        for objs, preds in zip(gt_objects, predictions):
            gts = [_xywh(o["bbox"]) for o in objs if o["label"] == label]
            dts = [(_xywh(p.bbox), float(p.score)) for p in preds if p.label == label]
            if gts or dts:
                per_image.append(_evaluate_image(gts, dts, iou_threshold, max_dets))
        q = _category_precision(per_image)
        if q is not None:
            per_category.append(q)
    # Recall-point-major order, as COCOeval flattens precision[t, :, k] before averaging (same rounding).
    value = float(np.mean(np.stack(per_category, axis=1).ravel())) * 100.0 if per_category else 0.0
    return {f"ap@{iou_threshold:g}": value}
