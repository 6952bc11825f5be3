"""Scoring a task's predictions: per-sample scores, aggregate metrics, the paper number, a bootstrap CI.

Shared by ``lamm-bench run`` (predictions from the store) and ``lamm-bench score`` (predictions from a file),
so both give the same numbers for the same answers. Pure apart from the task's metric functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.metrics import higher_is_better
from lamm_bench.records import Sample, SampleScore
from lamm_bench.rows import PredictionRow
from lamm_bench.task import TaskSpec

BOOTSTRAP_SAMPLES = 1000


@dataclass(frozen=True)
class TaskOutcome:
    """Everything a result file says about the numbers of one task."""

    metrics: dict[str, float]
    """Every metric, honest names, percent (counting errors raw)."""
    paper_value: float | None
    """The number the LAMM reference computes (``metrics[task.paper_metric[1]]``); None where the metric leaves it
    out because the reference cannot compute it (ChEF's RIAM without all four runs, or dividing by zero)."""
    primary: str
    """Metric with the confidence interval."""
    ci95: tuple[float, float] | None
    """Percentile bootstrap 95% interval of the primary metric (None for corpus-level metrics)."""
    unparsed: int
    """Samples whose answer yielded nothing usable (those cut off inside their reasoning included)."""
    failed: int
    """Samples the model did not answer (adapter errors); scored as empty answers."""
    per_sample: list[PredictionRow]
    """One row per sample: id, prediction, parsed answer, per-sample values, flags (the runner adds the trace)."""


def empty_prediction(task: TaskSpec) -> Any:
    """What an unanswered sample is scored as."""
    return {} if task.prediction_kind == "mapping" else ""


def resample_indices(n: int, n_boot: int, seed: int):
    """The bootstrap's resamples: ``n_boot`` index arrays of ``n`` draws with replacement from a generator seeded
    with ``seed``. Everything bootstrapped in lamm-bench draws them here, so a paired comparison of two models
    (``lamm_bench.compare``) resamples exactly as the interval of one does."""
    import numpy as np

    rng = np.random.default_rng(seed)
    for _ in range(n_boot):
        yield rng.integers(0, n, size=n)


def bootstrap_ci(
    task: TaskSpec, scores: Sequence[SampleScore], *, seed: int, n_boot: int = BOOTSTRAP_SAMPLES
) -> tuple[float, float] | None:
    """95% percentile bootstrap interval of the task's primary metric over samples (seeded)."""
    import numpy as np

    key = task.primary_metric
    if not scores or key not in task.aggregate(scores[:1]):
        return None
    n = len(scores)
    values = np.empty(n_boot)
    if task.primary_terms is not None:  # the same resamples, summed with numpy instead of re-aggregated
        terms = np.array([task.primary_terms(s.values) for s in scores], dtype=np.float64).reshape(n, 2)
        for b, index in enumerate(resample_indices(n, n_boot, seed)):
            numerator, denominator = terms[index].sum(axis=0)
            values[b] = numerator / denominator if denominator else 0.0
    else:
        for b, index in enumerate(resample_indices(n, n_boot, seed)):
            values[b] = task.aggregate([scores[i] for i in index])[key]
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def score_predictions(
    task: TaskSpec,
    samples: Sequence[Sample],
    predictions: Mapping[str, Any],
    *,
    failed: Collection[str] = (),
    seed: int = 0,
    n_boot: int = BOOTSTRAP_SAMPLES,
    cut_off: Collection[str] = (),
) -> TaskOutcome:
    """Score every sample; a sample missing from ``predictions`` must be listed in ``failed``. A sample in
    ``cut_off`` (an answer cut off inside its reasoning block) is unanswered: scored as an empty answer and
    counted unparsed, whatever its answer holds."""
    scores: list[SampleScore] = []
    rows: list[PredictionRow] = []
    ordered_predictions = []
    for sample in samples:
        unanswered = sample.id in cut_off or sample.id not in predictions
        prediction = empty_prediction(task) if unanswered else predictions[sample.id]
        score = task.score_sample(sample, prediction)
        if sample.id in cut_off:
            score = dataclasses.replace(score, unparsed=True)
        scores.append(score)
        ordered_predictions.append(prediction)
        rows.append(PredictionRow(sample.id, prediction, score.parsed, dict(score.values), score.unparsed,
                                  sample.id in failed))  # fmt: skip
    metrics = task.aggregate(scores)
    if task.corpus_metrics is not None:
        metrics.update(task.corpus_metrics(samples, ordered_predictions))
    for name in metrics:
        higher_is_better(name, task.metrics)  # every reported metric must have a declared direction
    return TaskOutcome(
        metrics=metrics,
        paper_value=metrics.get(task.paper_metric[1]),
        primary=task.primary_metric,
        ci95=bootstrap_ci(task, scores, seed=seed, n_boot=n_boot),
        unparsed=sum(s.unparsed for s in scores),
        failed=sum(1 for s in samples if s.id in failed),
        per_sample=rows,
    )


def score_answer_file(task: TaskSpec, records: Sequence[Mapping[str, Any]], where: str) -> dict[str, Any]:
    """``lamm-bench score``'s report for a reference's own answer file: the reference's metric (``task.answer_file``)
    applied to the records as written, under the reference's key names and units; nothing to bootstrap.

    Raises:
        UserError: a record lacks what the metric reads, or holds it in the wrong shape (one line naming ``where``).
    """
    try:
        metrics = task.answer_file(records)  # type: ignore[misc]
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise UserError(f"{where}: not a {task.name} answer file of the reference ({type(exc).__name__}: {exc})") from None
    return {"task": task.name, "version": task.version, "protocol": task.protocol, "n": len(records),
            "paper_metric": {"name": task.paper_metric[0], "value": metrics.get(task.paper_metric[1])},
            "metrics": metrics, "unparsed": 0}  # fmt: skip
