"""ChEF's desiderata metrics: ``ScienceQA_Calibration`` and ``MMBench_Calibration`` (ECE over equal-count bins), and
``POPE_Metric`` (hallucination), with the Brier score beside ECE and POPE's three splits combined.

Pure functions over the records of ChEF answer files (the dicts ``OpenGVLab/LAMM@d01093c``'s inferencers write, read
as plain data), reproducing ``src/ChEF/metric/desiderata.py`` (protocol ``reference/chef-protocol.md`` §3): ChEF's
key names and units -- ``ECE`` and the POPE numbers are fractions, the accuracies percent. ChEF returns the
reliability bins as lists; here bin ``i`` is ``Acc_bins@i`` and ``Prob_bins@i`` (metrics are numbers). Where the
reference divides by zero (no records, no ``yes`` answer) these return 0.0; nothing else differs. ``brier`` is not
ChEF's: the mean over items of ``sum_k (probs_k - [k is the ground truth])**2`` (Brier 1950), over the items ECE
counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamm_bench.metrics.chef_vqa import mmbench_metrics, vqa_metrics
from lamm_bench.parsing.chef_answers import CHOICE_LETTERS, fetch_answer

__all__ = [
    "POPE_RUNS", "brier_score", "calibration_bins", "scienceqa_calibration_metrics", "mmbench_calibration_metrics",
    "pope_answer", "pope_metrics", "pope_runs_metrics",
]  # fmt: skip

Answer = Mapping[str, Any]

POPE_RUNS: tuple[str, ...] = ("POPE_COCO_random", "POPE_COCO_popular", "POPE_COCO_adversarial")
"""The hallucination driver's runs (``eval_hallucination.py``'s ``settings``), in its order."""


def calibration_bins(items: Sequence[tuple[float, float]], num_bins: int = 10) -> dict[str, float]:
    """ChEF ``compute_ECE`` (``desiderata.py:7-39``): expected calibration error over equal-count bins.

    Items are sorted by probability (a stable sort: equal probabilities keep their order in ``items``); the first
    ``N mod num_bins`` bins hold ``N // num_bins + 1`` items, the others ``N // num_bins`` (fewer than ``num_bins``
    items: one bin each). ``ECE = sum_b n_b * |mean(prob_b) - mean(correct_b)| / N``.

    Args:
        items: ``(prob, correct)`` per item, in the answer file's order; ``correct`` is 0 or 1.

    Returns:
        ``ECE`` (a fraction; 0.0 for no items), and ``Acc_bins@i`` / ``Prob_bins@i`` for each bin ``i`` that holds
        an item.
    """
    ordered = sorted(items, key=lambda item: item[0])
    least, extra = divmod(len(ordered), num_bins)
    out: dict[str, float] = {}
    ece, start = 0.0, 0
    for b in range(num_bins):
        size = least + 1 if b < extra else least
        if not size:
            break
        chunk = ordered[start : start + size]
        start += size
        avg_p = sum(p for p, _ in chunk) * 1.0 / len(chunk)
        avg_a = sum(c for _, c in chunk) * 1.0 / len(chunk)
        ece += len(chunk) * abs(avg_p - avg_a)
        out[f"Acc_bins@{b}"], out[f"Prob_bins@{b}"] = avg_a, avg_p
    return {"ECE": ece / len(ordered) if ordered else 0.0, **out}


def brier_score(probs: Sequence[Sequence[float]], truth: Sequence[int]) -> float:
    """The mean over items of ``sum_k (probs_k - [k == truth])**2`` (Brier 1950): 0 for certain right answers, 2 for
    certain wrong ones; 0.0 for no items.

    Args:
        probs: Each item's probabilities over its options.
        truth: Each item's right option (an index).
    """
    if not probs:
        return 0.0
    return sum(sum((p - (k == t)) ** 2 for k, p in enumerate(item)) for item, t in zip(probs, truth)) / len(probs)


def _brier(answers: Sequence[Answer], truth: Sequence[int]) -> float:
    return brier_score([item["probs"] for item in answers], truth)


def _calibration(answers: Sequence[Answer], correct: Sequence[int], truth: Sequence[int]) -> dict[str, float]:
    bins = calibration_bins([(float(item["prob"]), c) for item, c in zip(answers, correct)])
    return {**bins, "brier": _brier(answers, truth)}


def scienceqa_calibration_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ChEF ``ScienceQA_Calibration.metric_func``: ``VQA``'s ``ACC`` and ``match_ratio`` (percent), then ECE over
    every record (``correct``: the extracted letter is the GT's), the bins and the Brier score.

    Args:
        answers: Records with ``answer``, ``gt_choice``, ``gt_choices``, ``prob`` (the top option's probability)
            and ``probs`` (every option's, for the Brier score), as ChEF's Calibration inferencer writes them.
    """
    correct = [int(fetch_answer(a["answer"], a["gt_choices"]).letter == CHOICE_LETTERS[a["gt_choice"]]) for a in answers]
    return {**vqa_metrics(answers), **_calibration(answers, correct, [a["gt_choice"] for a in answers])}


