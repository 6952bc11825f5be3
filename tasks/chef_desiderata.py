"""ChEF's desiderata on the scenario engine: calibration and hallucination (``desiderata_recipes`` at
``OpenGVLab/LAMM@d01093c``, scored by likelihood; protocol ``chef-protocol.md`` §3).

- ``chef-calibration-scienceqa``, ``chef-calibration-mmbench`` (``Calibration/*.yaml``, the ``Calibration``
  inferencer): the ScienceQA and MMBench scenarios with CoT, ScienceQA asking ``What is the correct option for this
  question?`` (pool 1), MMBench ``The answer is`` (pool 0: the recipe's ``prompt_assigned_ids`` is ignored), both
  with template ``The correct option for the question is {}``. The answer is the best option (the first of equals)
  and its probability is the largest softmax over the options' mean log-probabilities (the option scores the
  adapter returns). ``ECE`` over 10 equal-count bins -- a fraction, lower is better; MMBench counts its vanilla
  questions only -- beside the scenario's accuracy, the reliability bins (``Acc_bins@i``, ``Prob_bins@i``) and the
  Brier score (:mod:`lamm_bench.metrics.chef_desiderata`).
- ``chef-pope`` (``Hallucination``, ``POPE_Metric``): COCO POPE's random, popular and adversarial questions asked
  as written, ``Yes`` / ``No`` scored in template ``{}``, ChEF's yes/no rule; per run (``POPE_COCO_random`` ...,
  its samples' ids ``<run>/<question_id>``) accuracy, precision, recall, F1 and yes-ratio as fractions, and
  ``Accuracy``, their mean accuracy (the leaderboard's number, /100). ``eval_hallucination.py`` runs every split
  with the one recipe it is given; this is ``POPE_random.yaml``'s (no CoT): with CoT, the ``{}`` template after the
  CoT's newline never holds the option's own tokens, so ``d01093c``'s LAMM scoring asserts (§5.2) unless the CoT
  happens to say ``Yes``/``No``.

A calibration prediction is ``{"answer": <chosen option>, "ppl_results": <the option scores as a JSON list>}``; one
without scores (a predictions file of texts, an unanswered sample) counts with equal probabilities.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lamm_bench.chef_data import POPE_VARIANTS, pope_file, pope_reader
from lamm_bench.chef_mmbench import OPTION_COLUMNS
from lamm_bench.errors import UserError
from lamm_bench.metrics.chef_desiderata import (
    POPE_RUNS, mmbench_calibration_metrics, pope_metrics, pope_runs_metrics, scienceqa_calibration_metrics,
)  # fmt: skip
from lamm_bench.records import MetaFile, Sample, SampleScore
from lamm_bench.task import TaskSpec

from ._chef import chosen, cot_ppl_stages, metric_score, option_index, ppl_stage, question_of, reference_metric
from ._chef_options import MME_OPTIONS, letter_options
from ._chef_prompts import VQA_QUERIES, VQA_TEMPLATES, mmbench_question, scienceqa_question
from .chef_datasets import CHEF_MMBENCH, score_mmbench
from .chef_lamm_data import CHEF_SCIENCEQA, score_scienceqa

POPE_TEMPLATE = "{}"
"""``POPE_templates`` id 0 (``query.py:152``); the POPE query pool's id 0 is ``''``: the human turn is the question."""

# --- Calibration -----------------------------------------------------------------------------------------------


def softmax(scores: Sequence[float]) -> list[float]:
    """``torch.softmax`` of the option scores in float64 (``Cali_inferencer``'s ``probs``)."""
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def assemble_calibrated(sample: Sample, responses: Mapping[str, str], scores: Mapping[str, tuple[float, ...]]):
    """The prediction of a run: the chosen option and the scores of every option."""
    return {"answer": responses[""], "ppl_results": json.dumps(list(scores[""]))}


def _option_scores(sample: Sample, prediction: Mapping[str, str]) -> list[float] | None:
    if "ppl_results" not in prediction:
        return None
    try:
        scores = json.loads(prediction["ppl_results"])
    except ValueError:
        scores = None
    if not (isinstance(scores, list) and scores and all(isinstance(s, int | float) for s in scores)):
        raise UserError(f"sample {sample.id}: 'ppl_results' should be a JSON list of numbers, one per option")
    return [float(s) for s in scores]


def calibrated(score: Callable[[Sample, str], SampleScore]) -> Callable[[Sample, Any], SampleScore]:
    """A calibration ``score_sample``: the scenario's answer record (``score``) with ChEF's Calibration fields --
    ``ppl_results``, ``probs`` (their softmax) and ``prob`` (the largest)."""

    def score_sample(sample: Sample, prediction: Any) -> SampleScore:
        prediction = prediction if isinstance(prediction, Mapping) else {"answer": prediction}
        base = score(sample, prediction.get("answer", ""))
        options = len(base.parsed["gt_choices"])
        scores = _option_scores(sample, prediction)
        if scores is not None and len(scores) != options:
            raise UserError(f"sample {sample.id}: {len(scores)} option scores for {options} options")
        probs = softmax(scores) if scores else [1.0 / options] * options
        record = {**base.parsed, "ppl_results": scores, "probs": probs, "prob": max(probs)}
        return metric_score(record, base.values)

    return score_sample


