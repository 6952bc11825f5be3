"""COCO-style AP: hand-computed values and a differential check against pycocotools' COCOeval, for scored boxes
and for the answer-order, category-agnostic AP of the ``voc2012`` task."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from _helpers import obj
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamm_bench.metrics.average_precision import answer_order_scores, evaluate_image, pooled_ap
from lamm_bench.metrics.detection import answer_order_ap_aggregate, answer_order_ap_sample
from lamm_bench.parsing.boxes import parse_bbox


def _ap(gt_boxes, scored, iou_threshold=0.5):
    """Pooled AP over images: ``gt_boxes`` per image, ``scored`` per image as ``(box, score)`` pairs."""
    return pooled_ap([evaluate_image(g, d, iou_threshold=iou_threshold) for g, d in zip(gt_boxes, scored)])


def test_hand_computed_ap():
    gts = [[(0, 0, 0.5, 0.5), (0.5, 0.5, 1, 1)]]
    dets = [[((0, 0, 0.5, 0.5), 0.9), ((0.6, 0, 0.9, 0.3), 0.8), ((0.5, 0.5, 1, 1), 0.7)]]  # TP, FP, TP
    # precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 -> monotone 1, 2/3, 2/3; recall points 0..0.5 take 1,
    # 0.51..1 take 2/3
    assert _ap(gts, dets) == pytest.approx((51 + 50 * 2 / 3) / 101 * 100)
    assert evaluate_image(gts[0], dets[0]).outcomes == ("tp", "fp", "tp")
    # scores, not input order, rank: the same detections listed FP first give the same AP
    assert _ap(gts, [dets[0][::-1]]) == _ap(gts, dets)


def test_perfect_and_empty():
    gts = [[(0, 0, 0.5, 0.5)], [(0.1, 0.1, 0.2, 0.2)]]
    perfect = [[((0, 0, 0.5, 0.5), 0.5)], [((0.1, 0.1, 0.2, 0.2), 0.1)]]
    # COCOeval's precision is tp / (tp + fp + eps): a perfect run is 100 up to rounding
    assert _ap(gts, perfect) == pytest.approx(100.0)
    assert _ap(gts, perfect, iou_threshold=0.75) == pytest.approx(100.0)
    assert _ap(gts, [[], []]) == 0.0
    assert pooled_ap([]) == 0.0
    assert _ap([[]], [[((0, 0, 1, 1), 1.0)]]) == 0.0  # no GT box: COCOeval's -1, 0.0 here


def _random_case(seed: int):
    """Six images of jittered GT copies and false positives, with scores tied within and across images."""
    rng = np.random.default_rng(seed)
    gts, dets = [], []
    for _ in range(6):
        boxes = []
        for _ in range(rng.integers(0, 4)):
            x, y = rng.random(2) * 0.6
            boxes.append((x, y, x + 0.1 + rng.random() * 0.3, y + 0.1 + rng.random() * 0.3))
        gts.append(boxes)
        scored = []
        for box in boxes:
            if rng.random() < 0.8:
                jittered = tuple(float(v) for v in np.asarray(box) + rng.normal(0, 0.04, 4))
                scored.append((jittered, float(rng.choice([0.3, 0.5, 0.9, rng.random()]))))
        for _ in range(rng.integers(0, 3)):
            x, y = rng.random(2) * 0.7
            scored.append(((x, y, x + 0.2, y + 0.2), 0.5))
        dets.append(scored)
    return gts, dets


def _cocoeval(gts, preds, iou_threshold):
    """COCOeval's AP at one IoU threshold (area "all", 100 detections), in percent; -1 where no category has GT.

    ``gts``: per image, ``(label, (x1, y1, x2, y2))``; ``preds``: per image, ``(label, box, score)``.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    labels = sorted({g[0] for objs in gts for g in objs} | {p[0] for ps in preds for p in ps})
    cat_id = {name: i + 1 for i, name in enumerate(labels)}
    images, anns, results = [], [], []
    for img, (objs, ps) in enumerate(zip(gts, preds), start=1):
        images.append({"id": img, "width": 1, "height": 1})
        for label, (x1, y1, x2, y2) in objs:
            anns.append({"id": len(anns) + 1, "image_id": img, "category_id": cat_id[label],
                         "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1), "iscrowd": 0})
        for label, (x1, y1, x2, y2), score in ps:
            results.append({"image_id": img, "category_id": cat_id[label],
                            "bbox": [x1, y1, x2 - x1, y2 - y1], "score": score})
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = {"images": images, "annotations": anns,
                        "categories": [{"id": i, "name": n} for n, i in cat_id.items()]}
        coco.createIndex()
        evaluator = COCOeval(coco, coco.loadRes(results), "bbox")
        evaluator.params.iouThrs = np.array([iou_threshold])
        evaluator.evaluate()
        evaluator.accumulate()
    precision = evaluator.eval["precision"][0, :, :, 0, -1]  # area "all", maxDets 100
    return float(np.mean(precision[precision > -1])) * 100 if (precision > -1).any() else -1.0


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("iou_threshold", [0.5, 0.75])
def test_matches_pycocotools(seed, iou_threshold):
    gts, dets = _random_case(seed)
    if not any(dets):
        pytest.skip("pycocotools cannot load an empty result list")
    reference = _cocoeval([[("object", b) for b in boxes] for boxes in gts],
                          [[("object", b, s) for b, s in scored] for scored in dets], iou_threshold)  # fmt: skip
    assert _ap(gts, dets, iou_threshold) == (0.0 if reference == -1.0 else reference)


# --- answer-order AP (the voc2012 task's ap@0.5) ----------------------------------------------------------------


def _answer_order_ap(gts, answers, threshold=0.5):
    """Ours, through the functions the task calls: parse each answer's boxes, match per image, pool."""
    per_sample = [
        answer_order_ap_sample(objs, parse_bbox(text), threshold=threshold) for objs, text in zip(gts, answers)
    ]
    return answer_order_ap_aggregate(per_sample, threshold=threshold)[f"ap@{threshold:g}"]


def _answer_order_reference(gts, answers, threshold=0.5):
    """COCOeval on the same boxes: one class, the k-th box of an answer scored 1 / (k + 1)."""
    boxes = [parse_bbox(text) for text in answers]
    if not any(boxes):  # pycocotools cannot load an empty result list: no detection, AP 0
        return 0.0
    preds = [[("object", b, s) for b, s in zip(bs, answer_order_scores(len(bs)))] for bs in boxes]
    value = _cocoeval([[("object", o["bbox"]) for o in objs] for objs in gts], preds, threshold)
    return 0.0 if value == -1.0 else value  # no GT box anywhere: COCOeval's -1, our 0.0


def _text(boxes):
    return "Here: " + ", ".join(f"dog [{x1:g}, {y1:g}, {x2:g}, {y2:g}]" for x1, y1, x2, y2 in boxes)


HAND_MADE = [  # (GT boxes per image, answer boxes per image)
    ([[(0, 0, 0.5, 0.5)]], [[(0.6, 0.6, 0.9, 0.9), (0, 0, 0.5, 0.5)]]),  # wrong box first
    ([[(0, 0, 0.5, 0.5)], [(0, 0, 0.5, 0.5)]], [[(0.6, 0.6, 0.9, 0.9), (0, 0, 0.5, 0.5)], [(0, 0, 0.5, 0.5)]]),
    ([[(0, 0, 0.5, 0.5)], [(0, 0, 0.5, 0.5)]], [[(0, 0, 0.5, 0.5)], [(0.6, 0.6, 0.9, 0.9), (0, 0, 0.5, 0.5)]]),
    ([[(0, 0, 1, 1)]], [[(0, 0, 1, 0.5)]]),  # IoU exactly 0.5: a match (>=)
    ([[(0, 0, 0.5, 0.5), (0, 0, 0.5, 0.5)]], [[(0, 0, 0.5, 0.5)] * 3]),  # twin GT, three copies: one FP
    ([[(0, 0, 0.4, 0.4), (0.1, 0.1, 0.5, 0.5)]], [[(0.05, 0.05, 0.45, 0.45)] * 2]),  # greedy: best IoU first
    ([[(0.5, 0.5, 0.1, 0.9)], [(0, 0, 0.5, 0.5)]], [[(0.1, 0.5, 0.5, 0.9)], [(0, 0, 0.5, 0.5)]]),  # area < 0: ignored
    ([[(0, 0, 0.5, 0.5)]], [[(0, 0, 2e5, 2e5), (0.6, 0.6, 0.9, 0.9), (0, 0, 0.5, 0.5)]]),  # area > 1e10: ignored
    ([[], [(0, 0, 0.5, 0.5)]], [[(0, 0, 0.5, 0.5)], []]),  # a box where there is no GT, a GT with no box
    ([[(0, 0, 0.5, 0.5)]], [[]]),  # no box at all
    ([[]], [[(0, 0, 0.5, 0.5)]]),  # no GT at all
    ([[(0.01 * i, 0, 0.01 * i + 0.3, 0.3) for i in range(3)]], [[(0.9, 0.9, 1, 1)] * 99 + [(0, 0, 0.3, 0.3)] * 3]),
]  # fmt: skip


@pytest.mark.parametrize(("gt_boxes", "answer_boxes"), HAND_MADE)
def test_answer_order_ap_matches_cocoeval_hand_made(gt_boxes, answer_boxes):
    gts = [[obj("dog", *b) for b in boxes] for boxes in gt_boxes]
    answers = [_text(boxes) for boxes in answer_boxes]
    assert _answer_order_ap(gts, answers) == _answer_order_reference(gts, answers)


def test_answer_order_ap_hand_computed():
    gts = [[obj("dog", 0, 0, 0.5, 0.5)]]
    assert _answer_order_ap(gts, [_text([(0.6, 0.6, 0.9, 0.9), (0, 0, 0.5, 0.5)])]) == pytest.approx(50.0)
    assert _answer_order_ap(gts, [_text([(0, 0, 0.5, 0.5), (0.6, 0.6, 0.9, 0.9)])]) == pytest.approx(100.0)
    # only the first 100 boxes count: the right box in 101st place is dropped
    assert _answer_order_ap(gts, [_text([(0.6, 0.6, 0.9, 0.9)] * 100 + [(0, 0, 0.5, 0.5)])]) == 0.0
    assert answer_order_ap_aggregate([]) == {"ap@0.5": 0.0}
    # a GT box with a negative area does not count (and no box can reach IoU > 0 with it); an unmatched box
    # larger than COCO's area range (1e10) is ignored, neither TP nor FP
    sample = answer_order_ap_sample([obj("dog", 0.5, 0.5, 0.1, 0.9)], [(0.1, 0.5, 0.5, 0.9), (0, 0, 2e5, 2e5)])
    assert sample == {"matches": ["fp", "ignored"], "n_gt": 0}


_coord = st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.8, 1.0])  # a grid: exact IoU ties
_box = st.tuples(_coord, _coord, _coord, _coord)


@st.composite
def _case(draw):
    n = draw(st.integers(1, 4))
    gt_boxes = [draw(st.lists(_box, max_size=4)) for _ in range(n)]
    answers = []
    for boxes in gt_boxes:
        pool = boxes + draw(st.lists(_box, max_size=3))
        answers.append(draw(st.lists(st.sampled_from(pool), max_size=6)) if pool else [])
    return gt_boxes, answers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_case(), st.sampled_from([0.5, 0.25]))
def test_answer_order_ap_matches_cocoeval_generated(case, threshold):
    gt_boxes, answer_boxes = case
    gts = [[obj("dog", *b) for b in boxes] for boxes in gt_boxes]  # corners drawn freely: some areas negative
    answers = [_text(boxes) for boxes in answer_boxes]  # parse_bbox swaps or drops inverted boxes
    assert _answer_order_ap(gts, answers, threshold) == _answer_order_reference(gts, answers, threshold)
