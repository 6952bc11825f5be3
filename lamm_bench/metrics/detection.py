"""VOC detection metrics: the paper's recall-called-mAP, ChEF's bipartite recall/precision, and honest ones.

Three families, each per sample (plain dict of counts) plus an aggregate (percent):

- paper (``@3085eef detection_eval``): a GT object is a hit iff its label is synonym-matched anywhere in the
  answer and *any* parsed box has IoU > 0.5 (strict); no one-to-one matching. Reported as ``recall_reference``.
- ChEF (``@d01093c LAMM_Detection``): boxes and categories from the structured parser, float32 IoUs (as
  ``torchvision.ops.box_iou``), maximum bipartite matching (Kuhn's augmenting paths) on edges IoU >= thr.
- honest: one-to-one maximum-cardinality matching on float64 IoUs >= thr, with and without the category
  (``recall@t``, ``precision@t``, ``f1@t`` and their ``_with_category`` twins), and a category-agnostic COCO AP
  (``ap@t``) that ranks each answer's boxes by their order in it (:func:`answer_order_ap_sample`).

GT objects are meta-file dicts ``{"label": str, "bbox": [x1, y1, x2, y2]}`` in normalized coordinates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from lamm_bench.metrics.average_precision import ImageEval, answer_order_scores, evaluate_image, pooled_ap
from lamm_bench.parsing.boxes import parse_bbox
from lamm_bench.parsing.chef_detection import ChefDetections, parse_chef_detection

__all__ = [
    "box_iou",
    "paper_detection_sample",
    "paper_detection_aggregate",
    "matching_counts",
    "matching_aggregate",
    "chef_kuhn_matching",
    "chef_iou_matrix",
    "chef_detection_sample",
    "chef_detection_aggregate",
    "answer_order_ap_sample",
    "answer_order_ap_aggregate",
]

Match = Callable[[str, str], bool]
THRESHOLDS: tuple[float, ...] = (0.5, 0.25)


def _synonym_matcher(name: str) -> Match:
    # Imported on use: WordNet loads lazily and the module stays import-light for ``lamm-bench list``.
    from lamm_bench.parsing import synonyms

    return getattr(synonyms, name)


def _pct(num: float, den: float) -> float:
    """``num / den`` in percent; 0.0 for an empty denominator (nothing to score)."""
    return num / den * 100.0 if den else 0.0


def _tag(threshold: float) -> str:
    return f"{threshold:g}"


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """IoU of two ``[x1, y1, x2, y2]`` boxes as the reference's ``cal_iou`` computes it (no +1, float64).

    A zero union gives NaN (or inf), as numpy does there; NaN never passes a threshold.
    """
    with np.errstate(all="ignore"):
        iw = np.maximum(np.minimum(a[2], b[2]) - np.maximum(a[0], b[0]), 0.0)
        ih = np.maximum(np.minimum(a[3], b[3]) - np.maximum(a[1], b[1]), 0.0)
        inter = np.float64(iw * ih)
        union = (b[2] - b[0]) * (b[3] - b[1]) + (a[2] - a[0]) * (a[3] - a[1]) - inter
        return float(inter / np.float64(union))


# --- paper ------------------------------------------------------------------------------------------------


def paper_detection_sample(
    gt_objects: Sequence[Mapping[str, Any]],
    text: str,
    *,
    threshold: float = 0.5,
    match: Match | None = None,
) -> dict[str, int]:
    """Paper-era ``detection_eval`` for one image.

    Args:
        gt_objects: The record's ``object`` list.
        text: The answer text.
        threshold: IoU must be strictly greater than this.
        match: ``(gt_label, answer) -> bool``; defaults to the paper's ``paper_class_match``.

    Returns:
        ``{"hits": h, "gt": n}``.
    """
    match = match or _synonym_matcher("paper_class_match")
    boxes = parse_bbox(text)
    hits = 0
    for obj in gt_objects:
        if not match(obj["label"], text):
            continue
        if any(box_iou(obj["bbox"], box) > threshold for box in boxes):
            hits += 1
    return {"hits": hits, "gt": len(gt_objects)}


def paper_detection_aggregate(samples: Sequence[Mapping[str, int]], threshold: float = 0.5) -> dict[str, float]:
    """The paper's VOC "mAP": hits over all GT objects, in percent, named ``recall_reference@<thr>``."""
    hits = sum(s["hits"] for s in samples)
    total = sum(s["gt"] for s in samples)
    return {f"recall_reference@{_tag(threshold)}": _pct(hits, total)}


