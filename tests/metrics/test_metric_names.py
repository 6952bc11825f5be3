"""Every metric name the 2D aggregates emit is registered with a direction (leaderboard arrows need it)."""

from __future__ import annotations

from lamm_bench.metrics import higher_is_better
from lamm_bench.metrics.caption import bleu4_paper_aggregate, coco_caption_scores
from lamm_bench.metrics.counting import counting_chef_aggregate, counting_paper_aggregate
from lamm_bench.metrics.detection import (
    answer_order_ap_aggregate,
    chef_detection_aggregate,
    matching_aggregate,
    paper_detection_aggregate,
)
from lamm_bench.metrics.keypoints import pck_aggregate
from lamm_bench.metrics.locating import locating_accuracy
from lamm_bench.metrics.ocr import word_accuracy


def test_all_emitted_names_are_registered():
    outputs = [
        bleu4_paper_aggregate([]),
        coco_caption_scores({}, {}),
        answer_order_ap_aggregate([]),
        counting_chef_aggregate([]),
        counting_paper_aggregate([]),
        chef_detection_aggregate([]),
        matching_aggregate([]),
        paper_detection_aggregate([]),
        pck_aggregate([]),
        locating_accuracy([]),
        word_accuracy([]),
    ]
    names = {name for out in outputs for name in out}
    assert len(names) == 34
    lower_is_better = {n for n in names if not higher_is_better(n)}
    assert lower_is_better == {"mae", "mae_gt_lt10", "clipped_error"}
    assert all(v == 0.0 for out in outputs for v in out.values())  # empty input: defined, no division by zero
