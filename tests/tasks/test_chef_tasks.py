"""ChEF's scenarios (``chef-*``) below the runner: a model that picks the right option of every request gets each
task's perfect score, one that picks a wrong one does not, and the requests are ChEF's (no system message, ChEF's
templates, the CoT first where the recipe has one)."""

from __future__ import annotations

import pytest

from lamm_bench import registry
from lamm_bench.data import load_samples
from lamm_bench.plan import build_stage
from lamm_bench.task import TaskSpec, stage_needs

CHEF = list(registry.groups()["chef"])
PERFECT = {"chef-cifar10": 0.0}
"""lamm-mini's CIFAR-10 file labels easy-vqa shapes, none of ChEF's ten classes: nothing can be right there."""


def _answer_all(task: TaskSpec, sample, pick) -> object:
    """Run the sample's plan, choosing ``pick(request)`` for every choice request; the assembled prediction."""
    responses: dict[str, str] = {}
    for index, stage in enumerate(task.stages):
        assert all(k in responses for k in stage_needs(stage))
        for request in build_stage(task, index, sample, responses, 0):
            responses[request.key] = pick(request) if request.kind == "choice" else "Let me think. (A) perhaps."
    return task.assemble(sample, responses)


def _metric(task: TaskSpec, samples, pick) -> float:
    scores = [task.score_sample(s, _answer_all(task, s, lambda r, s=s: pick(s, r))) for s in samples]
    return task.aggregate(scores)[task.paper_metric[1]]


@pytest.mark.parametrize("name", CHEF)
def test_the_right_option_everywhere_scores_perfectly_and_a_wrong_one_does_not(name, mini_root):
    task = registry.get_task(name)
    samples, _ = load_samples(task, mini_root)

    def right(sample, request):
        index = task.correct_option(sample, request)
        return request.options[index] if index is not None else request.options[0]

    def wrong(sample, request):
        index = task.correct_option(sample, request)
        return request.options[(index or 0) + 1 if (index or 0) + 1 < len(request.options) else 0]

    assert _metric(task, samples, right) == pytest.approx(PERFECT.get(name, 100.0))
    if name not in PERFECT:
        assert _metric(task, samples, wrong) < 100.0


@pytest.mark.parametrize("name", CHEF)
def test_chef_requests_are_chefs_own(name, mini_root):
    task = registry.get_task(name)
    samples, _ = load_samples(task, mini_root)
    requests = [r for i in range(len(task.stages)) for r in build_stage(task, i, samples[0], {"cot": "Hmm."}, 0)]
    choices = [r for r in requests if r.kind == "choice"]
    assert choices and all(r.system == "" and r.protocol == "chef" and "{}" in r.option_template for r in choices)
    generations = [r for r in requests if r.kind == "generate"]
    assert [r.key for r in generations] == (["cot"] if name in ("chef-scienceqa", "chef-mmbench") else [])
    for r in generations:  # d01093c's CoT: sampled, 256 tokens, the simple template's system text
        assert r.text.endswith("\nLet's think step by step.") and r.system.startswith("You are a large language model")
        assert (r.generation.do_sample, r.generation.max_new_tokens, r.generation.top_p) == (True, 256, 0.9)
    if generations:
        assert all(c.assistant_prefix == "Hmm.\n" for c in choices)