# --- honest one-to-one matching ---------------------------------------------------------------------------


def _max_matching(edges: np.ndarray) -> int:
    """Size of a maximum-cardinality matching of a boolean (gt x pred) edge matrix (Hopcroft-Karp)."""
    if edges.size == 0 or not edges.any():
        return 0
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    matched = maximum_bipartite_matching(csr_matrix(edges.astype(np.int8)), perm_type="column")
    return int((matched >= 0).sum())


def _label_edges(
    gt_labels: Sequence[str], pred_labels: Sequence[str] | str, n_pred: int, match: Match
) -> np.ndarray:
    """Boolean (gt x pred) matrix of label agreement, calling the matcher once per distinct pair."""
    if isinstance(pred_labels, str):
        # One text for every box (the paper's answer format): the label may appear anywhere in it.
        column = np.array([match(g, pred_labels) for g in gt_labels], dtype=bool)
        return np.repeat(column[:, None], n_pred, axis=1)
    if len(pred_labels) != n_pred:
        raise ValueError(f"got {len(pred_labels)} predicted labels for {n_pred} boxes")
    cache: dict[tuple[str, str], bool] = {}
    out = np.zeros((len(gt_labels), n_pred), dtype=bool)
    for i, g in enumerate(gt_labels):
        for j, p in enumerate(pred_labels):
            if (g, p) not in cache:
                cache[(g, p)] = bool(match(g, p))
            out[i, j] = cache[(g, p)]
    return out


def matching_counts(
    gt_objects: Sequence[Mapping[str, Any]],
    pred_boxes: Sequence[Sequence[float]],
    pred_labels: Sequence[str] | str | None = None,
    *,
    thresholds: Sequence[float] = THRESHOLDS,
    match: Match | None = None,
) -> dict[str, int]:
    """One-to-one matching counts for one image (the honest detection metric's per-sample part).

    A GT box and a predicted box may be paired when their IoU (float64, :func:`box_iou`) is >= the threshold;
    ``tp`` is the size of a maximum-cardinality matching. With ``pred_labels``, ``tp_with_category`` also
    requires ``match(gt_label, pred_label)``.

    Args:
        gt_objects: The record's ``object`` list.
        pred_boxes: Predicted ``(x1, y1, x2, y2)`` boxes.
        pred_labels: One label per box, or one string for all boxes (e.g. the whole answer, for answers that
            do not tie labels to boxes), or None to skip the category-aware counts.
        thresholds: IoU thresholds.
        match: ``(gt_label, pred_label) -> bool``; defaults to ``paper_class_match``.

    Returns:
        ``{"n_gt", "n_pred", "tp@t", ["tp_with_category@t"] for each t}``.
    """
    n_gt, n_pred = len(gt_objects), len(pred_boxes)
    out = {"n_gt": n_gt, "n_pred": n_pred}
    ious = np.array([[box_iou(o["bbox"], p) for p in pred_boxes] for o in gt_objects], dtype=float)
    ious = ious.reshape(n_gt, n_pred)
    labels_ok = None
    if pred_labels is not None:
        match = match or _synonym_matcher("paper_class_match")
        labels_ok = _label_edges([o["label"] for o in gt_objects], pred_labels, n_pred, match)
    for t in thresholds:
        edges = ious >= t  # NaN IoUs compare False
        out[f"tp@{_tag(t)}"] = _max_matching(edges)
        if labels_ok is not None:
            out[f"tp_with_category@{_tag(t)}"] = _max_matching(edges & labels_ok)
    return out


