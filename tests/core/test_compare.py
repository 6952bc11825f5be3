"""The paired bootstrap of ``lamm_bench.compare``: hand-computed cases, pairing, scipy, and ``lamm-bench compare``."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

from lamm_bench.compare import PairedDifference, compare_rows, lead_of, paired_terms_bootstrap
from lamm_bench.rows import PredictionRow, prediction_line
from lamm_bench.scoring import resample_indices

FIXTURES = Path(__file__).parent.parent / "fixtures" / "leaderboard" / "results"


def correct(flags):
    """``mean_of("correct")`` terms of 0/1 answers: (100 * correct, 1)."""
    return [[100.0 * f, 1.0] for f in flags]


def test_two_samples_enumerable_distribution():
    # A is right on sample 0 only, B on neither: a resample of 2 draws holds sample 0 twice (p 1/4), once (1/2) or
    # never (1/4), so A - B is 100, 50 or 0 with those probabilities: observed 50, percentiles 0 and 100.
    observed, (low, high) = paired_terms_bootstrap(correct([1, 0]), correct([0, 0]), n_boot=4000, seed=0)
    assert observed == 50.0 and (low, high) == (0.0, 100.0)
    # and the resample frequencies are the enumerated ones
    counts = np.array([np.sum(index == 0) for index in resample_indices(2, 4000, 0)])
    assert abs(np.mean(counts == 2) - 0.25) < 0.02 and abs(np.mean(counts == 1) - 0.5) < 0.02


def test_degenerate_cases():
    same = correct([1, 0, 1, 1, 0])
    assert paired_terms_bootstrap(same, same, n_boot=200) == (0.0, (0.0, 0.0))
    # B's error is A's plus exactly 2 on every sample: every resample differs by exactly -2
    a = [[e, 1.0] for e in (0, 3, 1, 7, 2)]
    b = [[e + 2, 1.0] for e in (0, 3, 1, 7, 2)]
    observed, ci = paired_terms_bootstrap(a, b, n_boot=200)
    assert observed == pytest.approx(-2.0) and ci == pytest.approx((-2.0, -2.0))


def test_the_resamples_are_paired():
    # B = A shifted by a constant per sample: an unpaired bootstrap would see A's and B's spread (an interval tens
    # of points wide); the paired one sees the constant only.
    rng = np.random.default_rng(3)
    errors = rng.integers(0, 50, size=300).astype(float)
    observed, (low, high) = paired_terms_bootstrap([[e, 1] for e in errors], [[e + 1, 1] for e in errors])
    assert observed == pytest.approx(-1.0) and high - low < 1e-9


def test_ratio_metric_pools_numerators_and_denominators():
    # recall = sum(hits) / sum(gt) per model, on the same resample: a hand-computed observed value
    a = [[100.0 * 1, 2.0], [100.0 * 3, 3.0], [0.0, 1.0]]  # 4 of 6 found
    b = [[0.0, 2.0], [100.0 * 3, 3.0], [100.0, 1.0]]  # 4 of 6 found, different ones
    observed, (low, high) = paired_terms_bootstrap(a, b, n_boot=500)
    assert observed == pytest.approx(0.0) and low < 0 < high


def test_agrees_with_scipy_paired_percentile_bootstrap():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(7)
    a = (rng.random(400) < 0.62).astype(float)  # model A right 62% of the time
    b = np.where(rng.random(400) < 0.8, a, 1 - a)  # B agrees with A on 80% of the samples
    observed, ours = paired_terms_bootstrap(correct(a), correct(b), n_boot=5000, seed=1)
    reference = scipy_stats.bootstrap(
        (100 * a, 100 * b), lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis), paired=True,
        vectorized=True, method="percentile", n_resamples=5000, confidence_level=0.95, random_state=2,
    ).confidence_interval  # fmt: skip
    assert observed == pytest.approx(100 * (a.mean() - b.mean()))
    # different random resamples: the percentile bounds agree to Monte Carlo error (~0.3 points here)
    assert ours[0] == pytest.approx(reference.low, abs=1.0) and ours[1] == pytest.approx(reference.high, abs=1.0)


def test_significance_respects_the_direction():
    higher = PairedDifference("t", "Acc", True, 60.0, 50.0, 10.0, (2.0, 18.0), 100, 1000)
    assert higher.significant and higher.better == "a"
    lower = PairedDifference("t", "MAE", False, 60.0, 50.0, 10.0, (2.0, 18.0), 100, 1000)
    assert lower.significant and lower.better == "b"  # a larger error is worse
    noise = PairedDifference("t", "Acc", True, 51.0, 50.0, 1.0, (-3.0, 5.0), 100, 1000)
    assert not noise.significant and noise.better is None
    assert lead_of({"m1": 5.0, "m2": 7.0, "m3": 6.0}, higher_is_better=False) == ("m1", "m3")
    assert lead_of({"m1": 5.0}, higher_is_better=True) is None


def test_rows_are_matched_by_sample_id():
    rows_a = [PredictionRow("x", "", terms=(100.0, 1.0)), PredictionRow("y", "", terms=(0.0, 1.0)),
              PredictionRow("only-a", "", terms=(0, 1))]  # fmt: skip
    rows_b = [PredictionRow("y", "", terms=(0.0, 1.0)), PredictionRow("x", "", terms=(0.0, 1.0))]
    d = compare_rows("t", "Acc", True, rows_a, rows_b, n_boot=100)
    assert (d.n, d.value_a, d.value_b, d.difference) == (2, 50.0, 0.0, 50.0)
    assert compare_rows("t", "Acc", True, rows_a, [PredictionRow("z", "", terms=(1, 1))]) is None
    # rows without terms: only with an aggregate
    bare = [PredictionRow("x", "", scores={"correct": 1.0}), PredictionRow("y", "", scores={"correct": 0.0})]
    assert compare_rows("t", "Acc", True, bare, bare) is None
    mean = lambda rows: 100 * sum(r.scores["correct"] for r in rows) / len(rows)  # noqa: E731
    assert compare_rows("t", "Acc", True, bare, bare, aggregate=mean, n_boot=50).ci95 == (0.0, 0.0)


def _rows(path: Path, flags):
    path.write_text("".join(prediction_line(PredictionRow(str(i), "", scores={"correct": float(f)},
                                                          terms=(100.0 * f, 1.0)))
                            for i, f in enumerate(flags)))  # fmt: skip


def test_compare_cli_prints_each_common_task_and_refuses_unknown_names(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "results")
    _rows(tmp_path / "results/model-a/cifar10.predictions.jsonl", [1] * 40 + [0] * 10)
    _rows(tmp_path / "results/model-b/cifar10.predictions.jsonl", [1] * 10 + [0] * 40)
    proc = run_cli("compare", "model-a", "model-b", "--task", "cifar10", "--out", str(tmp_path), "--resamples", "300")
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if "cifar10" in line)
    assert "80.00" in line and "20.00" in line and "+60.00" in line and "yes: model-a better" in line
    # every task both have: fsc147 and scienceqa have no per-sample rows here
    proc = run_cli("compare", "model-a", "model-b", "--out", str(tmp_path), "--resamples", "50")
    assert proc.returncode == 0 and "no per-sample predictions" in proc.stdout and "scienceqa" in proc.stdout
    for args, message in [(("model-a", "nobody"), "no results for model 'nobody'"),
                          (("model-a", "model-b", "--task", "scanqa"), "task 'scanqa' has no results for both"),
                          (("model-b", "model-a", "--task", "fsc147"), "share no samples")]:  # fmt: skip
        proc = run_cli("compare", *args, "--out", str(tmp_path))
        assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