def _calibration(base: TaskSpec, name: str, query: str, question: Callable[[Sample], str],
                 options: Callable[[Sample], Sequence[str]], score, metric, description: str) -> TaskSpec:  # fmt: skip
    aggregate, answer_file = reference_metric(metric)
    return dataclasses.replace(
        base, name=name, stages=cot_ppl_stages(question, query, options, VQA_TEMPLATES[1]),
        score_sample=calibrated(score), assemble=lambda sample, responses: {"answer": chosen(sample, responses)},
        assemble_scored=assemble_calibrated, prediction_kind="mapping", aggregate=aggregate, answer_file=answer_file,
        paper_metric=("ECE", "ECE"), primary=base.paper_metric[1], description=description,
    )  # fmt: skip


def _mmbench_letters(sample: Sample) -> list[str]:
    return letter_options(sum(sample.target.get(c) is not None for c in OPTION_COLUMNS))


def _mmbench_row(sample: Sample) -> dict:
    return {"question": sample.query, **{k: sample.target.get(k) for k in ("hint", *OPTION_COLUMNS)}}


CHEF_CALIBRATION_SCIENCEQA = _calibration(
    CHEF_SCIENCEQA, "chef-calibration-scienceqa", VQA_QUERIES[1], question_of(scienceqa_question),
    lambda s: letter_options(len(s.target["gt_choices"])), score_scienceqa, scienceqa_calibration_metrics,
    "ChEF calibration on ScienceQA: CoT, the option letters by likelihood, ECE of the top softmax (10 equal bins)",
)  # fmt: skip
CHEF_CALIBRATION_MMBENCH = _calibration(
    CHEF_MMBENCH, "chef-calibration-mmbench", VQA_QUERIES[0], lambda s: mmbench_question(_mmbench_row(s)),
    _mmbench_letters, score_mmbench, mmbench_calibration_metrics,
    "ChEF calibration on MMBench (dev): CoT, the option letters by likelihood, ECE over the vanilla questions",
)  # fmt: skip


# --- Hallucination (POPE) --------------------------------------------------------------------------------------


def read_pope_runs(root: Path) -> tuple[list[Sample], list[MetaFile]]:
    """The three POPE splits in the driver's order, each sample's id ``<run>/<question_id>``; ``run_size`` (its
    split's question count) weighs the bootstrap's terms."""
    samples: list[Sample] = []
    metas: list[MetaFile] = []
    for run, variant in zip(POPE_RUNS, POPE_VARIANTS):
        found, files = pope_reader(variant)(root)
        samples += [dataclasses.replace(s, id=f"{run}/{s.id}", target={**s.target, "run_size": len(found)})
                    for s in found]  # fmt: skip
        metas += files
    return samples, metas


def score_pope(sample: Sample, prediction: str) -> SampleScore:
    """ChEF's answer record (``answer``, ``gt_answers``); ``correct`` by the yes/no rule, weighed by the split's size
    so the bootstrap's pooled terms are the mean of the splits' accuracies."""
    record = {"id": sample.id, "answer": prediction, "gt_answers": sample.target["label"]}
    return metric_score(record, {"correct": pope_metrics([record])["Accuracy"], "run_size": sample.target["run_size"]})


_POPE_AGGREGATE, _POPE_FILE = reference_metric(pope_runs_metrics)
CHEF_POPE = TaskSpec(
    name="chef-pope", version="1", protocol="chef", modality="2d",
    meta_files=tuple(pope_file(v) for v in POPE_VARIANTS), required_fields={}, system_message="",
    stages=(ppl_stage(lambda s: s.query, lambda s: MME_OPTIONS, POPE_TEMPLATE),), score_sample=score_pope,
    assemble=chosen, aggregate=_POPE_AGGREGATE, answer_file=_POPE_FILE, answer_runs=POPE_RUNS,
    primary_terms=lambda v: (v["correct"] / v["run_size"], 1.0 / v["run_size"]), paper_metric=("Accuracy", "Accuracy"),
    reader=read_pope_runs, correct_option=option_index(lambda s, r: "No" if s.target["label"] == "no" else "Yes"),
    extra={"recipe": "POPE_random.yaml's eval_cfg (no CoT) for all three splits"},
    description="ChEF hallucination (POPE COCO random, popular, adversarial): Yes/No by likelihood, mean accuracy",
)  # fmt: skip

TASKS = (CHEF_CALIBRATION_SCIENCEQA, CHEF_CALIBRATION_MMBENCH, CHEF_POPE)
