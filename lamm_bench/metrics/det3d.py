"""3D box metrics for LAMM's ScanNet detection and ScanRefer grounding: the reference numbers and honest ones.

Boxes are axis-aligned ``[cx, cy, cz, l, w, h]`` in metres. Both reference IoUs turn a box into min/max corners
using ``abs`` of the sizes and round every corner to 3 decimals (protocol §2.12). The paper-era IoU
(:func:`iou_3d_paper`) multiplies the three raw overlaps without clamping and only returns 0 when the result falls
outside [0, 1], so two boxes disjoint along two axes get a spurious positive IoU; ChEF's (:func:`iou_3d`) clamps
each overlap at 0, which is the correct axis-aligned IoU. The reference detection score (LAMM's "mAP@0.5",
really recall) counts a ground-truth object as found when its label is synonym-matched anywhere in the answer and
*any* parsed box overlaps it by more than 0.5 -- no one-to-one matching, no tie between a label and its box.
Beside it this module computes honest recall/precision: each bracketed box is paired with the text just before
it, and boxes are matched one-to-one to ground truth (maximum bipartite matching, clamped IoU, strict ``>``).
Grounding scores only the first parsed box. Per-sample functions return :class:`SampleScore` counts; the
aggregates are percentages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from lamm_bench.records import SampleScore

__all__ = [
    "GROUNDING_THRESHOLDS",
    "HONEST_THRESHOLDS",
    "aggregate_detection_3d",
    "aggregate_grounding_3d",
    "box_corners",
    "detection_hits",
    "iou_3d",
    "iou_3d_paper",
    "labeled_boxes_3d",
    "max_bipartite_matching",
    "one_to_one_matches",
    "score_detection_3d",
    "score_grounding_3d",
]

Box3D = Sequence[float]
IoU = Callable[[Box3D, Box3D], float]
Matcher = Callable[[str, str], bool]
Parser = Callable[[str], Sequence[Box3D]]

HONEST_THRESHOLDS: tuple[float, ...] = (0.25, 0.5)
"""IoU thresholds of the honest detection metrics."""
GROUNDING_THRESHOLDS: tuple[float, ...] = (0.25, 0.5)
"""IoU thresholds of grounding accuracy (the paper reports Acc@0.25 and Acc@0.5; ChEF only 0.5)."""
REFERENCE_THRESHOLD = 0.5
"""IoU threshold (strict) of LAMM's 3D detection score."""


def box_corners(box: Box3D) -> tuple[float, float, float, float, float, float]:
    """Min and max corners ``(x1, y1, z1, x2, y2, z2)`` of a centre+size box, as both references compute them.

    Sizes enter through ``abs`` (a negative size is read as positive) and every corner is rounded to 3 decimals
    with Python's ``round`` (half-to-even on the binary value, as in the reference).
    """
    cx, cy, cz, length, width, height = (float(v) for v in box[:6])
    hx, hy, hz = abs(length / 2), abs(width / 2), abs(height) / 2
    return (
        round(cx - hx, 3), round(cy - hy, 3), round(cz - hz, 3),
        round(cx + hx, 3), round(cy + hy, 3), round(cz + hz, 3),
    )  # fmt: skip


def _volume(c: Sequence[float]) -> float:
    return (c[3] - c[0]) * (c[4] - c[1]) * (c[5] - c[2])


def _overlaps(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float]:
    return tuple(min(a[i + 3], b[i + 3]) - max(a[i], b[i]) for i in range(3))  # type: ignore[return-value]


def iou_3d_paper(b1: Box3D, b2: Box3D) -> float:
    """Paper-era ``cal_iou_3d``: the unclamped intersection product, 0 only when the IoU leaves [0, 1].

    Two boxes disjoint along two axes have two negative overlaps whose product is positive, so they get a
    positive "IoU" (the reference's bug, kept on purpose). A zero union (the reference divides by zero) gives 0.

    Args:
        b1: ``[cx, cy, cz, l, w, h]``.
        b2: ``[cx, cy, cz, l, w, h]``.

    Returns:
        The reference IoU in [0, 1].
    """
    c1, c2 = box_corners(b1), box_corners(b2)
    dx, dy, dz = _overlaps(c1, c2)
    inter = dx * dy * dz
    union = _volume(c1) + _volume(c2) - inter
    if union == 0:
        return 0.0
    iou = inter / union
    # ``not 0 <= iou <= 1`` also sends NaN (a parsed "nan"/"inf" coordinate) to 0, where the reference's
    # ``iou > 1 or iou < 0`` would let it through and compare False against every threshold anyway.
    return iou if 0 <= iou <= 1 else 0.0


