"""Shards balanced by expected work (requests x token budget), the same on every rank."""

from __future__ import annotations

import dataclasses

from lamm_bench.records import GenerationSettings, Request, Sample
from lamm_bench.runner import expected_work, shard_by_work
from lamm_bench import registry


def _spec_with_requests(counts: dict[str, int]):
    def stage(sample, previous, seed):
        return [Request(sample_id=sample.id, kind="generate", system="", text="t", key=str(k),
                        generation=GenerationSettings(max_new_tokens=100)) for k in range(counts[sample.id])]  # fmt: skip

    return dataclasses.replace(registry.get_task("ucmerced"), stages=(stage,))


def _samples(ids):
    return [Sample(id=i, source="x", query="q", target={}) for i in ids]


def test_shards_balance_work_not_counts():
    counts = {"a": 14, "b": 1, "c": 14, "d": 1}  # e.g. LSP-like samples with many requests beside single ones
    spec = _spec_with_requests(counts)
    shards = shard_by_work(spec, _samples(counts), 2)
    assert [[s.id for s in shard] for shard in shards] == [["a", "b"], ["c", "d"]]  # by count: [a, c] / [b, d]
    assert [sum(expected_work(spec, s, 0) for s in shard) for shard in shards] == [1500, 1500]


def test_every_sample_in_exactly_one_shard_in_data_order():
    counts = {str(i): 1 + (i * 7) % 5 for i in range(23)}
    spec = _spec_with_requests(counts)
    samples = _samples(counts)
    shards = shard_by_work(spec, samples, 3)
    assert sorted(s.id for shard in shards for s in shard) == sorted(counts)
    order = [s.id for s in samples]
    for shard in shards:
        assert [s.id for s in shard] == sorted((s.id for s in shard), key=order.index)
    assert shard_by_work(spec, samples, 3) == shards  # every rank computes the same split
    loads = [sum(counts[s.id] for s in shard) for shard in shards]
    assert max(loads) - min(loads) <= max(counts.values())


def test_multi_stage_work_counts_every_stage():
    spec = registry.get_task("scienceqa")
    sample = Sample(id="1", source="x", query="q", target={"gt_choice": 0, "gt_choices": ["a", "b"]})
    assert expected_work(spec, sample, 0) == 2 * 400  # reasoning + answer, 400 tokens each
