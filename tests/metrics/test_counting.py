"""FSC147 counting: paper MAE (and its gt<10 subset) vs ChEF's clipped error and exact match."""

from __future__ import annotations

import pytest

from lamm_bench.metrics.counting import (
    counting_chef_aggregate,
    counting_chef_sample,
    counting_paper_aggregate,
    counting_paper_sample,
)


def test_paper_sample():
    assert counting_paper_sample("There are 7 apples.", 5) == {"abs_error": 2, "gt": 5, "unparsed": 0}
    assert counting_paper_sample("Seven apples", 5)["abs_error"] == 2
    assert counting_paper_sample("There are 7.", 5) == {"abs_error": 5, "gt": 5, "unparsed": 1}  # "7." skipped
    assert counting_paper_sample("No apples", 5) == {"abs_error": 5, "gt": 5, "unparsed": 0}  # "no" is zero
    assert counting_paper_sample("I count 300", 40)["abs_error"] == 260  # unclipped


def test_paper_aggregate():
    samples = [counting_paper_sample(t, g) for t, g in [("3", 5), ("many", 4), ("20", 12), ("12", 12)]]
    # errors 2, 4, 8, 0 -> mean 3.5; gt<10: 2, 4 -> 3.0
    assert counting_paper_aggregate(samples) == {"mae": 3.5, "mae_gt_lt10": 3.0}
    assert counting_paper_aggregate([counting_paper_sample("20", 12)]) == {"mae": 8.0, "mae_gt_lt10": 0.0}
    assert counting_paper_aggregate([]) == {"mae": 0.0, "mae_gt_lt10": 0.0}


def test_chef_sample_clips_at_gt():
    assert counting_chef_sample("I count 300", 40) == {"clipped_error": 40, "exact": 0, "unparsed": 0}
    assert counting_chef_sample("Many birds", 6) == {"clipped_error": 6, "exact": 0, "unparsed": 1}
    assert counting_chef_sample("No birds", 6) == {"clipped_error": 6, "exact": 0, "unparsed": 0}  # "no" = 0
    assert counting_chef_sample("There are 6 birds", 6) == {"clipped_error": 0, "exact": 1, "unparsed": 0}
    assert counting_chef_sample("THREE birds", 5)["clipped_error"] == 2
    assert counting_chef_sample("zero", 0) == {"clipped_error": 0, "exact": 1, "unparsed": 0}


def test_chef_aggregate():
    samples = [counting_chef_sample(t, g) for t, g in [("300", 40), ("6", 6), ("8", 4)]]
    # clipped errors 40, 0, 4 -> 44/3; exact 1 of 3
    out = counting_chef_aggregate(samples)
    assert out["clipped_error"] == pytest.approx(44 / 3)
    assert out["exact_match"] == pytest.approx(100 / 3)
    assert counting_chef_aggregate([]) == {"clipped_error": 0.0, "exact_match": 0.0}
