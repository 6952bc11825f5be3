"""Which differences are real: a paired bootstrap of the difference between two models on one task.

Both models are resampled with the same indices over the samples they share (drawn by
``lamm_bench.scoring.resample_indices``, as the one-model interval is), so the interval reflects how the two
differ on the same questions rather than how hard the questions are. The statistic is the task's paper metric:
from each sample's ``terms`` (numerator, denominator of the primary metric, written by the runner into
``<task>.predictions.jsonl``) when the paper metric is the primary one, else, when a caller passes the task's
``aggregate``, re-aggregated per resample. The rows are ``lamm_bench.rows.PredictionRow`` records; only
:func:`compare_models` reads files (a malformed row is a ``UserError`` naming its file and line).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.results import TaskResult, load_results, result_paths
from lamm_bench.rows import PredictionRow, read_prediction_rows
from lamm_bench.scoring import BOOTSTRAP_SAMPLES, resample_indices

Statistic = Callable[[Any], float]
"""The metric over a resample, given the resample's sample indices (a numpy integer array)."""
Aggregate = Callable[[Sequence[PredictionRow]], float]
"""The paper metric of a list of per-sample rows (for tasks whose rows carry no usable ``terms``)."""


@dataclass(frozen=True)
class PairedDifference:
    """Model A minus model B on the samples both answered, with its paired-bootstrap 95% interval."""

    task: str
    metric: str
    """The paper metric's label (e.g. ``Acc``, ``MAE``)."""
    higher_is_better: bool
    value_a: float
    value_b: float
    """Each model's paper metric on the common samples."""
    difference: float
    """``value_a - value_b``."""
    ci95: tuple[float, float]
    """Percentile interval of the difference over the resamples."""
    n: int
    """Samples both models have."""
    resamples: int

    @property
    def significant(self) -> bool:
        """True when the interval excludes 0: one model is better beyond resampling noise."""
        return self.ci95[0] > 0 or self.ci95[1] < 0

    @property
    def better(self) -> str | None:
        """``"a"`` or ``"b"``, whichever is significantly better given the metric's direction; None when neither."""
        if not self.significant:
            return None
        a_higher = self.ci95[0] > 0
        return "a" if a_higher == self.higher_is_better else "b"


def ratio_statistic(terms: Any) -> Statistic:
    """``sum(numerators) / sum(denominators)`` over a resample (0 when the denominators sum to 0), like
    ``bootstrap_ci``'s vectorized path; ``terms`` is an (n, 2) array."""

    def statistic(index: Any) -> float:
        numerator, denominator = terms[index].sum(axis=0)
        return float(numerator / denominator) if denominator else 0.0

    return statistic