def iou_3d(b1: Box3D, b2: Box3D) -> float:
    """Axis-aligned 3D IoU with each overlap clamped at 0 (ChEF's ``cal_iou_3d``; corners rounded to 1 mm).

    Args:
        b1: ``[cx, cy, cz, l, w, h]``.
        b2: ``[cx, cy, cz, l, w, h]``.

    Returns:
        The IoU in [0, 1]; 0 for disjoint boxes and when both boxes have zero volume.
    """
    c1, c2 = box_corners(b1), box_corners(b2)
    dx, dy, dz = _overlaps(c1, c2)
    inter = max(dx, 0.0) * max(dy, 0.0) * max(dz, 0.0)
    union = _volume(c1) + _volume(c2) - inter
    iou = inter / union if union > 0 else 0.0
    return iou if 0 <= iou <= 1 else 0.0  # NaN/inf coordinates


def detection_hits(
    objects: Sequence[Mapping[str, Any]],
    answer: str,
    boxes: Sequence[Box3D],
    *,
    match: Matcher,
    iou: IoU,
    threshold: float = REFERENCE_THRESHOLD,
) -> int:
    """LAMM's 3D detection count: objects whose label is matched in the answer and that some box overlaps.

    Args:
        objects: Ground truth, each ``{"label": str, "bbox": [cx, cy, cz, l, w, h]}``.
        answer: The full answer text (the label may appear anywhere in it).
        boxes: Every box parsed from the answer.
        match: ``match(label, answer)`` synonym test (paper or ChEF flavour).
        iou: The IoU function (paper: :func:`iou_3d_paper`; ChEF: :func:`iou_3d`).
        threshold: An object counts when some box has IoU strictly above it.

    Returns:
        The number of ground-truth objects hit.
    """
    hits = 0
    for obj in objects:
        if match(obj["label"], answer) and any(iou(obj["bbox"], box) > threshold for box in boxes):
            hits += 1
    return hits


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_LABELED_BOX = re.compile(r"[\[(]\s*" + r"\s*,\s*".join([f"({_NUMBER})"] * 6) + r"\s*[\])]")


def labeled_boxes_3d(answer: str) -> list[tuple[str, tuple[float, ...]]]:
    """Bracketed 6-number boxes with the text that precedes each (back to the previous box), for honest scoring.

    Unlike the reference parser this one keeps minus signs and exponents, and only accepts a bracket (``[...]``
    or ``(...)``) holding exactly six comma-separated numbers. The text before a box is where answers name it
    ("a chair at [...]"); a label written after its box is attributed to the next box.

    Args:
        answer: The answer text.

    Returns:
        ``(preceding text, box)`` pairs in reading order.
    """
    out: list[tuple[str, tuple[float, ...]]] = []
    start = 0
    for m in _LABELED_BOX.finditer(answer):
        box = tuple(float(g) for g in m.groups())
        if all(abs(v) < float("inf") for v in box):
            out.append((answer[start : m.start()], box))
        start = m.end()
    return out


def max_bipartite_matching(edges: Sequence[Sequence[bool]]) -> int:
    """Size of a maximum matching in a bipartite graph (Kuhn's augmenting paths).

    Args:
        edges: ``edges[i][j]`` is True when left node ``i`` may be paired with right node ``j``.

    Returns:
        The number of pairs in a maximum one-to-one matching.
    """
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j, ok in enumerate(edges[i]):
            if ok and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return sum(augment(i, set()) for i in range(len(edges)))


def one_to_one_matches(
    objects: Sequence[Mapping[str, Any]],
    predictions: Sequence[tuple[str, Box3D]],
    threshold: float,
    *,
    match: Matcher | None,
    iou: IoU = iou_3d,
) -> int:
    """True positives under one-to-one matching: each prediction may explain at most one object.

    Args:
        objects: Ground truth ``{"label", "bbox"}`` records.
        predictions: ``(text naming the box, box)`` pairs, e.g. from :func:`labeled_boxes_3d`.
        threshold: A pair is allowed when its IoU is strictly above this.
        match: ``match(label, text)``; a pair also needs the object's label matched in the box's text.
            None ignores categories.
        iou: The IoU function.

    Returns:
        The size of a maximum matching.
    """
    label_ok: dict[tuple[str, str], bool] = {}

    def named(label: str, text: str) -> bool:
        if match is None:
            return True
        if (label, text) not in label_ok:
            label_ok[(label, text)] = match(label, text)
        return label_ok[(label, text)]

    edges = [
        [iou(obj["bbox"], box) > threshold and named(obj["label"], text) for text, box in predictions]
        for obj in objects
    ]
    return max_bipartite_matching(edges)


def _jsonable(boxes: Iterable[Box3D]) -> list[list[float]]:
    return [[float(v) for v in box] for box in boxes]


