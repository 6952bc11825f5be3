"""COCO-style average precision for one category, as ``pycocotools.cocoeval.COCOeval`` computes it for boxes.

Evaluated image by image (:func:`evaluate_image`), so a task can keep each image's outcome with its per-sample
score and pool them later (:func:`pooled_ap`). ``voc2012`` uses it category-agnostically with
:func:`answer_order_scores` (earlier in the answer = more confident), since free-text answers carry no confidence.

The computation follows COCOeval's ``evaluateImg`` and ``accumulate`` at one IoU threshold, area range "all", at
most ``max_dets`` detections per image: detections sorted by score (stable), each greedily matched to the
highest-IoU unmatched GT box with IoU >= threshold; pooled over images (stable sort by score, so ties keep image
order, as COCOeval keeps image-id order); precision made monotone and sampled at 101 recall points. Box
coordinates may be normalized or in pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["ImageEval", "answer_order_scores", "evaluate_image", "pooled_ap"]

_AREA_MAX = 1e5**2  # COCOeval's "all" area range is [0, 1e10]
_RECALL_POINTS = np.linspace(0.0, 1.0, 101)

Outcome = Literal["tp", "fp", "ignored"]


@dataclass(frozen=True)
class ImageEval:
    """COCOeval's ``evaluateImg`` outcome for one image and one category.

    Attributes:
        scores: The kept detections' scores, highest first (at most ``max_dets``).
        outcomes: Per kept detection: ``tp`` (matched a GT box), ``fp``, or ``ignored`` (matched an ignored GT
            box, or unmatched with an area outside COCO's range).
        n_gt: GT boxes that count (COCO ignores those with an area outside ``[0, 1e10]``).
    """

    scores: tuple[float, ...]
    outcomes: tuple[Outcome, ...]
    n_gt: int


def answer_order_scores(n: int) -> list[float]:
    """Confidences from answer order: the k-th box (from 0) scores ``1 / (k + 1)``; equal ranks tie across images."""
    return [1.0 / (k + 1) for k in range(n)]


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


def evaluate_image(
    gt_boxes: Sequence[Sequence[float]],
    detections: Sequence[tuple[Sequence[float], float]],
    *,
    iou_threshold: float = 0.5,
    max_dets: int = 100,
) -> ImageEval:
    """COCOeval's ``evaluateImg`` for one image and one category.

    Args:
        gt_boxes: GT ``(x1, y1, x2, y2)`` boxes.
        detections: ``((x1, y1, x2, y2), score)`` pairs.
        iou_threshold: A detection matches a GT box when their IoU is >= this.
        max_dets: Highest-scoring detections kept (COCO: 100).
    """
    order = np.argsort([-float(s) for _, s in detections], kind="mergesort")[:max_dets]
    dts = [(_xywh(detections[i][0]), float(detections[i][1])) for i in order]
    gts = [_xywh(g) for g in gt_boxes]
    gt_ignored = [not (0 <= g[2] * g[3] <= _AREA_MAX) for g in gts]
    gt_order = np.argsort(gt_ignored, kind="mergesort")
    gts = [gts[i] for i in gt_order]
    gt_ignored = [gt_ignored[i] for i in gt_order]
    gt_taken = [False] * len(gts)
    outcomes: list[Outcome] = []
    for box, _ in dts:
        best, m = min(iou_threshold, 1 - 1e-10), -1
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
            outcomes.append("ignored" if not (0 <= box[2] * box[3] <= _AREA_MAX) else "fp")
        else:
            gt_taken[m] = True
            outcomes.append("ignored" if gt_ignored[m] else "tp")
    return ImageEval(tuple(s for _, s in dts), tuple(outcomes), sum(not i for i in gt_ignored))


def _precision_curve(images: Sequence[ImageEval]) -> np.ndarray | None:
    """COCOeval's ``accumulate`` for one category: precision at the 101 recall points, or None without GT."""
    n_gt = sum(e.n_gt for e in images)
    if n_gt == 0:
        return None
    scores = np.array([s for e in images for s in e.scores], dtype=float)
    outcomes = np.array([o for e in images for o in e.outcomes], dtype=object)
    order = np.argsort(-scores, kind="mergesort")
    outcomes = outcomes[order]
    tp = np.cumsum(outcomes == "tp").astype(float)
    fp = np.cumsum(outcomes == "fp").astype(float)
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


def pooled_ap(images: Sequence[ImageEval]) -> float:
    """One category's AP in percent from its per-image outcomes (in image order); 0.0 without any GT box."""
    q = _precision_curve(images)
    return float(np.mean(q)) * 100.0 if q is not None else 0.0