def matching_aggregate(
    samples: Sequence[Mapping[str, int]], thresholds: Sequence[float] = THRESHOLDS
) -> dict[str, float]:
    """Recall, precision and F1 (percent) from :func:`matching_counts` results, pooled over images.

    Empty denominators give 0.0. Category-aware metrics appear when every sample has those counts (so also
    for an empty sequence, where everything is 0.0).
    """
    n_gt = sum(s["n_gt"] for s in samples)
    n_pred = sum(s["n_pred"] for s in samples)
    out: dict[str, float] = {}
    for t in thresholds:
        for kind, suffix in (("tp", ""), ("tp_with_category", "_with_category")):
            key = f"{kind}@{_tag(t)}"
            if any(key not in s for s in samples):
                continue
            tp = sum(s[key] for s in samples)
            out[f"recall{suffix}@{_tag(t)}"] = _pct(tp, n_gt)
            out[f"precision{suffix}@{_tag(t)}"] = _pct(tp, n_pred)
            out[f"f1{suffix}@{_tag(t)}"] = _pct(2 * tp, n_gt + n_pred)
    return out


def answer_order_ap_sample(
    gt_objects: Sequence[Mapping[str, Any]],
    pred_boxes: Sequence[Sequence[float]],
    *,
    threshold: float = 0.5,
    max_dets: int = 100,
) -> dict[str, Any]:
    """COCOeval's per-image matching for one answer, category-agnostic, its boxes ranked by answer order.

    Every GT object and every predicted box is of one class; the k-th box (from 0) gets confidence
    ``1 / (k + 1)`` (:func:`answer_order_scores`), so the first ``max_dets`` boxes are kept and matched greedily in
    answer order to the highest-IoU unmatched GT box with IoU >= ``threshold`` (pycocotools' IoU).

    Returns:
        ``{"matches": ["tp" | "fp" | "ignored", ...] (kept boxes, answer order), "n_gt": GT boxes COCO counts}``
        (JSON-ready; :func:`answer_order_ap_aggregate` pools them).
    """
    scored = list(zip(pred_boxes, answer_order_scores(len(pred_boxes))))
    result = evaluate_image([o["bbox"] for o in gt_objects], scored, iou_threshold=threshold, max_dets=max_dets)
    return {"matches": list(result.outcomes), "n_gt": result.n_gt}


def answer_order_ap_aggregate(samples: Sequence[Mapping[str, Any]], threshold: float = 0.5) -> dict[str, float]:
    """COCO AP (percent) pooled over :func:`answer_order_ap_sample` results, in sample order, as ``ap@<thr>``.

    Pooled as COCOeval's ``accumulate`` does: all boxes sorted by confidence (stable), so boxes of equal rank in
    different answers keep sample order, as COCOeval keeps image-id order. 0.0 when there is no GT box.
    """
    images = [
        ImageEval(tuple(answer_order_scores(len(s["matches"]))), tuple(s["matches"]), int(s["n_gt"])) for s in samples
    ]
    return {f"ap@{_tag(threshold)}": pooled_ap(images)}


# --- ChEF ---------------------------------------------------------------------------------------------------


def chef_iou_matrix(gt_boxes: Sequence[Sequence[float]], pred_boxes: Sequence[Sequence[float]]) -> np.ndarray:
    """(gt x pred) IoUs in float32, with the same operations as ``torchvision.ops.box_iou``."""
    g = np.asarray(gt_boxes, dtype=np.float32).reshape(-1, 4)
    p = np.asarray(pred_boxes, dtype=np.float32).reshape(-1, 4)
    with np.errstate(all="ignore"):
        area_g = (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1])
        area_p = (p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1])
        lt = np.maximum(g[:, None, :2], p[None, :, :2])
        rb = np.minimum(g[:, None, 2:], p[None, :, 2:])
        wh = np.clip(rb - lt, 0, None)
        inter = wh[..., 0] * wh[..., 1]
        union = area_g[:, None] + area_p[None, :] - inter
        return (inter / union).astype(np.float32)