def paired_bootstrap(
    stat_a: Statistic, stat_b: Statistic, n: int, *, n_boot: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> tuple[float, tuple[float, float]]:
    """(observed ``stat_a - stat_b`` on all ``n`` samples, 95% percentile interval of it over ``n_boot`` paired
    resamples: every resample's indices go to both statistics)."""
    import numpy as np

    if n < 1:
        raise ValueError("a paired bootstrap needs at least one common sample")
    everything = np.arange(n)
    observed = stat_a(everything) - stat_b(everything)
    diffs = np.array([stat_a(index) - stat_b(index) for index in resample_indices(n, n_boot, seed)])
    low, high = np.percentile(diffs, [2.5, 97.5])
    return float(observed), (float(low), float(high))


def paired_terms_bootstrap(
    terms_a: Sequence[Sequence[float]], terms_b: Sequence[Sequence[float]], *, n_boot: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> tuple[float, tuple[float, float]]:  # fmt: skip
    """:func:`paired_bootstrap` of two models' per-sample (numerator, denominator) terms, aligned by sample."""
    import numpy as np

    a = np.asarray(terms_a, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(terms_b, dtype=np.float64).reshape(-1, 2)
    if len(a) != len(b):
        raise ValueError(f"paired terms need the same samples: {len(a)} against {len(b)}")
    return paired_bootstrap(ratio_statistic(a), ratio_statistic(b), len(a), n_boot=n_boot, seed=seed)


def common_rows(rows_a: Sequence[PredictionRow], rows_b: Sequence[PredictionRow]):
    """The rows of both models for the samples both have, aligned, in A's order."""
    by_id = {row.id: row for row in rows_b}
    pairs = [(row, by_id[row.id]) for row in rows_a if row.id in by_id]
    return [a for a, _ in pairs], [b for _, b in pairs]


def compare_rows(
    task: str, metric: str, higher_is_better: bool, rows_a: Sequence[PredictionRow],
    rows_b: Sequence[PredictionRow], *, use_terms: bool = True, aggregate: Aggregate | None = None,
    n_boot: int = BOOTSTRAP_SAMPLES, seed: int = 0,
) -> PairedDifference | None:  # fmt: skip
    """The paired difference of two models' rows for one task; None when they share no sample, or when the paper
    metric cannot be recomputed per resample (no ``terms`` in the rows, or not the paper metric's, and no
    ``aggregate``)."""
    a, b = common_rows(rows_a, rows_b)
    if not a:
        return None
    if use_terms and all(row.terms is not None for row in (*a, *b)):
        import numpy as np

        ta = np.array([row.terms for row in a], dtype=np.float64)
        tb = np.array([row.terms for row in b], dtype=np.float64)
        stat_a, stat_b = ratio_statistic(ta), ratio_statistic(tb)
    elif aggregate is not None:
        stat_a = lambda index: aggregate([a[i] for i in index])  # noqa: E731
        stat_b = lambda index: aggregate([b[i] for i in index])  # noqa: E731
    else:
        return None
    observed, ci = paired_bootstrap(stat_a, stat_b, len(a), n_boot=n_boot, seed=seed)
    import numpy as np

    everything = np.arange(len(a))
    return PairedDifference(task, metric, higher_is_better, stat_a(everything), stat_b(everything), observed, ci,
                            len(a), n_boot)  # fmt: skip


def lead_of(values: Mapping[str, float], higher_is_better: bool) -> tuple[str, str] | None:
    """(best, next) model names of a column by value (ties by name), or None with fewer than two models."""
    if len(values) < 2:
        return None
    ranked = sorted(values, key=lambda m: (-values[m] if higher_is_better else values[m], m))
    return ranked[0], ranked[1]


NO_ROWS = "no per-sample predictions file"
NO_COMMON = "no common samples"
DIFFERENT_DATA = "different data files (meta-file SHA-256 differ)"


@dataclass(frozen=True)
class TaskComparison:
    """One task of ``lamm-bench compare``: the difference, or why there is none."""

    task: str
    difference: PairedDifference | None
    note: str = ""
    """Why ``difference`` is None (different data, no per-sample terms)."""


def same_data(a: TaskResult, b: TaskResult) -> bool:
    """Whether two results read the same meta files (by SHA-256): only then are equal ids the same samples."""
    return sorted(m["sha256"] for m in a.task.meta_files) == sorted(m["sha256"] for m in b.task.meta_files)


def compare_task(result_a: TaskResult, result_b: TaskResult, rows_a: Sequence[PredictionRow],
                 rows_b: Sequence[PredictionRow], *, aggregate: Aggregate | None = None, n_boot: int = BOOTSTRAP_SAMPLES,
                 seed: int = 0) -> TaskComparison:  # fmt: skip
    """Compare two ``TaskResult``s of one task from their per-sample rows."""
    task = result_a.task.name
    if not same_data(result_a, result_b):
        return TaskComparison(task, None, DIFFERENT_DATA)
    use_terms = result_a.primary.name == result_a.paper_metric.key == result_b.primary.name
    if aggregate is not None and rows_a:
        try:  # a corpus-level paper metric (CIDEr) is not in the per-sample aggregate
            aggregate(rows_a[:1])
        except KeyError:
            aggregate = None
    difference = compare_rows(task, result_a.paper_metric.name, result_a.paper_higher_is_better, rows_a, rows_b,
                              use_terms=use_terms, aggregate=aggregate, n_boot=n_boot, seed=seed)  # fmt: skip
    if difference is None:
        common = len(common_rows(rows_a, rows_b)[0])
        note = NO_COMMON if not common else "the paper metric has no per-sample decomposition"
        return TaskComparison(task, None, note)
    return TaskComparison(task, difference)


def compare_models(
    out_dir: Path, model_a: str, model_b: str, tasks: Sequence[str] = (), *,
    aggregate_for: Callable[[TaskResult], Aggregate | None] | None = None, n_boot: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> list[TaskComparison]:  # fmt: skip
    """Every task both models have results for in ``out_dir/results`` (or just ``tasks``), compared; a model or
    task that is not there, a malformed predictions line, or a comparison with no common samples at all, is a
    ``UserError``."""
    found: dict[str, dict[str, TaskResult]] = {}
    for result in load_results(Path(out_dir) / "results"):
        found.setdefault(result.model.name, {})[result.task.name] = result
    for model in (model_a, model_b):
        if model not in found:
            raise UserError(f"compare: no results for model {model!r} in {Path(out_dir) / 'results'} "
                            f"(models there: {', '.join(sorted(found)) or 'none'})")  # fmt: skip
    both = sorted(set(found[model_a]) & set(found[model_b]))
    for task in tasks:
        if task not in both:
            raise UserError(f"compare: task {task!r} has no results for both {model_a!r} and {model_b!r} "
                            f"(tasks both have: {', '.join(both) or 'none'})")  # fmt: skip
    chosen = list(tasks) or both
    if not chosen:
        raise UserError(f"compare: {model_a!r} and {model_b!r} have no task in common")
    out = []
    for task in chosen:
        a, b = found[model_a][task], found[model_b][task]
        paths = result_paths(out_dir, model_a, task)[1], result_paths(out_dir, model_b, task)[1]
        if not all(p.is_file() for p in paths):
            out.append(TaskComparison(task, None, NO_ROWS))
            continue
        aggregate = aggregate_for(a) if aggregate_for else None
        rows = [read_prediction_rows(path) for path in paths]
        for path, rows_of_one in zip(paths, rows):
            _check_aggregate(aggregate, rows_of_one, path)
        out.append(compare_task(a, b, *rows, aggregate=aggregate, n_boot=n_boot, seed=seed))
    if all(c.note in (NO_ROWS, NO_COMMON, DIFFERENT_DATA) for c in out):
        raise UserError(f"compare: {model_a!r} and {model_b!r} share no samples on {', '.join(chosen)}")
    return out


def _check_aggregate(aggregate: Aggregate | None, rows: Sequence[PredictionRow], path: Path) -> None:
    """Refuse, naming ``path``, rows the task's ``aggregate`` cannot read (scores or parsed answers of another
    shape: the file is input); a paper metric the aggregate does not give (a corpus metric) is left to
    :func:`compare_task`."""
    if aggregate is None or not rows:
        return
    try:
        aggregate(rows)
    except KeyError:
        pass
    except UserError as exc:
        raise UserError(f"{path}: {exc}") from None


def registry_aggregate(result: TaskResult) -> Aggregate | None:
    """The installed task's ``aggregate`` as a row statistic of the result's paper metric, when the task is
    installed and its paper metric is aggregated from per-sample scores (not a corpus metric such as CIDEr: then
    the statistic raises ``KeyError``). Rows the task's aggregate cannot read -- their scores or parsed answers are
    not of the shape its scoring writes -- are a ``UserError``: predictions files are input."""
    from lamm_bench import registry
    from lamm_bench.records import SampleScore

    spec = registry.tasks().get(result.task.name)
    key = result.paper_metric.key
    if spec is None:
        return None

    def aggregate(rows: Sequence[PredictionRow]) -> float:
        scores = [SampleScore(values=r.scores, parsed=r.parsed, unparsed=r.unparsed) for r in rows]
        try:
            metrics = spec.aggregate(scores)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError) as exc:
            raise UserError(f"the rows are not what task {spec.name}'s metric reads ({type(exc).__name__}: "
                            f"{exc})") from None  # fmt: skip
        return float(metrics[key])

    return aggregate
