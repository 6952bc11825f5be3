"""ChEF's robustness desideratum: the relative robustness of a model's accuracy under corrupted inputs.

Pure functions reproducing ``src/tools/ChEF/eval_robust.py`` at ``OpenGVLab/LAMM@d01093c`` (protocol
``reference/chef-protocol.md`` §3 "Robustness"): a run's accuracy is its scenario metric's ``ACC`` or, lacking one,
``vanilla_acc`` (``get_acc``), and each corrupted run is compared with the clean (``origin``) run:

- ``RRM = (acc_crp - acc_rand) / (acc_orig - acc_rand) * 100`` (``compute_RRM``), with ``acc_rand`` the scenario's
  random-guess accuracy (``scenario/utils.py``: ScienceQA 35.8, MMBench 27.67, the ``vanilla`` entries);
- ``RR = acc_crp / acc_orig * 100``.

The origin run itself gets ``RRM`` and ``RR`` 100, as ``Robust_Results.json`` writes them. Where the reference
divides by zero (``acc_orig == acc_rand`` for RRM, ``acc_orig == 0`` for RR) these return 0.0, the house rule for
ChEF's metrics here. A run with no records has no keys at all, and without the origin run no run has ``RRM``/``RR``.
:func:`relative_robustness` is the formula alone, for any task that compares a corrupted run with a clean one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["ROBUST_RUNS", "RANDOM_ACCURACY", "relative_robustness", "run_accuracy", "robust_runs_metrics"]

Answer = Mapping[str, Any]

ROBUST_RUNS: tuple[str, ...] = ("origin", "ic", "tc", "ictc")
"""``eval_robust.py``'s runs in its order: clean, image corrupted, text corrupted, both."""

RANDOM_ACCURACY: Mapping[str, float] = {"ScienceQA": 35.8, "MMBench": 27.67}
"""``rand_acc[dataset]['vanilla']`` at ``d01093c`` (HEAD has MMBench 27.57), percent."""


def relative_robustness(acc_clean: float, acc_corrupted: float, acc_random: float) -> dict[str, float]:
    """ChEF's ``RRM`` and ``RR`` of one corrupted run against the clean one (all accuracies in percent).

    Args:
        acc_clean: The clean run's accuracy (``acc_orig``).
        acc_corrupted: The corrupted run's accuracy (``acc_crp``).
        acc_random: The random-guess accuracy of the task (``acc_rand``).

    Returns:
        ``RRM`` = (acc_corrupted - acc_random) / (acc_clean - acc_random) * 100 (0.0 when acc_clean == acc_random)
        and ``RR`` = acc_corrupted / acc_clean * 100 (0.0 when acc_clean == 0).
    """
    spread = acc_clean - acc_random
    return {
        "RRM": (acc_corrupted - acc_random) / spread * 100 if spread else 0.0,
        "RR": acc_corrupted / acc_clean * 100 if acc_clean else 0.0,
    }


def run_accuracy(metrics: Mapping[str, float]) -> float:
    """``get_acc``: a run's ``ACC``, else its ``vanilla_acc``, else 0."""
    for key in ("ACC", "vanilla_acc"):
        if key in metrics:
            return float(metrics[key])
    return 0.0


def _split_runs(answers: Sequence[Answer]) -> dict[str, list[dict[str, Any]]]:
    by_run: dict[str, list[dict[str, Any]]] = {}
    for item in answers:
        run, sep, local = str(item["id"]).partition("/")
        if not sep or run not in ROBUST_RUNS:
            raise ValueError(f"record id {item['id']!r} is not '<run>/<id>' of a robustness run "
                             f"({', '.join(ROBUST_RUNS)})")  # fmt: skip
        by_run.setdefault(run, []).append({**item, "id": local})
    return by_run


def robust_runs_metrics(answers: Sequence[Answer], run_metric: Callable[[Sequence[Answer]], Mapping[str, float]],
                        acc_random: float) -> dict[str, float]:  # fmt: skip
    """The robustness desideratum over its runs: each run's scenario metric under ``<run>/``, then ``<run>/RRM`` and
    ``<run>/RR`` for every run present beside the origin run (the origin's own: 100 and 100).

    Args:
        answers: Records whose ``id`` is ``<run>/<ChEF id>``, ``<run>`` one of :data:`ROBUST_RUNS`; the metric sees
            each run's records with their ChEF ids.
        run_metric: The scenario's metric over one run's answer file (ChEF's ``basic`` metric: ``VQA`` for
            ScienceQA, ``MMBenchVQA`` for MMBench).
        acc_random: The scenario's random-guess accuracy (:data:`RANDOM_ACCURACY`).

    Raises:
        ValueError: A record whose id names no robustness run.
    """
    by_run = _split_runs(answers)
    out: dict[str, float] = {}
    accuracy: dict[str, float] = {}
    for run in ROBUST_RUNS:
        if run in by_run:
            metrics = run_metric(by_run[run])
            out.update({f"{run}/{k}": float(v) for k, v in metrics.items()})
            accuracy[run] = run_accuracy(metrics)
    if "origin" in accuracy:
        out["origin/RRM"], out["origin/RR"] = 100.0, 100.0
        for run in ROBUST_RUNS[1:]:
            if run in accuracy:
                ratios = relative_robustness(accuracy["origin"], accuracy[run], acc_random)
                out[f"{run}/RRM"], out[f"{run}/RR"] = ratios["RRM"], ratios["RR"]
    return out
