"""The 3D desiderata's own metrics (``robust3d-*``, ``calibration3d-scanqa``; method in ``docs/desiderata3d.md``).

ChEF has no 3D desiderata, so there is no reference code to reproduce; the formulas follow ChEF's 2D ones
(``reference/chef-protocol.md`` §3): RRM = (acc_crp - acc_rand) / (acc_orig - acc_rand) x 100 and
RR = acc_crp / acc_orig x 100, both in percent against the clean run; ECE over ChEF's 10 equal-count bins
(:func:`~lamm_bench.metrics.chef_desiderata.calibration_bins`) and the Brier score. Accuracies are percent, ECE and
Brier fractions. Pure functions over plain numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lamm_bench.metrics.chef_desiderata import brier_score, calibration_bins

__all__ = ["CLEAN_RUN", "calibration_metrics", "chance_accuracy", "robustness_metrics", "robustness_ratios"]

CLEAN_RUN = "clean"
"""The uncorrupted run every corrupted run is compared with."""


def chance_accuracy(option_counts: Sequence[int]) -> float:
    """The accuracy of a uniform random guess, in percent: the mean over items of ``100 / options`` (0.0 for no
    items). ScanQA's multiple choice has 4 to 6 options per question, so its chance level is a property of the data,
    computed from it, not a constant."""
    return 100.0 * sum(1.0 / k for k in option_counts) / len(option_counts) if option_counts else 0.0


def robustness_ratios(corrupted: float, clean: float, chance: float) -> dict[str, float]:
    """ChEF's robustness numbers of one corrupted run (``eval_robust.py``), in percent.

    Returns:
        ``RRM`` = (corrupted - chance) / (clean - chance) x 100 and ``RR`` = corrupted / clean x 100; each 0.0
        where its denominator is not positive (a clean run at or below chance has no robustness to keep).
    """
    above = clean - chance
    return {"RRM": (corrupted - chance) / above * 100.0 if above > 0 else 0.0,
            "RR": corrupted / clean * 100.0 if clean > 0 else 0.0}  # fmt: skip


def robustness_metrics(correct: Mapping[str, Sequence[float]], runs: Sequence[str], chance: float) -> dict[str, float]:
    """Every run's accuracy and every corrupted run's ratios, with their means.

    Args:
        correct: Run -> its items' 0/1 correctness.
        runs: The runs in order, :data:`CLEAN_RUN` among them.
        chance: The chance accuracy, percent (:func:`chance_accuracy`).

    Returns:
        ``<run>/accuracy`` for each run with items; ``<run>/RRM`` and ``<run>/RR`` for each corrupted run with items
        when the clean run has some; ``RRM`` and ``RR``, the means of those (0.0 when there are none); and
        ``acc_rand``, the chance level used.
    """
    out: dict[str, float] = {}
    for run in runs:
        if correct.get(run):
            out[f"{run}/accuracy"] = 100.0 * sum(correct[run]) / len(correct[run])
    ratios: list[dict[str, float]] = []
    if f"{CLEAN_RUN}/accuracy" in out:
        for run in runs:
            if run != CLEAN_RUN and f"{run}/accuracy" in out:
                ratio = robustness_ratios(out[f"{run}/accuracy"], out[f"{CLEAN_RUN}/accuracy"], chance)
                out.update({f"{run}/{k}": v for k, v in ratio.items()})
                ratios.append(ratio)
    for key in ("RRM", "RR"):
        out[key] = sum(r[key] for r in ratios) / len(ratios) if ratios else 0.0
    out["acc_rand"] = chance
    return out


def calibration_metrics(probs: Sequence[Sequence[float]], truth: Sequence[int], correct: Sequence[float]) -> dict[str, float]:
    """The answers' accuracy, ECE of the top probability over ChEF's equal-count bins, the reliability bins and the
    Brier score.

    Args:
        probs: Each item's probabilities over its options (a softmax of the option scores); ``prob`` is the largest.
        truth: Each item's right option (an index), for the Brier score.
        correct: Whether each item's answer is right, 1 or 0 (the chosen option: the most probable, the first of
            equals).

    Returns:
        ``accuracy`` (percent), ``ECE`` (a fraction), ``Acc_bins@i`` / ``Prob_bins@i``, ``brier``.
    """
    items = [(float(max(p)), float(c)) for p, c in zip(probs, correct)]
    accuracy = 100.0 * sum(c for _, c in items) / len(items) if items else 0.0
    return {"accuracy": accuracy, **calibration_bins(items), "brier": brier_score(probs, truth)}
