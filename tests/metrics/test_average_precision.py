"""COCO-style AP: hand-computed values and a differential check against pycocotools' COCOeval."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from _helpers import obj

from lamm_bench.metrics.average_precision import ScoredBox, average_precision


def test_hand_computed_ap():
    gts = [[obj("dog", 0, 0, 0.5, 0.5), obj("dog", 0.5, 0.5, 1, 1)]]
    preds = [[
        ScoredBox("dog", (0, 0, 0.5, 0.5), 0.9),  # TP
        ScoredBox("dog", (0.6, 0, 0.9, 0.3), 0.8),  # FP
        ScoredBox("dog", (0.5, 0.5, 1, 1), 0.7),  # TP
    ]]
    # precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 -> monotone 1, 2/3, 2/3; recall points 0..0.5 take 1,
    # 0.51..1 take 2/3
    assert average_precision(gts, preds)["ap@0.5"] == pytest.approx((51 + 50 * 2 / 3) / 101 * 100)


def test_perfect_wrong_and_empty():
    gts = [[obj("dog", 0, 0, 0.5, 0.5)], [obj("cat", 0.1, 0.1, 0.2, 0.2)]]
    perfect = [[ScoredBox("dog", (0, 0, 0.5, 0.5), 0.5)], [ScoredBox("cat", (0.1, 0.1, 0.2, 0.2), 0.1)]]
    # COCOeval's precision is tp / (tp + fp + eps): a perfect run is 100 up to rounding
    assert average_precision(gts, perfect)["ap@0.5"] == pytest.approx(100.0)
    wrong_label = [[ScoredBox("cat", (0, 0, 0.5, 0.5), 0.5)], []]
    assert average_precision(gts, wrong_label) == {"ap@0.5": 0.0}
    assert average_precision([], []) == {"ap@0.5": 0.0}
    assert average_precision([[]], [[ScoredBox("dog", (0, 0, 1, 1), 1.0)]]) == {"ap@0.5": 0.0}
    assert average_precision(gts, perfect, iou_threshold=0.75)["ap@0.75"] == pytest.approx(100.0)
    with pytest.raises(ValueError):
        average_precision(gts, [[]])


def _random_case(seed: int):
    rng = np.random.default_rng(seed)
    labels = ["cat", "dog", "person"]
    gts, preds = [], []
    for _ in range(6):
        objs = []
        for _ in range(rng.integers(0, 4)):
            x, y = rng.random(2) * 0.6
            objs.append(obj(str(rng.choice(labels)), x, y, x + 0.1 + rng.random() * 0.3, y + 0.1 + rng.random() * 0.3))
        gts.append(objs)
        image_preds = []
        for o in objs:  # jittered copies of GT, sometimes relabelled
            if rng.random() < 0.8:
                j = rng.normal(0, 0.04, 4)
                box = tuple(float(v) for v in np.asarray(o["bbox"]) + j)
                label = o["label"] if rng.random() < 0.8 else str(rng.choice(labels))
                image_preds.append(ScoredBox(label, box, float(rng.choice([0.3, 0.5, 0.9, rng.random()]))))
        for _ in range(rng.integers(0, 3)):  # pure false positives, with tied scores
            x, y = rng.random(2) * 0.7
            image_preds.append(ScoredBox(str(rng.choice(labels)), (x, y, x + 0.2, y + 0.2), 0.5))
        preds.append(image_preds)
    return gts, preds


def _cocoeval_ap(gts, preds, iou_threshold):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    labels = sorted({o["label"] for objs in gts for o in objs} | {p.label for ps in preds for p in ps})
    cat_id = {name: i + 1 for i, name in enumerate(labels)}
    images, anns, results = [], [], []
    for img, (objs, ps) in enumerate(zip(gts, preds), start=1):
        images.append({"id": img, "width": 1, "height": 1})
        for o in objs:
            x1, y1, x2, y2 = o["bbox"]
            anns.append({"id": len(anns) + 1, "image_id": img, "category_id": cat_id[o["label"]],
                         "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1), "iscrowd": 0})
        for p in ps:
            x1, y1, x2, y2 = p.bbox
            results.append({"image_id": img, "category_id": cat_id[p.label],
                            "bbox": [x1, y1, x2 - x1, y2 - y1], "score": p.score})
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
    return float(np.mean(precision[precision > -1])) * 100


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("iou_threshold", [0.5, 0.75])
def test_matches_pycocotools(seed, iou_threshold):
    gts, preds = _random_case(seed)
    if not any(preds):
        pytest.skip("pycocotools cannot load an empty result list")
    ours = average_precision(gts, preds, iou_threshold=iou_threshold)[f"ap@{iou_threshold:g}"]
    assert ours == pytest.approx(_cocoeval_ap(gts, preds, iou_threshold), abs=1e-9)