def chef_kuhn_matching(edges: np.ndarray) -> list[int]:
    """ChEF's ``hungarian_match``: Kuhn's augmenting paths, one search per prediction in order.

    Args:
        edges: Boolean (gt x pred) matrix; True where a pair may be matched.

    Returns:
        For each GT, the index of its matched prediction or -1.
    """
    n_gt, n_pred = edges.shape
    owner = [-1] * n_gt

    def augment(pred: int, seen: list[bool]) -> bool:
        for gt in range(n_gt):
            if edges[gt, pred] and not seen[gt]:
                seen[gt] = True
                if owner[gt] == -1 or augment(owner[gt], seen):
                    owner[gt] = pred
                    return True
        return False

    for pred in range(n_pred):
        augment(pred, [False] * n_gt)
    return owner


def chef_detection_sample(
    gt_objects: Sequence[Mapping[str, Any]],
    answer: str | ChefDetections,
    *,
    thresholds: Sequence[float] = THRESHOLDS,
    match: Match | None = None,
) -> dict[str, int]:
    """ChEF ``LAMM_Detection`` counts for one image.

    Args:
        gt_objects: The record's ``object`` list.
        answer: The answer text, or its :func:`parse_chef_detection` result.
        thresholds: IoU thresholds (edges are IoU >= threshold, float32).
        match: ``(gt_label, pred_category) -> bool``; defaults to ``chef_voc_class_match``.

    Returns:
        ``{"num_gt", "num_pred", "malformed", "tp@t", "tp_with_category@t" for each t}``.
    """
    parsed = parse_chef_detection(answer) if isinstance(answer, str) else answer
    out = {"num_gt": len(gt_objects), "num_pred": len(parsed.boxes), "malformed": parsed.malformed}
    for t in thresholds:
        out[f"tp@{_tag(t)}"] = 0
        out[f"tp_with_category@{_tag(t)}"] = 0
    if not parsed.boxes or not gt_objects:
        return out
    match = match or _synonym_matcher("chef_voc_class_match")
    ious = chef_iou_matrix([o["bbox"] for o in gt_objects], parsed.boxes)
    labels_ok = _label_edges([o["label"] for o in gt_objects], parsed.categories, len(parsed.boxes), match)
    for t in thresholds:
        edges = ious >= np.float32(t)
        out[f"tp@{_tag(t)}"] = sum(m != -1 for m in chef_kuhn_matching(edges))
        out[f"tp_with_category@{_tag(t)}"] = sum(m != -1 for m in chef_kuhn_matching(edges & labels_ok))
    return out


def chef_detection_aggregate(
    samples: Sequence[Mapping[str, int]], thresholds: Sequence[float] = THRESHOLDS
) -> dict[str, float]:
    """ChEF's recall/precision with and without category, in percent, under honest names.

    ChEF's ``recall@0.50`` is ``recall_with_category@0.5`` here and ``prec_wocat@0.50`` is
    ``precision_without_category@0.5``. Precision divides by ``num_pred + 1e-7`` as the reference does; an
    empty denominator (the reference crashes) gives 0.0.
    """
    num_gt = sum(s["num_gt"] for s in samples)
    num_pred = sum(s["num_pred"] for s in samples)
    out: dict[str, float] = {}
    for t in thresholds:
        tag = _tag(t)
        tp = sum(s[f"tp@{tag}"] for s in samples)
        tp_cls = sum(s[f"tp_with_category@{tag}"] for s in samples)
        out[f"recall_with_category@{tag}"] = _pct_float32(tp_cls, num_gt)
        out[f"precision_with_category@{tag}"] = _pct_float32(tp_cls, num_pred + 1e-7) if num_pred else 0.0
        out[f"recall_without_category@{tag}"] = _pct_float32(tp, num_gt)
        out[f"precision_without_category@{tag}"] = _pct_float32(tp, num_pred + 1e-7) if num_pred else 0.0
    return out


def _pct_float32(num: int, den: float) -> float:
    """``(num / den * 100)`` in float32, as the reference's torch tensors compute it; 0.0 when ``den`` is 0."""
    if not den:
        return 0.0
    return float(np.float32(num) / np.float32(den) * np.float32(100))