def mmbench_calibration_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ChEF ``MMBench_Calibration.metric_func``: ``MMBenchVQA``'s numbers (percent), then ECE over the vanilla
    records only -- sorted by ``int(id)``, the first of each ``int(id) % 1e6`` -- the bins and the Brier score.
    (ChEF's ``prednum``, a list of counts per letter, is left out.)

    Args:
        answers: Records with ``id``, ``answer``, ``gt_choice``, ``gt_choices``, ``prob`` and ``probs``.
    """
    gt_of = {a["id"]: a["gt_choice"] for a in answers}
    seen: set[int] = set()
    vanilla = []
    for item in sorted(answers, key=lambda a: int(a["id"])):
        main = int(item["id"]) % 1_000_000
        if main not in seen:
            seen.add(main)
            vanilla.append(item)
    correct = [int(fetch_answer(a["answer"], a["gt_choices"]).letter == CHOICE_LETTERS[gt_of[a["id"]]]) for a in vanilla]
    return {**mmbench_metrics(answers), **_calibration(vanilla, correct, [gt_of[a["id"]] for a in vanilla])}


def pope_answer(text: str) -> str:
    """POPE's yes/no rule: the text before the first ``.``, commas removed, split on spaces; ``no`` if a word is
    ``No``, ``not`` or ``no``, otherwise ``yes`` (an empty answer is ``yes``)."""
    words = text.split(".")[0].replace(",", "").split(" ")
    return "no" if "No" in words or "not" in words or "no" in words else "yes"


def pope_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ChEF ``POPE_Metric.metric_func`` (``desiderata.py:159-215``), as fractions.

    Args:
        answers: Records with ``answer`` (text) and ``gt_answers`` (``no`` is the negative label; anything else
            positive).

    Returns:
        ``Accuracy``, ``Precision``, ``Recall``, ``F1 score`` and ``Yes ratio`` (0.0 where a denominator is 0).
    """
    tp = fp = tn = fn = 0
    for item in answers:
        said_yes, is_yes = pope_answer(item["answer"]) == "yes", item["gt_answers"] != "no"
        tp += said_yes and is_yes
        fp += said_yes and not is_yes
        tn += not said_yes and not is_yes
        fn += not said_yes and is_yes
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    total = len(answers)
    return {
        "Accuracy": (tp + tn) / total if total else 0.0,
        "Precision": precision,
        "Recall": recall,
        "F1 score": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "Yes ratio": (tp + fp) / total if total else 0.0,
    }


def pope_runs_metrics(answers: Sequence[Answer], runs: Sequence[str] = POPE_RUNS) -> dict[str, float]:
    """The hallucination desideratum over its three runs: each run's :func:`pope_metrics` under ``<run>/``, and
    ``Accuracy``, the mean of the runs' accuracies (ChEF's leaderboard value, /100), over the runs that have records.

    Args:
        answers: Records whose ``id`` is ``<run>/<ChEF id>``, ``<run>`` one of ``runs``.
        runs: The runs' names, in order (default ChEF's COCO splits, :data:`POPE_RUNS`; ``pope3d-scannet`` has its
            own).

    Raises:
        ValueError: A record whose id names no POPE run.
    """
    by_run: dict[str, list[Answer]] = {}
    for item in answers:
        run = str(item["id"]).split("/", 1)[0]
        if run not in runs or "/" not in str(item["id"]):
            raise ValueError(f"record id {item['id']!r} is not '<run>/<id>' of a POPE run ({', '.join(runs)})")
        by_run.setdefault(run, []).append(item)
    out: dict[str, float] = {}
    for run in runs:
        if run in by_run:
            out.update({f"{run}/{k}": v for k, v in pope_metrics(by_run[run]).items()})
    accuracies = [out[f"{run}/Accuracy"] for run in runs if run in by_run]
    out["Accuracy"] = sum(accuracies) / len(accuracies) if accuracies else 0.0
    return out
