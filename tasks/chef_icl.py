"""ChEF's in-context-learning desideratum: ``chef-icl-scienceqa`` and ``chef-icl-mmbench`` (``ICL/*.yaml`` and
``eval_icl.py`` at ``OpenGVLab/LAMM@d01093c``, the ``ICL_PPL`` inferencer, LAMM's forward at ``e3117c0``; protocol
``chef-protocol.md`` §3 "ICL").

One task per dataset runs the scenario four times, ``ice0`` .. ``ice3`` with 0 to 3 in-context examples (ICEs); its
samples are each run's items in the driver's order, ids ``<run>/<ChEF id>``.

- **Retriever** (``RandomRetriever`` with the handler's ``random_seed: 1``): per run, ``np.random.seed(1)`` and then,
  for each test item in order, ``np.random.choice(N, ice_num, replace=False)``; the pool is the test set itself and
  the item itself is not excluded (it may be its own example). Each run reseeds, so run k's draws for an item are
  the first k of the same permutation.
- **Human turn** (``TestLAMM.icl_ppl_inference``): ``''.join(f"{ice.question}: {ice.gt_answers}. ") +
  f"{question}{query}: "``, the ICE's ``question`` as the dataset gives it (ScienceQA: ``clean_question``; MMBench:
  hint, question and options prompt) and its ``gt_answers`` ``(A)`` etc.; ``ice0`` still ends in ``': '``.
- **System text**: LAMM takes no image with its ICEs (``ice_with_image: False``), so every run sends ChEF's ICL
  system message (:data:`ICL_SYSTEM`), which ``e3117c0``'s LAMM puts right before ``"### Human: <Img>"`` with no
  separator (the ``lamm`` adapter's ``chef`` layout does the same with a choice request's ``system``).
- **CoT** first, generated without ICEs (``generate_CoT_query``), as the scenario does, once per run (ChEF's driver
  runs a fresh evaluator per run).
- ScienceQA: query ``The answer is`` (``standard_query``), template ``The answer is {}``; MMBench: query ``The answer
  is`` (pool 0: the recipe's ``prompt_assigned_ids`` is ignored), template ``The correct option for the question is
  {}``.

Metrics (:mod:`lamm_bench.metrics.chef_icl`): each run's basic metric under ``<run>/`` and ``RIAM``, the paper
metric; the bootstrap interval is that of the zero-shot run's accuracy (``ice0/ACC``, ``ice0/vanilla_acc``): RIAM is a
ratio of differences between runs, not a mean over samples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from lamm_bench.chef_mmbench import OPTION_COLUMNS, read_mmbench
from lamm_bench.data import load_samples
from lamm_bench.errors import UserError
from lamm_bench.metrics.chef_icl import ICL_RUNS, mmbench_icl_metrics, scienceqa_icl_metrics
from lamm_bench.records import MetaFile, Request, Sample, SampleScore
from lamm_bench.task import Stage, TaskSpec, needs

from ._chef import cot_ppl_stages, ppl_request, question_of, reference_metric
from ._chef_options import letter_answer, letter_options
from ._chef_prompts import VQA_QUERIES, VQA_TEMPLATES, mmbench_question, scienceqa_question
from .chef_datasets import CHEF_MMBENCH, score_mmbench
from .chef_lamm_data import CHEF_SCIENCEQA, score_scienceqa

ICL_SYSTEM = (
    "You will now see some examples. The example has no relation to the provided image content. You need to follow "
    "the example and answer the final question based on the image content."
)
"""``InstructionHandler``'s ``sysmsg`` for ICEs without images (``instruction/__init__.py:36`` at ``d01093c``)."""

ICL_SEED = 1
"""The recipes' ``incontext_cfg.random_seed`` (the handler overwrites the retriever's default 43 with it)."""

Question = Callable[[Sample], str]
Reader = Callable[[Path], tuple[list[Sample], list[MetaFile]]]


def random_ice_indices(n: int, ice_num: int, seed: int = ICL_SEED) -> list[list[int]]:
    """``RandomRetriever.retrieve``: for each of ``n`` test items in order, ``ice_num`` distinct indices of the pool
    (the test set itself, the item included) drawn with numpy's legacy generator seeded once with ``seed``.

    A ``RandomState(seed)`` draws what ``np.random.seed(seed)`` then ``np.random.choice`` draws, without touching
    numpy's global state.

    Raises:
        ValueError: ``ice_num`` is larger than ``n`` (numpy's "Cannot take a larger sample than population").
    """
    import numpy as np

    rng = np.random.RandomState(seed)
    return [rng.choice(n, ice_num, replace=False).tolist() for _ in range(n)]


def ice_text(question: str, gt_answers: str) -> str:
    """One in-context example as ``icl_ppl_inference`` writes it: ``f"{question}: {gt_answers}. "``."""
    return f"{question}: {gt_answers}. "


def icl_turn(ices: str, prompt: str) -> str:
    """The ICL human turn: the examples, then the item's ``question + query`` and ``': '``."""
    return f"{ices}{prompt}: "


