"""Building blocks of ChEF's scenario tasks (``chef-*``): likelihood (PPL) requests, the CoT plan, answer records.

A ChEF PPL item becomes one ``choice`` request per turn: the human turn exactly as ChEF builds it (no system
message: the scenario tasks' ``system_message`` is ``""``), ChEF's options in ChEF's order, its answer template.
The adapter scores every option (the mean log-probability of its tokens) and answers with the best, the first of
equals (numpy's ``argmin`` of the NLL). Det_PPL and Multi_PPL items have one request per turn, in ChEF's turn order,
each an independent single-turn query with the ground truth as context (teacher forcing).

CoT (``CoT: True``: ScienceQA, MMBench) is ``d01093c``'s ``generate_CoT_query``: a sampled generation (top_p 0.9,
temperature 1.0, and transformers' default top_k 50, 256 tokens, cut at ``\\n###``) of ``question + "\\nLet's think
step by step."`` with the ``simple`` conversation template's default system text (the ``### Human:`` doubled inside
LAMM's own prompt, §5.13), then the PPL request whose answer turn is ``CoT + "\\n" + template(option)``. The
reference's sampling is unseeded; here it is seeded per request from ``--seed`` (a documented deviation), so a run
is reproducible.

Each sample's prediction is the answer record ChEF's evaluator writes for the recipe (``answer`` and, for
multi-turn recipes, the per-turn answers), and scoring rebuilds ChEF's answer file from the samples and applies
ChEF's metric function to it (:mod:`lamm_bench.metrics.chef_vqa`, :mod:`lamm_bench.metrics.chef_scenarios`), so a
run and ``lamm-bench score`` on ChEF's own answer file compute the same numbers the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.records import GenerationSettings, Request, Sample, SampleScore
from lamm_bench.task import Stage, needs

from ._chef_prompts import cot_question
from ._common import CHEF_STOP

SIMPLE_SYSTEM = (
    "You are a large language model that can recognize visual contents based on LLaMA architecture."
    "You are designed to assist human with a variety of tasks using natural language."
    "Follow the instructions carefully."
)
"""``conv_templates['simple'].system`` (``src/model/LAMM/conversations.py:318-321`` at ``d01093c``), no spaces
between the sentences: the system text of ChEF's CoT generation."""

COT_GENERATION = GenerationSettings(max_new_tokens=256, do_sample=True, top_p=0.9, temperature=1.0, top_k=50,
                                    stop=CHEF_STOP)  # fmt: skip
"""``generate_CoT_query``: ``batch_generate(..., max_new_tokens=256)`` through LAMM's sampling ``generate``."""

AnswerRecord = dict[str, Any]


def ppl_request(sample: Sample, text: str, options: Sequence[str], template: str, seed: int, *, key: str = "",
                prefix: str = "") -> Request:  # fmt: skip
    """One likelihood request for a sample: its human turn, ChEF's options and answer template."""
    return Request(sample_id=sample.id, kind="choice", system=None, text=text, images=sample.images,
                   point_cloud=sample.point_cloud, options=tuple(options), option_template=template,
                   assistant_prefix=prefix, key=key, seed=seed)  # fmt: skip


def ppl_stage(text: Callable[[Sample], str], options: Callable[[Sample], Sequence[str]], template: str) -> Stage:
    """A one-request PPL plan: ``text(sample)`` as the human turn, ``options(sample)`` scored in ``template``."""

    def stage(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        return [ppl_request(sample, text(sample), options(sample), template, seed)]

    return stage


def cot_ppl_stages(question: Callable[[Sample], str], query: str, options: Callable[[Sample], Sequence[str]],
                   template: str) -> tuple[Stage, Stage]:  # fmt: skip
    """ChEF's CoT + PPL plan: the sampled CoT generation (key ``cot``), then the PPL request (key ``""``) with the CoT
    and a newline before the answer template; its human turn is ``question(sample) + query``."""

    def cot(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        return [Request(sample_id=sample.id, kind="generate", system=SIMPLE_SYSTEM, text=cot_question(question(sample)),
                        images=sample.images, point_cloud=sample.point_cloud, generation=COT_GENERATION, key="cot",
                        seed=seed)]  # fmt: skip

    @needs("cot")
    def answer(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        prefix = previous["cot"] + "\n"
        return [ppl_request(sample, question(sample) + query, options(sample), template, seed, prefix=prefix)]

    return cot, answer


def option_index(right: Callable[[Sample, Request], str]) -> Callable[[Sample, Request], int | None]:
    """A ``correct_option``: the index of the option ``right(sample, request)`` names (None when it is not offered,
    e.g. a label outside ChEF's fixed list)."""

    def correct(sample: Sample, request: Request) -> int | None:
        text = right(sample, request)
        return request.options.index(text) if text in request.options else None

    return correct


def chosen(sample: Sample, responses: Mapping[str, str]) -> str:
    """The prediction of a single-turn PPL sample: the chosen option (ChEF's ``answer``)."""
    return responses[""]


def metric_score(record: AnswerRecord, values: Mapping[str, float]) -> SampleScore:
    """A sample's score: the numbers its primary metric pools, and the ChEF answer record the metric reads (kept as
    ``parsed``, so the result's rows hold the answer file ChEF would write)."""
    return SampleScore(values=dict(values), parsed=record, unparsed=False)


def answer_file(scores: Sequence[SampleScore]) -> list[AnswerRecord]:
    """ChEF's answer file of a run: each sample's answer record, in sample order."""
    return [dict(score.parsed) for score in scores]


def reference_metric(metric: Callable[[Sequence[AnswerRecord]], Mapping[str, float] | float], wrap: str | None = None):
    """ChEF's metric function as ``(aggregate, answer_file)`` of a ``TaskSpec``: over a run's answer file (rebuilt
    from the samples' scores) and over the reference's own answer files; a bare number (Omnibenchmark's) goes under
    ``wrap``."""

    def over_records(records: Sequence[Mapping[str, Any]]) -> dict[str, float]:
        value = metric(list(records))  # type: ignore[arg-type]
        return {wrap: float(value)} if wrap else {k: float(v) for k, v in dict(value).items()}  # type: ignore[arg-type]

    def aggregate(scores: Sequence[SampleScore]) -> dict[str, float]:
        return over_records(answer_file(scores))

    return aggregate, over_records


def question_of(build: Callable[[str], str]) -> Callable[[Sample], str]:
    """A sample's ChEF question from its query; a query the reference would crash on is a one-line data error."""

    def question(sample: Sample) -> str:
        try:
            return build(sample.query)
        except ValueError as exc:
            raise UserError(f"{sample.source}: sample {sample.id}: {exc}") from None

    return question
