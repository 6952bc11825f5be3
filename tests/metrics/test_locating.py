"""Binary locating: strict inside-the-box test for VOC objects (with label) and LSP people; pooling."""

from __future__ import annotations

import pytest
from _helpers import obj, substring_match

from lamm_bench.metrics.locating import (
    inside_box,
    locating_accuracy,
    locating_lsp_sample,
    locating_voc_sample,
    locating_voc_sample_chef,
    locating_voc_sample_paper,
)

VOC = [obj("dog", 0.1, 0.1, 0.5, 0.5), obj("cat", 0.6, 0.6, 0.9, 0.9)]


def test_inside_box_is_strict():
    assert inside_box([(0.3, 0.3)], (0.1, 0.1, 0.5, 0.5))
    assert not inside_box([(0.1, 0.3)], (0.1, 0.1, 0.5, 0.5))  # on the edge
    assert not inside_box([(0.5, 0.5)], (0.1, 0.1, 0.5, 0.5))
    assert not inside_box([], (0, 0, 1, 1))


def test_voc_sample():
    assert locating_voc_sample("The dog is at [0.3, 0.3].", VOC, substring_match) == {"correct": 1, "total": 2}
    # one point per object, both labels named
    assert locating_voc_sample("dog [0.3, 0.3], cat [0.7, 0.7]", VOC, substring_match) == {"correct": 2, "total": 2}
    # any point counts for any named object (points are not tied to labels)
    assert locating_voc_sample("cat [0.3, 0.3]", VOC, substring_match) == {"correct": 0, "total": 2}
    assert locating_voc_sample("dog cat [0.7, 0.7]", VOC, substring_match) == {"correct": 1, "total": 2}
    # no point at all: every object counts wrong
    assert locating_voc_sample("The dog is in the middle.", VOC, substring_match) == {"correct": 0, "total": 2}
    # the label is required
    assert locating_voc_sample("It is at [0.3, 0.3].", VOC, substring_match) == {"correct": 0, "total": 2}


def test_voc_sample_real_matchers_differ():
    pytest.importorskip("lamm_bench.parsing.synonyms")
    gt = [obj("dog", 0.1, 0.1, 0.5, 0.5)]
    text = "The dog, at [0.3, 0.3]."
    assert locating_voc_sample_paper(text, gt) == {"correct": 1, "total": 1}  # tokenizer splits "dog,"
    assert locating_voc_sample_chef(text, gt) == {"correct": 0, "total": 1}  # "dog," != "dog"
    assert locating_voc_sample_chef("The hound at [0.3, 0.3]", gt) == {"correct": 1, "total": 1}  # every sense


def test_lsp_sample_scales_points_by_image_size():
    joints = [[20, 10, 1], [60, 90, 1], [40, 50, 0]]  # box [20, 10, 60, 90] in pixels
    size = (200, 100)
    assert locating_lsp_sample("[0.2, 0.5]", joints, size) == {"correct": 1, "total": 1}  # (40, 50)
    assert locating_lsp_sample("[0.5, 0.2]", joints, size) == {"correct": 0, "total": 1}  # (100, 20)
    assert locating_lsp_sample("[0.1, 0.5]", joints, size) == {"correct": 0, "total": 1}  # x = 20: on the edge
    assert locating_lsp_sample("[0.5, 0.5] [0.2, 0.5]", joints, size) == {"correct": 1, "total": 1}
    assert locating_lsp_sample("somewhere", joints, size) == {"correct": 0, "total": 1}
    assert locating_lsp_sample("[0.2, 0.5]", [], size) == {"correct": 0, "total": 1}


def test_pooled_accuracy():
    voc = [{"correct": 1, "total": 2}, {"correct": 0, "total": 3}]
    lsp = [{"correct": 1, "total": 1}, {"correct": 1, "total": 1}, {"correct": 0, "total": 1}]
    assert locating_accuracy(voc + lsp) == {"accuracy": 3 / 8 * 100}  # pooled, not a mean of the two
    assert locating_accuracy(voc) == {"accuracy": 20.0}
    assert locating_accuracy([]) == {"accuracy": 0.0}