def icl_reader(read: Reader, question: Question, gt_answers: Callable[[Sample], str]) -> Reader:
    """A ``reader``: the scenario's samples once per run of :data:`ICL_RUNS`, ids ``<run>/<id>``, each with
    ``target["run"]``, ``target["ices"]`` (its examples' text) and ``target["ice_ids"]`` (their ChEF ids)."""

    def read_runs(root: Path) -> tuple[list[Sample], list[MetaFile]]:
        samples, metas = read(root)
        if len(samples) < len(ICL_RUNS) - 1:
            where = metas[0].path if metas else root
            raise UserError(f"{where}: {len(samples)} items; ICL draws up to {len(ICL_RUNS) - 1} distinct in-context "
                            "examples from the test set itself")  # fmt: skip
        examples = [ice_text(question(s), gt_answers(s)) for s in samples]
        out: list[Sample] = []
        for shots, run in enumerate(ICL_RUNS):
            draws = random_ice_indices(len(samples), shots) if shots else [[] for _ in samples]
            out += [dataclasses.replace(s, id=f"{run}/{s.id}", target={
                **s.target, "run": run, "ices": "".join(examples[j] for j in drawn),
                "ice_ids": [samples[j].id for j in drawn]}) for s, drawn in zip(samples, draws)]  # fmt: skip
        return out, metas

    return read_runs


def icl_stages(question: Question, query: str, options: Callable[[Sample], Sequence[str]],
               template: str) -> tuple[Stage, Stage]:  # fmt: skip
    """``ICL_PPL`` with CoT: the scenario's CoT generation (no ICEs), then the PPL request whose human turn is
    :func:`icl_turn` and whose system text is :data:`ICL_SYSTEM`."""
    cot, _ = cot_ppl_stages(question, query, options, template)

    @needs("cot")
    def answer(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        text = icl_turn(sample.target["ices"], question(sample) + query)
        request = ppl_request(sample, text, options(sample), template, seed, prefix=previous["cot"] + "\n")
        return [dataclasses.replace(request, system=ICL_SYSTEM)]

    return cot, answer


def per_run(score: Callable[[Sample, str], SampleScore]) -> Callable[[Sample, str], SampleScore]:
    """The scenario's ``score_sample`` with ``zero_shot`` (1 in run ``ice0``, else 0) among the values, which the
    bootstrap's terms read."""

    def score_sample(sample: Sample, prediction: str) -> SampleScore:
        base = score(sample, prediction)
        return dataclasses.replace(base, values={**base.values, "zero_shot": float(sample.target["run"] == "ice0")})

    return score_sample


def _icl_task(base: TaskSpec, name: str, reader, stages, score, metric, accuracy: str, terms,
              description: str) -> TaskSpec:  # fmt: skip
    aggregate, answer_file = reference_metric(metric)
    return dataclasses.replace(
        base, name=name, version="1", reader=reader, stages=stages, score_sample=per_run(score), aggregate=aggregate,
        answer_file=answer_file, answer_runs=ICL_RUNS, paper_metric=("RIAM", "RIAM"), primary=f"ice0/{accuracy}",
        primary_terms=terms, description=description,
        extra={"retriever": f"random, seed {ICL_SEED}, over the test set itself (an item may be its own example)",
               "runs": list(ICL_RUNS)},
    )  # fmt: skip


def _scienceqa_options(sample: Sample) -> list[str]:
    return letter_options(len(sample.target["gt_choices"]))


_SQA_QUESTION = question_of(scienceqa_question)
CHEF_ICL_SCIENCEQA = _icl_task(
    CHEF_SCIENCEQA, "chef-icl-scienceqa",
    icl_reader(lambda root: load_samples(CHEF_SCIENCEQA, root), _SQA_QUESTION,
               lambda s: letter_answer(s.target["gt_choice"])),
    icl_stages(_SQA_QUESTION, VQA_QUERIES[0], _scienceqa_options, VQA_TEMPLATES[0]), score_scienceqa,
    scienceqa_icl_metrics, "ACC", lambda v: (100 * v["correct"] * v["zero_shot"], v["zero_shot"]),
    "ChEF in-context learning on ScienceQA: 0-3 random examples (seed 1), CoT, option letters by likelihood, RIAM",
)  # fmt: skip


def _mmbench_question(sample: Sample) -> str:
    row = {"question": sample.query, **{k: sample.target.get(k) for k in ("hint", *OPTION_COLUMNS)}}
    return mmbench_question(row)


def _mmbench_options(sample: Sample) -> list[str]:
    return letter_options(sum(sample.target.get(c) is not None for c in OPTION_COLUMNS))


CHEF_ICL_MMBENCH = _icl_task(
    CHEF_MMBENCH, "chef-icl-mmbench", icl_reader(read_mmbench, _mmbench_question, lambda s: f"({s.target['answer']})"),
    icl_stages(_mmbench_question, VQA_QUERIES[0], _mmbench_options, VQA_TEMPLATES[1]), score_mmbench,
    mmbench_icl_metrics, "vanilla_acc",
    lambda v: (100 * v["correct"] * v["zero_shot"], v["vanilla"] * v["zero_shot"]),
    "ChEF in-context learning on MMBench (dev): 0-3 random examples (seed 1), CoT, option letters by likelihood, RIAM",
)  # fmt: skip

TASKS = (CHEF_ICL_SCIENCEQA, CHEF_ICL_MMBENCH)
