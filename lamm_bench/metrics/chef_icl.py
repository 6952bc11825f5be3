"""ChEF's in-context-learning desideratum: each run's basic metric and ``RIAM`` (``eval_icl.py`` at
``OpenGVLab/LAMM@d01093c``; protocol ``reference/chef-protocol.md`` §3 "ICL").

The driver runs the same scenario four times, with 0, 1, 2 and 3 in-context examples (runs ``ice0`` .. ``ice3``),
scores each run's answer file with the scenario's ``basic`` metric (ScienceQA: ``VQA``'s ``ACC``; MMBench:
``MMBenchVQA``'s ``vanilla_acc``, the driver taking ``vanilla_acc`` where a result has it, else ``ACC``) and combines
the four accuracies into the relative in-context accuracy measure::

    RIAM = ((mean(acc1, acc2, acc3) - acc0) / (acc0 - acc_rand)) * 50 + 50

with ``acc_rand`` ChEF's random-choice accuracy (``scenario/utils.py``'s ``rand_acc[...]['vanilla']``: ScienceQA
35.8, MMBench 27.67 at ``d01093c``; 27.57 at HEAD and on the leaderboard). Pure functions over the records of ChEF
answer files whose ids are ``<run>/<ChEF id>``; each run's keys come back under ``<run>/``, in ChEF's units
(percent). Where the reference cannot compute ``RIAM`` these leave it out rather than invent a number: a run is
missing (the driver always has all four), or ``acc0 == acc_rand`` (the driver's float division raises
``ZeroDivisionError`` there). Result files hold no NaN, so the task's ``paper_metric`` is then null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lamm_bench.metrics.chef_vqa import mmbench_metrics, vqa_metrics

__all__ = [
    "ICL_RUNS", "ICL_RANDOM_ACCURACY", "icl_riam", "icl_runs_metrics", "scienceqa_icl_metrics", "mmbench_icl_metrics",
]  # fmt: skip

Answer = Mapping[str, Any]

ICL_RUNS: tuple[str, ...] = ("ice0", "ice1", "ice2", "ice3")
"""The driver's runs (``ice_nums = [0, 1, 2, 3]``), in its order: ``ice<k>`` has k in-context examples."""

ICL_RANDOM_ACCURACY = {"ScienceQA": 35.8, "MMBench": 27.67}
"""``rand_acc[dataset]['vanilla']`` at ``d01093c`` (``src/ChEF/scenario/utils.py``), percent."""


def icl_riam(accuracies: Sequence[float], random_accuracy: float) -> float | None:
    """``eval_icl.py``'s RIAM from the runs' accuracies in run order (the zero-shot run first).

    Args:
        accuracies: ``acc0, acc1, ...`` in percent; the driver asserts there are at least two.
        random_accuracy: ``acc_rand``, percent.

    Returns:
        ``((mean(acc1..) - acc0) / (acc0 - acc_rand)) * 50 + 50``, or None where the reference divides by zero
        (``acc0 == acc_rand``).

    Raises:
        ValueError: fewer than two accuracies (the driver's ``assert len(results) > 1``).
    """
    if len(accuracies) < 2:
        raise ValueError(f"RIAM needs the zero-shot run and at least one more, got {len(accuracies)} accuracies")
    zero_shot, shots = accuracies[0], accuracies[1:]
    if zero_shot - random_accuracy == 0:
        return None
    return ((sum(shots) / len(shots) - zero_shot) / (zero_shot - random_accuracy)) * 50 + 50


def icl_runs_metrics(answers: Sequence[Answer], basic: Callable[[Sequence[Answer]], Mapping[str, float]],
                     random_accuracy: float) -> dict[str, float]:  # fmt: skip
    """The ICL desideratum over its runs: each run's ``basic`` metric under ``<run>/`` (the records given to it with
    their ChEF ids, the ``<run>/`` prefix removed), and ``RIAM`` when every run of :data:`ICL_RUNS` has records and
    :func:`icl_riam` is defined. Each run's accuracy is its ``vanilla_acc`` where ``basic`` reports one, else its
    ``ACC``, as the driver reads it.

    Args:
        answers: Records whose ``id`` is ``<run>/<ChEF id>``.
        basic: The scenario's ``basic`` metric over one run's answer file.
        random_accuracy: ``acc_rand`` (:data:`ICL_RANDOM_ACCURACY`).

    Raises:
        ValueError: A record whose id names no ICL run.
    """
    by_run: dict[str, list[Answer]] = {}
    for item in answers:
        run, _, chef_id = str(item["id"]).partition("/")
        if run not in ICL_RUNS or not chef_id:
            raise ValueError(f"record id {item['id']!r} is not '<run>/<id>' of an ICL run ({', '.join(ICL_RUNS)})")
        by_run.setdefault(run, []).append({**item, "id": chef_id})
    out: dict[str, float] = {}
    accuracies: list[float] = []
    for run in ICL_RUNS:
        if run not in by_run:
            continue
        result = {k: float(v) for k, v in basic(by_run[run]).items()}
        out.update({f"{run}/{k}": v for k, v in result.items()})
        accuracies.append(result["vanilla_acc"] if "vanilla_acc" in result else result["ACC"])
    if len(accuracies) == len(ICL_RUNS):
        riam = icl_riam(accuracies, random_accuracy)
        if riam is not None:
            out["RIAM"] = riam
    return out


def scienceqa_icl_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ICL on ScienceQA: ``VQA`` per run (``ACC``, ``match_ratio``), RIAM against 35.8."""
    return icl_runs_metrics(answers, vqa_metrics, ICL_RANDOM_ACCURACY["ScienceQA"])


def mmbench_icl_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ICL on MMBench: ``MMBenchVQA`` per run (``vanilla_acc``, ``circular_acc``, ...), RIAM against 27.67."""
    return icl_runs_metrics(answers, mmbench_metrics, ICL_RANDOM_ACCURACY["MMBench"])
