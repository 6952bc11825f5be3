"""Building blocks shared by task modules: request builders, the paper's two-step VQA plan, aggregations."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

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


def single_request(generation: GenerationSettings = PAPER_2D, options: Sequence[str] = ()) -> Stage:
    """A one-request plan: the record's query, as is."""

    def stage(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        return [make_request(sample, sample.query, "", generation, seed, options=options)]

    return stage


def two_step_vqa(generation: GenerationSettings = PAPER_2D) -> tuple[Stage, Stage]:
    """The paper's VQA plan: generate a reasoning from the query, then ask again with
    ``query + reasoning + " ###\\nANSWER:"`` for the option (``inference_2d.py: vqa_response``)."""

    def reasoning(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        return [make_request(sample, sample.query, "reasoning", generation, seed)]

    @needs("reasoning")
    def answer(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        text = sample.query + previous["reasoning"] + " ###\nANSWER:"
        return [make_request(sample, text, "answer", generation, seed)]

    return reasoning, answer


def chef_cot_vqa(generation: GenerationSettings = CHEF_LONG) -> tuple[Stage]:
    """ChEF's CoT plan (``CoT: True`` recipes), exactly as ``OpenGVLab/LAMM@d01093c`` runs it for LAMM.

    ``InstructionHandler.generate_CoT_query`` asks ``question + "\\nLet's think step by step."`` (256 tokens);
    the answer request is ``question + self.query`` (``self.query`` is ``''`` for ``VQA_lamm``), **without** the
    CoT text: ``Direct_inferencer`` passes only the prompts to ``batch_generate``, which ignores the reasoning. The
    two requests are independent, so they form one stage. The metric scores ``CoT_answer + answer``
    (:func:`assemble_cot`).

    System message of the CoT request: ``generate_CoT_query`` calls ``batch_generate`` without ``sys_msg``, so
    ``test_lamm.py`` keeps whatever ``conv_templates['simple'].system`` was last set to — the dataset's system
    message, set by every answer request, for every batch after the first; only a run's first batch (1 sample for
    ScienceQA, 8 for AI2D, per process) saw the template's default. That first-batch exception depends on batch
    size, sampling and process count rather than on the sample, so every CoT request here gets the dataset's
    system message (what all other calls received).
    """

    def cot_and_answer(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        return [
            make_request(sample, sample.query + "\nLet's think step by step.", "cot", CHEF_LONG, seed),
            make_request(sample, sample.query, "answer", generation, seed),
        ]

    return (cot_and_answer,)


def assemble_cot(sample: Sample, responses: Mapping[str, str]) -> str:
    """ChEF's ``LAMM_VQA`` metric scores ``CoT_answer + answer``, concatenated as is (``metric/vqa.py``)."""
    return responses["cot"] + responses["answer"]


def make_request(
    sample: Sample,
    text: str,
    key: str,
    generation: GenerationSettings,
    seed: int,
    options: Sequence[str] = (),
) -> Request:
    """A ``generate`` request for a sample, carrying its media. The system message and the protocol are the
    task's: the runner stamps them (``plan.build_stage``), so a stage never states them again."""
    return Request(
        sample_id=sample.id,
        kind="generate",
        system=None,
        text=text,
        images=sample.images,
        point_cloud=sample.point_cloud,
        options=tuple(options),
        generation=generation,
        key=key,
        seed=seed,
    )


def assemble_two_step(sample: Sample, responses: Mapping[str, str]) -> str:
    """The stored answer of the paper's VQA plan: ``reasoning + "\\n The answer is " + option``."""
    return responses["reasoning"] + "\n The answer is " + responses["answer"]


def target_text(name: str) -> Callable[[Sample], str]:
    """A ``JudgeSetting.reference``: the record's ground-truth field ``name`` as the GPT metric's prompt prints it."""

    def reference(sample: Sample) -> str:
        return str(sample.target[name])

    return reference


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
