"""The vectorized bootstrap (``TaskSpec.primary_terms``) equals the generic one that re-aggregates each resample."""

from __future__ import annotations

import dataclasses
import random

import pytest

from lamm_bench import registry
from lamm_bench.data import load_samples
from lamm_bench.model_adapters.dummy import DummyAdapter
from lamm_bench.plan import PreparedTask, plan_sample, request_identity
from lamm_bench.scoring import bootstrap_ci
from lamm_bench.store import StoredResponse

def _scores(spec, root, seed: int):
    """Per-sample scores of the dummy adapter's answers (salted), each task through its own stages."""
    samples, _ = load_samples(spec, root)
    task, stored = PreparedTask(spec, samples, samples, [], spec.label_options(samples)), {}
    adapter = DummyAdapter({"seed": str(seed)})
    for _ in spec.stages:
        pending = [r for s in samples for _, r in plan_sample(task, s, stored, 0).pending]
        for q, r in zip(pending, adapter.generate(pending)):
            stored[(q.sample_id, q.key)] = StoredResponse.of(q.sample_id, q.key, r, request_identity(q))
    return [spec.score_sample(s, spec.assemble(s, plan_sample(task, s, stored, 0).answers)) for s in samples]


def test_every_task_with_an_interval_has_terms():
    missing = [n for n, t in registry.tasks().items() if t.primary_terms is None and t.primary_metric != "cider"]
    assert missing == []


@pytest.mark.parametrize("name", sorted(n for n, t in registry.tasks().items() if t.primary_terms is not None))
def test_terms_reproduce_the_aggregate_and_the_interval(name, mini_root):
    spec = registry.get_task(name)
    rng = random.Random(0)
    runs = [_scores(spec, mini_root, seed) for seed in range(4)]
    real = [s for run in runs for s in run]
    for run in runs:  # a run's own scores, each id once: the reference's answer file
        assert _from_terms(spec, run) == pytest.approx(spec.aggregate(run)[spec.primary_metric], rel=1e-6, abs=1e-9)
    if name in ONCE_PER_ID:
        return
    # The dummy's answers are mostly wrong; random counts under the same keys exercise the algebra as well. A task
    # scored by the reference's own metric over its answer records (ChEF's) reads the records, not the counts: random
    # counts would no longer describe them, so its pool is the real scores alone.
    noisy = [dataclasses.replace(s, values={k: float(rng.randint(0, 3)) for k in s.values}) for s in real]
    pool = real + (noisy if spec.answer_file is None else [])
    for size in (1, 2, 5, len(pool)):
        subset = [rng.choice(pool) for _ in range(size)]
        assert _from_terms(spec, subset) == pytest.approx(spec.aggregate(subset)[spec.primary_metric], rel=1e-6, abs=1e-9)
    slow = dataclasses.replace(spec, primary_terms=None)
    fast_ci, slow_ci = bootstrap_ci(spec, pool, seed=3, n_boot=200), bootstrap_ci(slow, pool, seed=3, n_boot=200)
    assert fast_ci == pytest.approx(slow_ci, rel=1e-6, abs=1e-9)


# ChEF's MMBench metric counts a question once, by the first record of its id: a resample that repeats an id (or
# holds a circular copy without its vanilla question) is re-aggregated as fewer questions, so the generic bootstrap
# is not the interval of vanilla_acc there; the terms (each vanilla question's right/1, each copy 0/0) are.
ONCE_PER_ID = {
    "chef-mmbench", "chef-calibration-mmbench", "chef-pope", "chef-icl-scienceqa", "chef-icl-mmbench",
    "chef-insfollow-scienceqa", "chef-insfollow-mmbench", "pope3d-scannet", "robust3d-scanqa", "robust3d-scanrefer",
    "chef-robust-scienceqa", "chef-robust-mmbench",
}  # fmt: skip
# chef-pope's Accuracy is the mean of its splits' accuracies, re-aggregated per resample over the split counts the
# resample happens to hold; its terms weigh each question by 1/(its split's size) (the stratified mean), which is
# that mean exactly on the run's own scores (asserted above) but not on a resample.
# pope3d-scannet's likewise. robust3d-*'s and chef-robust-*'s interval is the clean run's accuracy, as chef-icl-*'s
# zero-shot one (a resample without a clean item has no such key to re-aggregate).
# chef-icl-*'s interval is its zero-shot run's accuracy (ice0/ACC, ice0/vanilla_acc): a subset without an ice0
# sample has no such key to re-aggregate, while its terms give 0/0.
# chef-insfollow-*'s interval is weighted_avg_Acc, each run's first record of a question weighed by its run's weight
# over the run's question count: exact on the run's own scores; a resample's runs no longer walk in step (the match
# ratio refuses them) nor hold each question once.


def _from_terms(spec, scores) -> float:
    # rel 1e-6 in the callers: ChEF's VOC recall is computed in float32, as the reference does
    numerator = sum(spec.primary_terms(s.values)[0] for s in scores)
    denominator = sum(spec.primary_terms(s.values)[1] for s in scores)
    return numerator / denominator if denominator else 0.0
