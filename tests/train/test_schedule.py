"""The LR schedule against hand-computed values of DeepSpeed's WarmupDecayLR formulas."""

from __future__ import annotations

import math

import pytest

from lamm_bench.train.schedule import lr_at


def test_linear_warmup_then_linear_decay_to_zero():
    # total 100, warm-up 10, peak 1: warm-up i/10, then (100 - i) / 90.
    assert lr_at(0, 100, 1.0, 10, "linear") == 0.0
    assert lr_at(5, 100, 1.0, 10, "linear") == pytest.approx(0.5)
    assert lr_at(10, 100, 1.0, 10, "linear") == pytest.approx(1.0)
    assert lr_at(55, 100, 1.0, 10, "linear") == pytest.approx(0.5)
    assert lr_at(99, 100, 1.0, 10, "linear") == pytest.approx(1 / 90)
    assert lr_at(100, 100, 1.0, 10, "linear") == 0.0
    assert lr_at(150, 100, 1.0, 10, "linear") == 0.0  # never negative


def test_log_warmup_is_deepspeeds_default_shape():
    # DeepSpeed: log(i + 1) / log(W); reaches 1 only at i = W - 1 + 1.
    assert lr_at(0, 100, 5e-4, 10, "log") == 0.0
    assert lr_at(1, 100, 5e-4, 10, "log") == pytest.approx(5e-4 * math.log(2) / math.log(10))
    assert lr_at(9, 100, 5e-4, 10, "log") == pytest.approx(5e-4)  # log(10) / log(10)
    assert lr_at(10, 100, 5e-4, 10, "log") == pytest.approx(5e-4)
    # Log warm-up is concave: above linear in between.
    assert lr_at(3, 100, 1.0, 10, "log") > lr_at(3, 100, 1.0, 10, "linear")


def test_warmup_below_two_counts_as_two_and_short_runs_end_at_zero():
    assert lr_at(1, 10, 1.0, 0, "linear") == pytest.approx(0.5)
    assert lr_at(2, 10, 1.0, 1, "linear") == pytest.approx(1.0)
    assert lr_at(2, 2, 1.0, 2, "linear") == 0.0


def test_paper_schedule_for_lamm_186k():
    # 186k records, global batch 64, 2 epochs -> 5812 steps, warm-up max(10, 581) = 581.
    total, warm = 2 * (186_000 // 64), max(10, int(2 * (186_000 // 64) * 0.1))
    assert (total, warm) == (5812, 581)
    assert lr_at(warm, total, 5e-4, warm, "log") == pytest.approx(5e-4)
    assert lr_at((total + warm) // 2, total, 5e-4, warm, "log") == pytest.approx(2.5e-4, rel=1e-3)


def test_unknown_warmup_type_is_rejected():
    with pytest.raises(ValueError):
        lr_at(0, 10, 1.0, 2, "cosine")
