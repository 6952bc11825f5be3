"""3D IoU, detection and grounding metrics against hand-computed values, including the paper IoU's bugs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.metrics.det3d import (
    aggregate_detection_3d,
    aggregate_grounding_3d,
    box_corners,
    detection_hits,
    iou_3d,
    iou_3d_paper,
    labeled_boxes_3d,
    max_bipartite_matching,
    one_to_one_matches,
    score_detection_3d,
    score_grounding_3d,
)
from lamm_bench.parsing.boxes import parse_bbox_3d

UNIT = [0.5, 0.5, 0.5, 1, 1, 1]  # the cube [0, 1]^3


def substring_match(label: str, text: str) -> bool:
    """A stand-in synonym matcher, so the metric logic is tested independently of WordNet."""
    return label in text


# ---------------------------------------------------------------- IoU


def test_identical_boxes_have_iou_one():
    assert iou_3d(UNIT, UNIT) == 1.0
    assert iou_3d_paper(UNIT, UNIT) == 1.0


def test_half_overlap_along_one_axis_is_one_third():
    a, b = [0, 0, 0, 2, 2, 2], [1, 0, 0, 2, 2, 2]  # x: [-1, 1] vs [0, 2]; inter 1*2*2 = 4, union 8+8-4 = 12
    assert iou_3d(a, b) == pytest.approx(1 / 3)
    assert iou_3d_paper(a, b) == pytest.approx(1 / 3)


def test_paper_iou_is_spuriously_positive_when_two_axes_are_disjoint():
    # x and y: [0, 1] vs [1.5, 2.5] -> overlaps -0.5 and -0.5, z overlap 1; product 0.25, union 1 + 1 - 0.25.
    far = [2.0, 2.0, 0.5, 1, 1, 1]
    assert iou_3d_paper(UNIT, far) == pytest.approx(0.25 / 1.75)
    assert iou_3d(UNIT, far) == 0.0


def test_paper_iou_is_zero_when_one_or_three_axes_are_disjoint():
    one_axis = [2.0, 0.5, 0.5, 1, 1, 1]  # negative product -> "IoU" < 0 -> 0
    three_axes = [2.0, 2.0, 2.0, 1, 1, 1]  # (-0.5)^3 < 0 -> 0
    assert iou_3d_paper(UNIT, one_axis) == 0.0
    assert iou_3d_paper(UNIT, three_axes) == 0.0
    assert iou_3d(UNIT, one_axis) == 0.0


def test_mirrored_box_from_a_dropped_minus_sign():
    # Protocol §9: "-0.9, -0.9" read without signs mirrors the box through the origin in x and y. The two
    # negative overlaps (-0.8 each) multiply to 0.64, union 2 - 0.64: the paper IoU is 0.47, the true IoU 0.
    gt = [-0.9, -0.9, 0.5, 1, 1, 1]
    mirrored = [0.9, 0.9, 0.5, 1, 1, 1]
    assert iou_3d_paper(gt, mirrored) == pytest.approx(0.64 / 1.36)
    assert iou_3d(gt, mirrored) == 0.0


def test_paper_iou_above_one_is_zeroed():
    # x, y disjoint by 0.9 each: product 0.81, union 1.19 -> 0.68; with disjoint gaps of 1 the union is 1
    # and the "IoU" is exactly 1; beyond that the union shrinks below the product and the result exceeds 1.
    assert iou_3d_paper(UNIT, [2.4, 2.4, 0.5, 1, 1, 1]) == pytest.approx(0.81 / 1.19)
    assert iou_3d_paper(UNIT, [2.5, 2.5, 0.5, 1, 1, 1]) == pytest.approx(1.0)
    assert iou_3d_paper(UNIT, [2.6, 2.6, 0.5, 1, 1, 1]) == 0.0  # 1.21 / 0.79 > 1


def test_sizes_enter_through_abs():
    assert iou_3d([0, 0, 0, -2, 2, -2], [0, 0, 0, 2, 2, 2]) == 1.0
    assert iou_3d_paper([0, 0, 0, -2, 2, -2], [0, 0, 0, 2, 2, 2]) == 1.0


def test_corners_are_rounded_to_millimetres():
    assert box_corners([0.0004, 0, 0, 1, 1, 1]) == (-0.5, -0.5, -0.5, 0.5, 0.5, 0.5)
    assert iou_3d([0.0004, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1]) == 1.0


def test_degenerate_boxes_give_zero_not_a_division_error():
    flat = [0, 0, 0, 0, 0, 0]
    assert iou_3d(flat, flat) == 0.0
    assert iou_3d_paper(flat, flat) == 0.0


def test_non_finite_coordinates_give_zero():
    for bad in ([math.nan, 0, 0, 1, 1, 1], [0, 0, 0, math.inf, 1, 1], [math.inf, 0, 0, 1, 1, 1]):
        assert iou_3d(UNIT, bad) == 0.0
        assert iou_3d_paper(UNIT, bad) == 0.0
    assert score_grounding_3d(UNIT, "[nan, 0, 0, 1, 1, 1]", ious={"acc": iou_3d_paper}).values["acc@0.25"] == 0.0


finite = st.floats(min_value=-10, max_value=10, allow_nan=False)
boxes = st.lists(finite, min_size=6, max_size=6)


@settings(max_examples=200, deadline=None)
@given(boxes, boxes)
def test_iou_properties(a, b):
    clamped, paper = iou_3d(a, b), iou_3d_paper(a, b)
    assert 0.0 <= clamped <= 1.0 + 1e-12
    assert 0.0 <= paper <= 1.0
    assert clamped == pytest.approx(iou_3d(b, a))
    ca, cb = box_corners(a), box_corners(b)
    overlaps = [min(ca[i + 3], cb[i + 3]) - max(ca[i], cb[i]) for i in range(3)]
    if all(d >= 0 for d in overlaps):
        assert paper == pytest.approx(clamped)  # the bug only bites when some axis is disjoint


# ---------------------------------------------------------------- matching


def test_max_bipartite_matching():
    assert max_bipartite_matching([]) == 0
    assert max_bipartite_matching([[True], [True]]) == 1
    # greedy would give object 0 prediction 0 and leave object 1 unmatched; augmenting paths find 2
    assert max_bipartite_matching([[True, True], [True, False]]) == 2
    assert max_bipartite_matching([[False, False], [False, False]]) == 0


def test_labeled_boxes_keep_signs_and_preceding_text():
    text = "A chair: [-1, 2.5e-1, 3, 1, 1, 1], a table (1, 2, 3, 4, 5, 6). Noise [1, 2, 3]."
    assert labeled_boxes_3d(text) == [
        ("A chair: ", (-1.0, 0.25, 3.0, 1.0, 1.0, 1.0)),
        (", a table ", (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)),
    ]
    assert labeled_boxes_3d("no boxes here 1, 2, 3, 4, 5, 6") == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_labeled_boxes_never_crash(text):
    for context, box in labeled_boxes_3d(text):
        assert len(box) == 6 and all(math.isfinite(v) for v in box)
        assert context in text


# ---------------------------------------------------------------- detection

CHAIR = {"label": "chair", "bbox": [0, 0, 0.5, 1, 1, 1]}
TABLE = {"label": "table", "bbox": [3, 0, 0.5, 2, 1, 1]}


def test_detection_reference_needs_label_anywhere_and_any_box():
    answer = "There is a chair [0, 0, 0.5, 1, 1, 1] and a sofa [3, 0, 0.5, 2, 1, 1]."
    score = score_detection_3d([CHAIR, TABLE], answer, match=substring_match, reference_iou=iou_3d_paper)
    v = score.values
    # the table's box is right but "table" is never said: no hit; the chair is found
    assert (v["hits"], v["gt"], v["pred"]) == (1, 2, 2)
    assert v["tp@0.5"] == 1 and v["tp_without_category@0.5"] == 2
    assert v["tp@0.25"] == 1 and v["tp_without_category@0.25"] == 2
    assert score.parsed["boxes"] == [[0, 0, 0.5, 1, 1, 1], [3, 0, 0.5, 2, 1, 1]]
    assert not score.unparsed
    agg = aggregate_detection_3d([score])
    assert agg["recall_reference@0.5"] == 50.0
    assert agg["recall@0.5"] == 50.0 and agg["precision@0.5"] == 50.0
    assert agg["recall_without_category@0.5"] == 100.0 and agg["precision_without_category@0.5"] == 100.0


def test_detection_reference_is_not_one_to_one():
    a = {"label": "chair", "bbox": [0, 0, 0.5, 1, 1, 1]}
    b = {"label": "chair", "bbox": [0.05, 0, 0.5, 1, 1, 1]}
    answer = "chair [0.02, 0, 0.5, 1, 1, 1]"  # IoU 0.96 with a and 0.94 with b
    score = score_detection_3d([a, b], answer, match=substring_match, reference_iou=iou_3d_paper)
    assert score.values["hits"] == 2  # one box explains both objects in the reference
    assert score.values["tp@0.5"] == 1  # but only one under one-to-one matching


def test_detection_threshold_is_strict():
    # x overlap 0.5 of 1: IoU = 0.5 / 1.5 = 1/3; exactly-at-threshold never counts
    boxes = [[0.5, 0, 0.5, 1, 1, 1]]
    assert detection_hits([CHAIR], "chair", boxes, match=substring_match, iou=iou_3d, threshold=1 / 3) == 0
    assert detection_hits([CHAIR], "chair", boxes, match=substring_match, iou=iou_3d, threshold=0.33) == 1


def test_detection_paper_counts_a_disjoint_box_chef_does_not():
    gt = {"label": "chair", "bbox": UNIT}
    answer = "chair [2.4, 2.4, 0.5, 1, 1, 1]"  # disjoint in x and y: paper IoU 0.68 > 0.5
    paper = score_detection_3d([gt], answer, match=substring_match, reference_iou=iou_3d_paper)
    chef = score_detection_3d([gt], answer, match=substring_match, reference_iou=iou_3d)
    assert paper.values["hits"] == 1
    assert chef.values["hits"] == 0
    assert paper.values["tp_without_category@0.25"] == 0  # honest metrics always clamp


def test_detection_unparsed_and_all_wrong():
    score = score_detection_3d([CHAIR, TABLE], "I see furniture.", match=substring_match, reference_iou=iou_3d_paper)
    assert score.unparsed and score.values["hits"] == 0 and score.values["pred"] == 0
    agg = aggregate_detection_3d([score])
    assert agg["recall_reference@0.5"] == 0.0 and agg["precision@0.5"] == 0.0


def test_detection_all_right_and_pooling():
    right = score_detection_3d(
        [CHAIR, TABLE],
        "chair [0, 0, 0.5, 1, 1, 1]; table [3, 0, 0.5, 2, 1, 1]",
        match=substring_match,
        reference_iou=iou_3d_paper,
    )
    wrong = score_detection_3d([CHAIR], "chair [9, 9, 9, 1, 1, 1]", match=substring_match, reference_iou=iou_3d_paper)
    assert aggregate_detection_3d([right])["recall@0.5"] == 100.0
    pooled = aggregate_detection_3d([right, wrong])  # objects pooled: 2 of 3 found, 2 of 3 boxes right
    assert pooled["recall_reference@0.5"] == pytest.approx(200 / 3)
    assert pooled["precision@0.25"] == pytest.approx(200 / 3)


def test_detection_aggregate_empty():
    agg = aggregate_detection_3d([])
    assert agg["recall_reference@0.5"] == 0.0 and set(agg) >= {"recall@0.25", "precision_without_category@0.5"}


def test_one_to_one_category_uses_text_before_each_box():
    predictions = [(" table ", (0, 0, 0.5, 1, 1, 1)), (" chair ", (3, 0, 0.5, 2, 1, 1))]  # labels swapped
    assert one_to_one_matches([CHAIR, TABLE], predictions, 0.5, match=substring_match) == 0
    assert one_to_one_matches([CHAIR, TABLE], predictions, 0.5, match=None) == 2


def test_detection_with_the_real_matchers():
    from lamm_bench.parsing.synonyms import chef_voc_class_match, paper_class_match

    answer = "a chair, at [0, 0, 0.5, 1, 1, 1]"
    # the paper tokenizes ("chair" ","), ChEF splits on spaces ("chair," never equals "chair")
    assert score_detection_3d([CHAIR], answer, match=paper_class_match, reference_iou=iou_3d_paper).values["hits"] == 1
    assert score_detection_3d([CHAIR], answer, match=chef_voc_class_match, reference_iou=iou_3d).values["hits"] == 0


# ---------------------------------------------------------------- grounding

BOTH = {"acc_reference": iou_3d_paper, "acc": iou_3d}


def test_grounding_first_box_only():
    gt = [0, 0, 0.5, 1, 1, 1]
    score = score_grounding_3d(gt, "[5, 5, 5, 1, 1, 1] or maybe [0, 0, 0.5, 1, 1, 1]", ious=BOTH)
    assert score.values == {"acc_reference@0.25": 0.0, "acc_reference@0.5": 0.0, "acc@0.25": 0.0, "acc@0.5": 0.0}
    assert score.parsed == [5, 5, 5, 1, 1, 1]


def test_grounding_thresholds_hand_computed():
    gt = [0, 0, 0, 2, 2, 2]
    third = score_grounding_3d(gt, "It is at [1, 0, 0, 2, 2, 2].", ious=BOTH)  # IoU 1/3
    assert third.values == {"acc_reference@0.25": 1.0, "acc_reference@0.5": 0.0, "acc@0.25": 1.0, "acc@0.5": 0.0}
    exact = score_grounding_3d(gt, "[0, 0, 0, 2, 2, 2]", ious=BOTH)
    none = score_grounding_3d(gt, "I cannot tell.", ious=BOTH)
    assert none.unparsed and none.parsed is None and not any(none.values.values())
    agg = aggregate_grounding_3d([third, exact, none, exact])
    assert agg == {"acc_reference@0.25": 75.0, "acc_reference@0.5": 50.0, "acc@0.25": 75.0, "acc@0.5": 50.0}


def test_grounding_dropped_minus_signs_stack_with_the_paper_iou():
    # Protocol §9 "3D bugs stack": unbracketed numbers go through the digit regex, which drops minus signs,
    # and the unclamped IoU then credits the mirrored box at 0.25.
    gt = [-0.9, -0.9, 0.5, 1, 1, 1]
    answer = "The chair is at -0.9, -0.9, 0.5, 1, 1, 1."
    assert parse_bbox_3d(answer) == [(0.9, 0.9, 0.5, 1.0, 1.0, 1.0)]
    v = score_grounding_3d(gt, answer, ious=BOTH).values
    assert v == {"acc_reference@0.25": 1.0, "acc_reference@0.5": 0.0, "acc@0.25": 0.0, "acc@0.5": 0.0}
    bracketed = score_grounding_3d(gt, "[-0.9, -0.9, 0.5, 1, 1, 1]", ious=BOTH).values
    assert all(x == 1.0 for x in bracketed.values())


def test_grounding_aggregate_empty_and_injected_parser():
    assert aggregate_grounding_3d([], ["acc@0.5"]) == {"acc@0.5": 0.0}
    assert aggregate_grounding_3d([]) == {}
    score = score_grounding_3d(UNIT, "anything", ious={"acc": iou_3d}, thresholds=(0.5,), parse=lambda t: [UNIT])
    assert score.values == {"acc@0.5": 1.0}
