"""ChEF's instruction-following desideratum: ``chef-insfollow-scienceqa``, ``chef-insfollow-mmbench``
(``desiderata_recipes/Insfollow/*.yaml`` and ``src/tools/ChEF/eval_insfollow.py`` at ``OpenGVLab/LAMM@d01093c``,
scored by likelihood; protocol ``chef-protocol.md`` §3).

Each task is seven runs of its scenario, one after the other: ``origin`` (the options ``(A``, ``(B``...), then six
label mappings (the datasets' ``OPTION_MAP``, ``vqa_dataset.py:104-120``, ``MMBench_dataset.py:140-156``):
``natural_0`` ``1..8``, ``natural_1`` ``I..VII``, ``natural_2`` ``first..sixth``, ``neutral_0`` ``Smith, Johnson,
...``, ``neutral_1`` ``foo, dog, ...`` and ``unnatural_0``, the options themselves rotated left by one (``(B``,
``(C``, ..., ``(A``). A mapped run's question gets ``If the answer is "(A)", you need to output "1". `` appended for
every option (no space before the first, one after each), its CoT is asked for that question, and its options are
the mapped labels; the ground truth stays where it was. Samples are ``<run>/<ChEF id>``.

- ScienceQA (``Insfollow/ScienceQA.yaml``): ``clean_question`` + ``The answer is``, CoT, template ``The answer is {}``.
- MMBench (``Insfollow/MMBench.yaml``, dev, hint): the scenario's question + ``The answer is`` (pool 0: the recipe's
  ``prompt_assigned_ids: 1`` is ignored), CoT, template ``The correct option for the question is {}``; the options
  are ``(X`` for the columns that have a value, as the reference builds them.

Every run is scored with ``Instruct_Follow`` (the origin run too, as the driver's evaluator does: on ChEF's own
options it is the scenario's accuracy); the match ratio of a mapped run compares its chosen option's place with the
origin run's. Metrics: ``<run>/Acc``, ``<run>/MR``, ``weighted_avg_MR`` (the paper metric) and ``weighted_avg_Acc``
(:mod:`lamm_bench.metrics.chef_insfollow`). The confidence interval is ``weighted_avg_Acc``'s (a question's match
depends on another run's answer, so the match ratio has no per-sample terms).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

from lamm_bench.chef_mmbench import OPTION_COLUMNS
from lamm_bench.data import load_samples
from lamm_bench.errors import UserError
from lamm_bench.metrics.chef_insfollow import (
    INSFOLLOW_RUNS, RUN_WEIGHTS, insfollow_runs_metrics, instruct_follow, item_key,
)  # fmt: skip
from lamm_bench.records import MetaFile, Sample, SampleScore
from lamm_bench.task import TaskSpec

from ._chef import chosen, cot_ppl_stages, metric_score, question_of, reference_metric
from ._chef_options import letter_answer, letter_options
from ._chef_prompts import VQA_QUERIES, VQA_TEMPLATES, mmbench_question, scienceqa_question
from .chef_datasets import CHEF_MMBENCH
from .chef_lamm_data import CHEF_SCIENCEQA

OPTION_MAPS: dict[str, tuple[str, ...]] = {
    "natural_0": ("1", "2", "3", "4", "5", "6", "7", "8"),
    "natural_1": ("I", "II", "III", "IV", "V", "VI", "VII"),
    "natural_2": ("first", "second", "third", "fourth", "fifth", "sixth"),
    "neutral_0": ("Smith", "Johnson", "Williams", "Jones", "Brown", "Davis", "Miller", "Wilson"),
    "neutral_1": ("foo", "dog", "hip", "oh", "cat", "lake", "river", "joy"),
}
"""``OPTION_MAP[type][id]`` of the runs the driver uses (its unused lists -- ``(1)..(8)``, Greek letters, symbols,
the right rotation -- are left out); ``unnatural_0`` maps onto the options themselves."""
MAP_SENTENCE = 'If the answer is "{}", you need to output "{}". '
"""The datasets' ``map_template``, formatted with ``option + ')'`` and the option's label."""


def mapped_options(run: str, options: Sequence[str]) -> list[str]:
    """A run's options: ChEF's own for ``origin``, rotated left by one for ``unnatural_0``, else the run's labels.

    Raises:
        ValueError: More options than the run has labels (the reference raises an IndexError).
    """
    if run == "origin":
        return list(options)
    if run == "unnatural_0":
        return [*options[1:], *options[:1]]
    labels = OPTION_MAPS[run]
    if len(options) > len(labels):
        raise ValueError(f"{len(options)} options, but run {run} has only {len(labels)} labels")
    return list(labels[: len(options)])


def mapped_question(run: str, question: str, options: Sequence[str]) -> str:
    """A run's question: the scenario's, with one ``MAP_SENTENCE`` per option appended for a mapped run."""
    if run == "origin":
        return question
    return question + "".join(MAP_SENTENCE.format(f"{o})", m) for o, m in zip(options, mapped_options(run, options)))


def _runs_reader(base: TaskSpec, options: Callable[[Sample], Sequence[str]]):
    """A ``reader``: the scenario's samples once per run, in the driver's order, ids ``<run>/<id>``; each carries
    its run, its ChEF options, ``first`` (the first record of its question: the one ChEF's metrics count) and
    ``share``, its weight in ``weighted_avg_Acc`` (the run's weight over the run's question count for a first record;
    0 for the rest and for the origin run)."""

    def read(root: Path) -> tuple[list[Sample], list[MetaFile]]:
        samples, metas = load_samples(base, root)
        first: dict[str, int] = {}
        for i, sample in enumerate(samples):
            first.setdefault(item_key(sample.id), i)
        counted = set(first.values())
        runs: list[Sample] = []
        for run in INSFOLLOW_RUNS:
            for i, sample in enumerate(samples):
                own = list(options(sample))
                try:
                    mapped_options(run, own)
                except ValueError as exc:
                    raise UserError(f"{sample.source}: sample {sample.id}: {exc}") from None
                share = RUN_WEIGHTS[run] / len(counted) if i in counted else 0.0
                target = {**sample.target, "run": run, "chef_options": own, "first": i in counted, "share": share}
                runs.append(dataclasses.replace(sample, id=f"{run}/{sample.id}", target=target))
        return runs, metas

    return read


def _scorer(gt_choice: Callable[[Sample], int],
            choices: Callable[[Sample], list]) -> Callable[[Sample, str], SampleScore]:  # fmt: skip
    """A ``score_sample``: ChEF's answer record of the run (``options`` the run's labels), ``correct`` its
    ``Instruct_Follow`` for the first record of a question (0 for the others, which ChEF does not count)."""

    def score(sample: Sample, prediction: str) -> SampleScore:
        t = sample.target
        gt = gt_choice(sample)
        record = {"id": sample.id, "answer": prediction, "options": mapped_options(t["run"], t["chef_options"]),
                  "gt_choice": gt, "gt_choices": choices(sample), "gt_answers": letter_answer(gt)}  # fmt: skip
        return metric_score(record, {"correct": instruct_follow([record]) / 100 if t["first"] else 0.0,
                                     "share": t["share"]})  # fmt: skip

    return score


def _insfollow(base: TaskSpec, name: str, question: Callable[[Sample], str], options, gt_choice, choices,
               template: str, recipe: str, description: str) -> TaskSpec:  # fmt: skip
    def run_question(sample: Sample) -> str:
        return mapped_question(sample.target["run"], question(sample), sample.target["chef_options"])

    def run_options(sample: Sample) -> list[str]:
        return mapped_options(sample.target["run"], sample.target["chef_options"])

    aggregate, answer_file = reference_metric(insfollow_runs_metrics)
    return dataclasses.replace(
        base, name=name, version="1", stages=cot_ppl_stages(run_question, VQA_QUERIES[0], run_options, template),
        score_sample=_scorer(gt_choice, choices), assemble=chosen, prediction_kind="text", aggregate=aggregate,
        answer_file=answer_file, answer_runs=INSFOLLOW_RUNS, reader=_runs_reader(base, options),
        primary_terms=lambda v: (100 * v["correct"] * v["share"], v["share"]),
        paper_metric=("weighted_avg_MR", "weighted_avg_MR"), primary="weighted_avg_Acc",
        correct_option=lambda sample, request: gt_choice(sample), extra={"recipe": recipe},
        assemble_scored=None, description=description,
    )  # fmt: skip


def _mmbench_row(sample: Sample) -> dict:
    return {"question": sample.query, **{k: sample.target.get(k) for k in ("hint", *OPTION_COLUMNS)}}


CHEF_INSFOLLOW_SCIENCEQA = _insfollow(
    CHEF_SCIENCEQA, "chef-insfollow-scienceqa", question_of(scienceqa_question),
    lambda s: letter_options(len(s.target["gt_choices"])), lambda s: s.target["gt_choice"],
    lambda s: list(s.target["gt_choices"]), VQA_TEMPLATES[0],
    "Insfollow/ScienceQA.yaml: pool 0, template 0, CoT; the origin run and six label mappings",
    "ChEF instruction following on ScienceQA: the option letters mapped to other labels, match ratio (weighted)",
)  # fmt: skip
CHEF_INSFOLLOW_MMBENCH = _insfollow(
    CHEF_MMBENCH, "chef-insfollow-mmbench", lambda s: mmbench_question(_mmbench_row(s)),
    lambda s: [f"({c}" for c in OPTION_COLUMNS if s.target.get(c) is not None],
    lambda s: "ABCDE".index(s.target["answer"]),
    lambda s: [s.target[c] for c in OPTION_COLUMNS if s.target.get(c) is not None], VQA_TEMPLATES[1],
    "Insfollow/MMBench.yaml: pool 0 (prompt_assigned_ids ignored), template 1, CoT; the origin run and six mappings",
    "ChEF instruction following on MMBench (dev): the option letters mapped to other labels, match ratio (weighted)",
)  # fmt: skip

TASKS = (CHEF_INSFOLLOW_SCIENCEQA, CHEF_INSFOLLOW_MMBENCH)
