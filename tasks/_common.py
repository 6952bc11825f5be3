"""Building blocks shared by task modules: request builders, the paper's two-step VQA plan, aggregations."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from lamm_bench.records import GenerationSettings, Request, Sample, SampleScore
from lamm_bench.task import Stage, needs

PAPER_2D = GenerationSettings(max_new_tokens=400)
"""Paper-era 2D decoding budget (``--max_tgt_len 400``); greedy (the paper sampled with top_p 0.9)."""
PAPER_3D = GenerationSettings(max_new_tokens=800)
"""Paper-era 3D decoding budget (``--max_tgt_len 800``)."""
CHEF_STOP = ("\n###", "###")
"""ChEF's LAMM wrapper cuts its output at ``\n###`` (the paper era at ``###``, keeping the newline)."""
CHEF_DEFAULT = GenerationSettings(max_new_tokens=16, stop=CHEF_STOP)
"""ChEF's Direct inferencer default (recipes without ``max_new_tokens``: CIFAR10, VOC2012, Flickr30k, ...)."""
CHEF_LONG = GenerationSettings(max_new_tokens=256, stop=CHEF_STOP)
"""ChEF recipes with ``max_new_tokens: 256`` (ScienceQA, AI2D, FSC147, locating) and the CoT step."""


def single_request(
    system: str,
    generation: GenerationSettings = PAPER_2D,
    options: Sequence[str] = (),
    protocol: str = "paper",
) -> Stage:
    """A one-request plan: the record's query, as is."""

    def stage(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        return [make_request(sample, system, sample.query, "", generation, seed, protocol, options=options)]

    return stage


def two_step_vqa(system: str, generation: GenerationSettings = PAPER_2D) -> tuple[Stage, Stage]:
    """The paper's VQA plan: generate a reasoning from the query, then ask again with
    ``query + reasoning + " ###\\nANSWER:"`` for the option (``inference_2d.py: vqa_response``)."""

    def reasoning(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        return [make_request(sample, system, sample.query, "reasoning", generation, seed)]

    @needs("reasoning")
    def answer(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        text = sample.query + previous["reasoning"] + " ###\nANSWER:"
        return [make_request(sample, system, text, "answer", generation, seed)]

    return reasoning, answer


def chef_cot_vqa(system: str, generation: GenerationSettings = CHEF_LONG) -> tuple[Stage, Stage]:
    """ChEF's CoT plan (``CoT: True`` recipes): first ``question + "\nLet's think step by step."`` (256 tokens),
    then the question again with that reasoning given to the model ahead of its answer (``CoT_answer_list``)."""

    def cot(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        text = sample.query + "\nLet's think step by step."
        return [make_request(sample, system, text, "cot", CHEF_LONG, seed, "chef")]

    @needs("cot")
    def answer(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        request = make_request(sample, system, sample.query, "answer", generation, seed, "chef")
        return [dataclasses.replace(request, assistant_prefix=previous["cot"])]

    return cot, answer


def assemble_cot(sample: Sample, responses: Mapping[str, str]) -> str:
    """ChEF's Direct inferencer stores ``answer = CoT + output``."""
    return responses["cot"] + responses["answer"]


def make_request(
    sample: Sample,
    system: str,
    text: str,
    key: str,
    generation: GenerationSettings,
    seed: int,
    protocol: str = "paper",
    options: Sequence[str] = (),
) -> Request:
    """A ``generate`` request for a sample, carrying its media."""
    return Request(
        sample_id=sample.id,
        kind="generate",
        system=system,
        text=text,
        images=sample.images,
        point_cloud=sample.point_cloud,
        options=tuple(options),
        generation=generation,
        key=key,
        seed=seed,
        protocol=protocol,
    )


def assemble_two_step(sample: Sample, responses: Mapping[str, str]) -> str:
    """The stored answer of the paper's VQA plan: ``reasoning + "\\n The answer is " + option``."""
    return responses["reasoning"] + "\n The answer is " + responses["answer"]


def mean_percent(scores: Sequence[SampleScore], key: str) -> float:
    """Mean of a per-sample value, in percent (0.0 for no samples)."""
    if not scores:
        return 0.0
    return 100.0 * sum(s.values[key] for s in scores) / len(scores)


def accuracy(scores: Sequence[SampleScore]) -> dict[str, float]:
    """``accuracy`` (percent) and the share of unparsed answers, from per-sample ``correct`` values."""
    n = len(scores)
    return {
        "accuracy": mean_percent(scores, "correct"),
        "unparsed_rate": 100.0 * sum(s.unparsed for s in scores) / n if n else 0.0,
    }