def score_detection_3d(
    objects: Sequence[Mapping[str, Any]],
    answer: str,
    *,
    match: Matcher,
    reference_iou: IoU,
    parse: Parser | None = None,
) -> SampleScore:
    """Score one ScanNet detection answer: the reference hit count and honest one-to-one counts.

    Args:
        objects: Ground truth ``{"label", "bbox"}`` records of the scene.
        answer: The model's answer.
        match: Synonym matcher (paper: ``paper_class_match``; ChEF: ``chef_voc_class_match``); used on the whole
            answer for the reference count and on each box's preceding text for the honest counts.
        reference_iou: IoU of the reference count (paper: :func:`iou_3d_paper`; ChEF: :func:`iou_3d`).
        parse: The reference box parser (default: ``lamm_bench.parsing.boxes.parse_bbox_3d``).

    Returns:
        Values ``hits``/``gt``/``pred`` and ``tp@T``/``tp_without_category@T`` for each honest threshold T.
    """
    if parse is None:
        from lamm_bench.parsing.boxes import parse_bbox_3d as parse
    boxes = list(parse(answer))
    labeled = labeled_boxes_3d(answer)
    values: dict[str, float] = {
        "hits": float(detection_hits(objects, answer, boxes, match=match, iou=reference_iou)),
        "gt": float(len(objects)),
        "pred": float(len(labeled)),
    }
    for thr in HONEST_THRESHOLDS:
        values[f"tp@{thr}"] = float(one_to_one_matches(objects, labeled, thr, match=match))
        values[f"tp_without_category@{thr}"] = float(one_to_one_matches(objects, labeled, thr, match=None))
    parsed = {"boxes": _jsonable(boxes), "labeled_boxes": [[t, list(b)] for t, b in labeled]}
    return SampleScore(values=values, parsed=parsed, unparsed=not boxes)


def _percent(numerator: float, denominator: float) -> float:
    return 100.0 * numerator / denominator if denominator else 0.0


def aggregate_detection_3d(scores: Sequence[SampleScore]) -> dict[str, float]:
    """Pool detection counts over samples into percentages (0 where a denominator is 0).

    Returns:
        ``recall_reference@0.5`` (LAMM's number), and for each honest threshold T ``recall@T``,
        ``precision@T``, ``recall_without_category@T``, ``precision_without_category@T``.
    """

    def total(key: str) -> float:
        return float(sum(s.values[key] for s in scores))

    gt, pred = total("gt"), total("pred")
    out = {f"recall_reference@{REFERENCE_THRESHOLD}": _percent(total("hits"), gt)}
    for thr in HONEST_THRESHOLDS:
        tp, tp_any = total(f"tp@{thr}"), total(f"tp_without_category@{thr}")
        out[f"recall@{thr}"] = _percent(tp, gt)
        out[f"precision@{thr}"] = _percent(tp, pred)
        out[f"recall_without_category@{thr}"] = _percent(tp_any, gt)
        out[f"precision_without_category@{thr}"] = _percent(tp_any, pred)
    return out


def score_grounding_3d(
    target_box: Box3D,
    answer: str,
    *,
    ious: Mapping[str, IoU],
    thresholds: Sequence[float] = GROUNDING_THRESHOLDS,
    parse: Parser | None = None,
) -> SampleScore:
    """Score one ScanRefer answer: only the first parsed box counts, a hit when its IoU is strictly above T.

    Args:
        target_box: The referred object's box ``[cx, cy, cz, l, w, h]``.
        answer: The model's answer.
        ious: Metric base name -> IoU function, e.g. ``{"acc_reference": iou_3d_paper, "acc": iou_3d}``.
        thresholds: IoU thresholds.
        parse: The reference box parser (default: ``lamm_bench.parsing.boxes.parse_bbox_3d``).

    Returns:
        One 0/1 value ``<name>@<T>`` per IoU function and threshold.
    """
    if parse is None:
        from lamm_bench.parsing.boxes import parse_bbox_3d as parse
    boxes = list(parse(answer))
    first = boxes[0] if boxes else None
    values: dict[str, float] = {}
    for name, iou in ious.items():
        overlap = iou(target_box, first) if first is not None else 0.0
        for thr in thresholds:
            values[f"{name}@{thr}"] = float(first is not None and overlap > thr)
    parsed = _jsonable([first])[0] if first is not None else None
    return SampleScore(values=values, parsed=parsed, unparsed=first is None)


def aggregate_grounding_3d(scores: Sequence[SampleScore], keys: Sequence[str] | None = None) -> dict[str, float]:
    """Mean of each 0/1 grounding value, in percent.

    Args:
        scores: Per-sample scores from :func:`score_grounding_3d`.
        keys: The value names to report (default: those of the first score); with no scores each is 0.

    Returns:
        ``{key: percent}``.
    """
    if keys is None:
        keys = list(scores[0].values) if scores else []
    return {k: _percent(sum(s.values[k] for s in scores), len(scores)) for k in keys}
