"""ChEF's scenarios on LAMM's own meta files: ``chef-cifar10``, ``chef-fsc147``, ``chef-scienceqa`` (the
``default.yaml`` recipes at ``OpenGVLab/LAMM@d01093c``, scored by likelihood; protocol ``chef-protocol.md`` §2.1).

They read the same meta files as the paper-protocol tasks but are not the ``*-chef`` LAMM recipes (``cifar10-chef``
etc. generate an answer with LAMM's prompts): every option is scored and the best is the answer.

- ``chef-cifar10``: human turn ``The photo of the ``, template ``The object in the image is {}`` (the recipe's id 0;
  its comment says LAMM was run with id 1, ``{}``), the ten fixed CIFAR-10 classes in ChEF's order; ``ACC``:
  the label is a word of the cleaned answer.
- ``chef-fsc147``: ``⟨query⟩ Please answer an arabic number directly.``, template ``{}``, five counts in the
  GT's decade (the GT third unless the decade bites); ``ACC``: the answer's count equals the GT (no MAE).
- ``chef-scienceqa``: ``clean_question`` (the context dropped) + ``The answer is``, CoT first, template
  ``The answer is {}``, options ``(A``, ``(B``... (no closing parenthesis); ``ACC`` by ChEF's answer extractor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamm_bench.metrics.chef_scenarios import classification_metrics, counting_ppl_metrics
from lamm_bench.metrics.chef_vqa import vqa_metrics
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import TaskSpec, mean_of

from ._chef import chosen, cot_ppl_stages, metric_score, ppl_stage, question_of, reference_metric
from ._chef_options import CIFAR10_OPTIONS, fsc147_options, letter_answer, letter_options
from ._chef_prompts import (
    CIFAR10_TEMPLATES, COUNTING_TEMPLATE, VQA_QUERIES, VQA_TEMPLATES, cifar10_turn, fsc147_turn, scienceqa_question,
)  # fmt: skip

META = "2D_Benchmark/meta_file/"


def _score(metric, record: dict[str, Any]) -> SampleScore:
    """A sample scored by ChEF's own metric on its one-record answer file: ``correct`` is its ``ACC`` share."""
    return metric_score(record, {"correct": metric([record])["ACC"] / 100})


def score_cifar10(sample: Sample, prediction: str) -> SampleScore:
    return _score(classification_metrics, {"id": sample.id, "answer": prediction, "gt_answers": sample.target["label"]})


def score_fsc147(sample: Sample, prediction: str) -> SampleScore:
    return _score(counting_ppl_metrics, {"id": sample.id, "answer": prediction, "gt_answers": sample.target["num"]})


def score_scienceqa(sample: Sample, prediction: str) -> SampleScore:
    t = sample.target
    record = {"id": sample.id, "answer": prediction, "gt_choice": t["gt_choice"], "gt_choices": list(t["gt_choices"]),
              "gt_answers": letter_answer(t["gt_choice"])}  # fmt: skip
    return _score(vqa_metrics, record)


def _scienceqa_options(sample: Sample) -> Sequence[str]:
    return letter_options(len(sample.target["gt_choices"]))


def _chef_task(name: str, meta: str, fields: Mapping[str, type], stages, score, metric, description: str,
               requires: tuple[str, ...] = ()) -> TaskSpec:  # fmt: skip
    aggregate, answer_file = reference_metric(metric)
    return TaskSpec(
        name=name, version="1", protocol="chef", modality="2d", meta_files=(META + meta,), required_fields=fields,
        requires=requires,
        system_message="", stages=stages, score_sample=score, assemble=chosen, aggregate=aggregate,
        answer_file=answer_file, primary_terms=mean_of("correct"), paper_metric=("ACC", "ACC"),
        description=description,
    )  # fmt: skip


CHEF_CIFAR10 = _chef_task(
    "chef-cifar10", "Classification_CIFAR10.json", {"label": str},
    (ppl_stage(lambda s: cifar10_turn(), lambda s: CIFAR10_OPTIONS, CIFAR10_TEMPLATES[0]),), score_cifar10,
    classification_metrics, "ChEF CIFAR10 scenario: the 10 classes scored by likelihood, ACC",
    requires=("wordnet",),  # SYN_ACC
)  # fmt: skip
CHEF_FSC147 = _chef_task(
    "chef-fsc147", "Counting_FSC147.json", {"num": int},
    (ppl_stage(lambda s: fsc147_turn(s.query), lambda s: fsc147_options(s.target["num"]), COUNTING_TEMPLATE),),
    score_fsc147, counting_ppl_metrics, "ChEF FSC147 scenario: five counts of the GT's decade by likelihood, ACC",
)  # fmt: skip
CHEF_SCIENCEQA = _chef_task(
    "chef-scienceqa", "VQA_SQAimage.json", {"gt_choice": int, "gt_choices": list},
    cot_ppl_stages(question_of(scienceqa_question), VQA_QUERIES[0], _scienceqa_options, VQA_TEMPLATES[0]),
    score_scienceqa, vqa_metrics, "ChEF ScienceQA scenario: CoT, then the option letters by likelihood, ACC",
)  # fmt: skip

TASKS = (CHEF_CIFAR10, CHEF_FSC147, CHEF_SCIENCEQA)
