"""VOC detection: paper recall-called-mAP, honest one-to-one matching, ChEF's float32 Kuhn matching."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _helpers import obj, substring_match
from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.metrics.detection import (
    box_iou,
    chef_detection_aggregate,
    chef_detection_sample,
    chef_iou_matrix,
    chef_kuhn_matching,
    matching_aggregate,
    matching_counts,
    paper_detection_aggregate,
    paper_detection_sample,
)

# IoU(A, p1)=0.7, IoU(A, p2)=0.9, IoU(B, p1)=0.714, IoU(B, p2)=0.556: at 0.6 only an augmenting path pairs both.
A, B = obj("cat", 0, 0, 1, 1), obj("dog", 0, 0, 0.5, 1)
P1, P2 = (0.0, 0.0, 0.7, 1.0), (0.0, 0.0, 0.9, 1.0)


def test_box_iou():
    assert box_iou([0, 0, 1, 1], [0, 0, 1, 1]) == 1.0
    assert box_iou([0, 0, 1, 1], [2, 2, 3, 3]) == 0.0
    assert box_iou([0, 0, 1, 1], [0.5, 0, 1.5, 1]) == pytest.approx(1 / 3)
    assert math.isnan(box_iou([0.2, 0.2, 0.2, 0.2], [0.2, 0.2, 0.2, 0.2]))  # 0/0, never a hit


def test_paper_detection_hit_and_label_rules():
    gt = [obj("dog", 0, 0, 0.5, 0.5)]
    assert paper_detection_sample(gt, "a dog at [0, 0, 0.5, 0.5]", match=substring_match) == {"hits": 1, "gt": 1}
    assert paper_detection_sample(gt, "a cat at [0, 0, 0.5, 0.5]", match=substring_match)["hits"] == 0
    # the label may appear anywhere: the box next to "cat" still counts for the dog
    assert paper_detection_sample(gt, "cat [0, 0, 0.5, 0.5], dog", match=substring_match)["hits"] == 1
    assert paper_detection_sample(gt, "a dog somewhere", match=substring_match) == {"hits": 0, "gt": 1}


def test_paper_detection_is_strict_and_not_one_to_one():
    half = [obj("dog", 0, 0, 1, 1)]
    text = "dog [0, 0, 1, 0.5]"  # IoU exactly 0.5
    assert paper_detection_sample(half, text, match=substring_match)["hits"] == 0
    assert paper_detection_sample(half, text, match=substring_match, threshold=0.49)["hits"] == 1
    twins = [obj("dog", 0, 0, 0.5, 0.5), obj("dog", 0, 0, 0.5, 0.5)]
    one_box = "dog [0, 0, 0.5, 0.5]"
    assert paper_detection_sample(twins, one_box, match=substring_match) == {"hits": 2, "gt": 2}
    assert matching_counts(twins, [(0, 0, 0.5, 0.5)], thresholds=(0.5,))["tp@0.5"] == 1


def test_paper_detection_aggregate():
    assert paper_detection_aggregate([{"hits": 2, "gt": 3}, {"hits": 0, "gt": 1}]) == {"recall_reference@0.5": 50.0}
    assert paper_detection_aggregate([]) == {"recall_reference@0.5": 0.0}


def test_matching_counts_uses_augmenting_paths():
    counts = matching_counts([A, B], [P1, P2], thresholds=(0.6,))
    assert counts == {"n_gt": 2, "n_pred": 2, "tp@0.6": 2}


def test_matching_counts_with_categories():
    counts = matching_counts([A, B], [P1, P2], ["dog", "cat"], thresholds=(0.6, 0.8), match=substring_match)
    # 0.6: A-p2 (cat/cat) and B-p1 (dog/dog); 0.8: only A-p2 (0.9) and B-p1 is 0.714 < 0.8
    assert counts["tp@0.6"] == 2 and counts["tp_with_category@0.6"] == 2
    assert counts["tp@0.8"] == 1 and counts["tp_with_category@0.8"] == 1
    swapped = matching_counts([A, B], [P1, P2], ["cat", "dog"], thresholds=(0.6,), match=substring_match)
    assert swapped["tp_with_category@0.6"] == 1  # only A-p1 (cat) remains possible
    whole = matching_counts([A, B], [P1, P2], "a cat", thresholds=(0.6,), match=substring_match)
    assert whole["tp_with_category@0.6"] == 1  # one answer text for all boxes: only the cat can match


def test_matching_counts_threshold_is_inclusive_and_handles_empty():
    half = [obj("dog", 0, 0, 1, 1)]
    assert matching_counts(half, [(0, 0, 1, 0.5)], thresholds=(0.5,))["tp@0.5"] == 1
    assert matching_counts([], [(0, 0, 1, 1)]) == {"n_gt": 0, "n_pred": 1, "tp@0.5": 0, "tp@0.25": 0}
    assert matching_counts(half, []) == {"n_gt": 1, "n_pred": 0, "tp@0.5": 0, "tp@0.25": 0}
    with pytest.raises(ValueError):
        matching_counts(half, [(0, 0, 1, 1)], ["a", "b"], match=substring_match)


def test_matching_aggregate():
    samples = [
        {"n_gt": 3, "n_pred": 2, "tp@0.5": 2, "tp_with_category@0.5": 1},
        {"n_gt": 1, "n_pred": 2, "tp@0.5": 0, "tp_with_category@0.5": 0},
    ]
    out = matching_aggregate(samples, thresholds=(0.5,))
    assert out["recall@0.5"] == pytest.approx(50.0)
    assert out["precision@0.5"] == pytest.approx(50.0)
    assert out["f1@0.5"] == pytest.approx(50.0)
    assert out["recall_with_category@0.5"] == pytest.approx(25.0)
    assert out["precision_with_category@0.5"] == pytest.approx(25.0)
    assert out["f1_with_category@0.5"] == pytest.approx(25.0)
    no_cat = matching_aggregate([{"n_gt": 2, "n_pred": 4, "tp@0.5": 2}], thresholds=(0.5,))
    assert no_cat == {"recall@0.5": 100.0, "precision@0.5": 50.0, "f1@0.5": pytest.approx(200 / 3)}
    empty = matching_aggregate([])
    assert set(empty.values()) == {0.0} and "f1_with_category@0.25" in empty


def test_chef_iou_matrix_is_float32_like_torchvision():
    torch = pytest.importorskip("torch")
    ops = pytest.importorskip("torchvision.ops")
    rng = np.random.default_rng(0)
    corners = rng.random((2, 9, 4))
    boxes = [np.concatenate([np.minimum(c[:, :2], c[:, 2:]), np.maximum(c[:, :2], c[:, 2:])], 1) for c in corners]
    gt, pred = boxes[0].tolist(), boxes[1].tolist()
    expected = ops.box_iou(torch.tensor(gt), torch.tensor(pred)).numpy()
    assert np.array_equal(chef_iou_matrix(gt, pred), expected)


def test_chef_float32_iou_decides_the_threshold():
    gt = [obj("dog", 0.0, 0.0, 1.0, 1.0)]
    text = "The dog object is at [0.0, 0.0, 1.0, 0.49999999]."
    assert box_iou(gt[0]["bbox"], (0.0, 0.0, 1.0, 0.49999999)) < 0.5  # float64 says no...
    counts = chef_detection_sample(gt, text, match=substring_match)
    assert counts["tp@0.5"] == 1  # ...float32 (as torchvision) rounds the box to 0.5: a match


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 6), st.integers(0, 6), st.integers(0, 2**36 - 1))
def test_kuhn_matching_is_maximum(n_gt, n_pred, bits):
    edges = np.array([(bits >> i) & 1 for i in range(n_gt * n_pred)], dtype=bool).reshape(n_gt, n_pred)
    owner = chef_kuhn_matching(edges)
    matched = [(g, p) for g, p in enumerate(owner) if p != -1]
    assert all(edges[g, p] for g, p in matched)
    assert len({p for _, p in matched}) == len(matched)  # one-to-one
    if n_gt and n_pred:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import maximum_bipartite_matching

        best = (maximum_bipartite_matching(csr_matrix(edges.astype(np.int8))) >= 0).sum()
        assert len(matched) == best


def test_chef_detection_sample():
    gt = [A, B]
    text = "The dog object is at [0.0, 0.0, 0.7, 1.0]. The cat object is at [0.0, 0.0, 0.9, 1.0]."
    counts = chef_detection_sample(gt, text, thresholds=(0.6,), match=substring_match)
    assert counts == {"num_gt": 2, "num_pred": 2, "malformed": 0, "tp@0.6": 2, "tp_with_category@0.6": 2}
    wrong = "The cat object is at [0.0, 0.0, 0.7, 1.0]. The dog object is at [0.0, 0.0, 0.9, 1.0]."
    counts = chef_detection_sample(gt, wrong, thresholds=(0.6,), match=substring_match)
    assert counts["tp@0.6"] == 2 and counts["tp_with_category@0.6"] == 1
    nothing = chef_detection_sample(gt, "I see a cat.", match=substring_match)
    assert nothing["num_pred"] == 0 and nothing["num_gt"] == 2 and nothing["tp@0.5"] == 0
    no_gt = chef_detection_sample([], text, match=substring_match)  # the reference crashes here
    assert no_gt["num_pred"] == 2 and no_gt["tp_with_category@0.25"] == 0
    bad = chef_detection_sample(gt, "The dog object is at [0.1.2, 0, 1, 1].", match=substring_match)
    assert bad["malformed"] == 1 and bad["num_pred"] == 0


def test_chef_detection_aggregate_matches_torch_arithmetic():
    torch = pytest.importorskip("torch")
    samples = [
        {"num_gt": 2, "num_pred": 1, "tp@0.5": 1, "tp_with_category@0.5": 1},
        {"num_gt": 1, "num_pred": 0, "tp@0.5": 0, "tp_with_category@0.5": 0},
    ]
    out = chef_detection_aggregate(samples, thresholds=(0.5,))
    assert out["recall_with_category@0.5"] == (torch.tensor(1) / 3 * 100).item()  # 33.333335876464844
    assert out["precision_with_category@0.5"] == (torch.tensor(1) / (1 + 1e-7) * 100).item()
    assert out["recall_without_category@0.5"] == pytest.approx(100 / 3, rel=1e-6)
    assert chef_detection_aggregate([]) == dict.fromkeys(
        [f"{m}@{t}" for t in ("0.5", "0.25") for m in
         ("recall_with_category", "precision_with_category", "recall_without_category", "precision_without_category")],
        0.0,
    )


def test_real_synonyms_motorbike():
    pytest.importorskip("lamm_bench.parsing.synonyms")
    gt = [obj("motorbike", 0.1, 0.2, 0.3, 0.4)]
    text = "The motorcycle object is at [0.1, 0.2, 0.3, 0.4]."
    # paper: motorbike's first synset is minibike, so "motorcycle" never matches (protocol §9)
    assert paper_detection_sample(gt, text) == {"hits": 0, "gt": 1}
    assert paper_detection_sample(gt, "A motorbike at [0.1, 0.2, 0.3, 0.4].") == {"hits": 1, "gt": 1}
    # ChEF: the VOC synonym table maps motorcycle -> motorbike
    assert chef_detection_sample(gt, text)["tp_with_category@0.5"] == 1
    # ...but punctuation glued to a word breaks ChEF's space-split matcher
    assert chef_detection_sample([obj("dog", 0.1, 0.2, 0.3, 0.4)], "The dog, object is at [0.1, 0.2, 0.3, 0.4].")[
        "tp_with_category@0.5"
    ] == 0


_coord = st.floats(0, 1, allow_nan=False)
_box = st.tuples(_coord, _coord, _coord, _coord).map(
    lambda b: (min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3]))
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["cat", "dog"]), _box), max_size=5),
    st.lists(st.tuples(st.sampled_from(["cat", "dog", "cow"]), _box), max_size=5),
)
def test_matching_invariants(gts, preds):
    gt_objects = [obj(label, *box) for label, box in gts]
    boxes, labels = [b for _, b in preds], [label for label, _ in preds]
    counts = matching_counts(gt_objects, boxes, labels, match=substring_match)
    chef = chef_detection_sample(
        gt_objects,
        ". ".join(f"The {label} object is at [{', '.join(f'{v:.4f}' for v in b)}]" for label, b in preds),
        match=substring_match,
    )
    for t in ("0.5", "0.25"):
        assert counts[f"tp_with_category@{t}"] <= counts[f"tp@{t}"] <= min(len(gts), len(preds))
        assert chef[f"tp_with_category@{t}"] <= chef[f"tp@{t}"]
    assert counts["tp@0.5"] <= counts["tp@0.25"]
    assert chef["num_pred"] == len(preds)
    # the paper's any-box recall is never below the one-to-one recall with the same boxes and labels
    text = " ".join(f"{label} [{', '.join(repr(v) for v in b)}]" for label, b in preds)
    paper = paper_detection_sample(gt_objects, text, match=substring_match)
    above = float(np.nextafter(0.5, 1.0))  # the paper's "> 0.5" as an inclusive threshold
    whole = matching_counts(gt_objects, boxes, text, thresholds=(above,), match=substring_match)
    assert paper["hits"] >= whole[f"tp_with_category@{above:g}"]
