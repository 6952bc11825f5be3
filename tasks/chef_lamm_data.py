"""ChEF's scenarios on LAMM's own meta files: ``chef-cifar10``, ``chef-flickr30k``, ``chef-fsc147``,
``chef-voc2012``, ``chef-scienceqa`` (the ``default.yaml`` recipes at ``OpenGVLab/LAMM@d01093c``, scored by
likelihood; protocol ``chef-protocol.md`` §2.1).

They read the same meta files as the paper-protocol tasks but are not the ``*-chef`` LAMM recipes (``cifar10-chef``
etc. generate an answer with LAMM's prompts): every option is scored and the best is the answer.

- ``chef-cifar10``: human turn ``The photo of the ``, template ``The object in the image is {}`` (the recipe's id 0;
  its comment says LAMM was run with id 1, ``{}``), the ten fixed CIFAR-10 classes in ChEF's order; ``ACC``:
  the label is a word of the cleaned answer.
- ``chef-flickr30k``: ``Generate caption of this image:``, template ``The caption for this image is " {}``,
  three other images' captions then one of the image's own (the GT last), drawn over the whole file in data order
  with ``random.seed(0)`` as the reference does; ``ACC``: the answer is one of the image's captions.
- ``chef-fsc147``: ``⟨query⟩ Please answer an arabic number directly.``, template ``{}``, five counts in the
  GT's decade (the GT third unless the decade bites); ``ACC``: the answer's count equals the GT (no MAE).
- ``chef-voc2012`` (Det_PPL): one classification turn per GT class (``The image shows``; the GT class first, then
  three other classes) and one grounding turn per GT box (``Give all the bounding boxes of ⟨class⟩ ...``; the GT
  box first, then three perturbed or random boxes), every turn with the ground truth as its context; the options
  drawn over the whole file in data order. ``mAP@0.5`` (ChEF's name): boxes of answered classes whose chosen box
  has IoU > 0.5 with the unrounded GT, over those boxes.
- ``chef-scienceqa``: ``clean_question`` (the context dropped) + ``The answer is``, CoT first, template
  ``The answer is {}``, options ``(A``, ``(B``... (no closing parenthesis); ``ACC`` by ChEF's answer extractor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lamm_bench.data import load_samples
from lamm_bench.metrics.chef_scenarios import (
    caption_acc_metrics, classification_metrics, counting_ppl_metrics, detection_ppl_metrics,
)  # fmt: skip
from lamm_bench.metrics.chef_vqa import vqa_metrics
from lamm_bench.records import Request, Sample, SampleScore
from lamm_bench.task import TaskSpec, mean_of, ratio_of

from ._chef import (
    chosen, cot_ppl_stages, metric_score, option_index, ppl_request, ppl_stage, question_of, reference_metric,
)  # fmt: skip
from ._chef_options import CIFAR10_OPTIONS, flickr30k_options, fsc147_options, letter_answer, letter_options, voc2012_options
from ._chef_prompts import (
    CAPTION_TEMPLATE, CIFAR10_TEMPLATES, COUNTING_TEMPLATE, DETECTION_TEMPLATES, VQA_QUERIES, VQA_TEMPLATES, cifar10_turn,
    flickr30k_turn, fsc147_turn, scienceqa_question, voc2012_classification_turn, voc2012_grounding_turn,
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
               right, requires: tuple[str, ...] = ()) -> TaskSpec:  # fmt: skip
    aggregate, answer_file = reference_metric(metric)
    return TaskSpec(
        name=name, version="1", protocol="chef", modality="2d", meta_files=(META + meta,), required_fields=fields,
        requires=requires, correct_option=option_index(right),
        system_message="", stages=stages, score_sample=score, assemble=chosen, aggregate=aggregate,
        answer_file=answer_file, primary_terms=mean_of("correct"), paper_metric=("ACC", "ACC"),
        description=description,
    )  # fmt: skip


CHEF_CIFAR10 = _chef_task(
    "chef-cifar10", "Classification_CIFAR10.json", {"label": str},
    (ppl_stage(lambda s: cifar10_turn(), lambda s: CIFAR10_OPTIONS, CIFAR10_TEMPLATES[0]),), score_cifar10,
    classification_metrics, "ChEF CIFAR10 scenario: the 10 classes scored by likelihood, ACC",
    lambda s, r: s.target["label"], requires=("wordnet",),  # SYN_ACC
)  # fmt: skip
CHEF_FSC147 = _chef_task(
    "chef-fsc147", "Counting_FSC147.json", {"num": int},
    (ppl_stage(lambda s: fsc147_turn(s.query), lambda s: fsc147_options(s.target["num"]), COUNTING_TEMPLATE),),
    score_fsc147, counting_ppl_metrics, "ChEF FSC147 scenario: five counts of the GT's decade by likelihood, ACC",
    lambda s, r: str(s.target["num"]),
)  # fmt: skip
CHEF_SCIENCEQA = _chef_task(
    "chef-scienceqa", "VQA_SQAimage.json", {"gt_choice": int, "gt_choices": list},
    cot_ppl_stages(question_of(scienceqa_question), VQA_QUERIES[0], _scienceqa_options, VQA_TEMPLATES[0]),
    score_scienceqa, vqa_metrics, "ChEF ScienceQA scenario: CoT, then the option letters by likelihood, ACC",
    lambda s, r: r.options[s.target["gt_choice"]],
)  # fmt: skip



def _drawn_over_the_file(base: TaskSpec, build):
    """A ``reader``: the base task's samples with ``target["chef"]``, what ``build`` makes of the whole meta file's
    records in file order (ChEF's options, drawn in access order), so a ``--limit`` run asks what a full run asks."""

    def read(root: Path):
        samples, metas = load_samples(base, root)
        made = build([record for meta in metas for record in meta.records])
        return [dataclasses.replace(s, target={**s.target, "chef": m}) for s, m in zip(samples, made)], metas

    return read


def score_flickr30k(sample: Sample, prediction: str) -> SampleScore:
    record = {"id": sample.id, "answer": prediction, "gt_answers": list(sample.target["sentences"])}
    return _score(caption_acc_metrics, record)


def _voc_requests(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
    chef = sample.target["chef"]
    cls = [ppl_request(sample, voc2012_classification_turn(), options, DETECTION_TEMPLATES[0], seed, key=f"cls{t}")
           for t, options in enumerate(chef["classification_options"])]  # fmt: skip
    grd = [ppl_request(sample, voc2012_grounding_turn(turn["fore_label"]), turn["options"], DETECTION_TEMPLATES[1], seed,
                       key=f"grd{t}") for t, turn in enumerate(chef["grounding_options"])]  # fmt: skip
    return cls + grd


def _turns(responses: Mapping[str, str], kind: str) -> list[str]:
    return [responses[k] for k in sorted((k for k in responses if k.startswith(kind)), key=lambda k: int(k[3:]))]


def score_voc2012(sample: Sample, prediction: Mapping[str, str]) -> SampleScore:
    """ChEF's Det_PPL answer record (``classification_answer``, ``grounding_answer`` in turn order)."""
    objects = sample.target["chef"]["gt_answers"]
    classes = _turns(prediction, "cls")
    record = {"id": sample.id, "gt_answers": objects, "classification_answer": classes,
              "grounding_answer": _turns(prediction, "grd")}  # fmt: skip
    counted = sum(obj["label"] in classes for obj in objects)
    hits = round(detection_ppl_metrics([record])["mAP@0.5"] * counted / 100)
    return metric_score(record, {"hits": hits, "counted": counted})


_FLICKR = _chef_task(
    "chef-flickr30k", "Caption_flickr30k.json", {"sentences": list},
    (ppl_stage(lambda s: flickr30k_turn(), lambda s: s.target["chef"], CAPTION_TEMPLATE),), score_flickr30k,
    caption_acc_metrics, "ChEF Flickr30k scenario: three other captions and one of the image's by likelihood, ACC",
    lambda s, r: r.options[-1],  # the GT is last
)  # fmt: skip
CHEF_FLICKR30K = dataclasses.replace(_FLICKR, reader=_drawn_over_the_file(_FLICKR, flickr30k_options))

_VOC_AGGREGATE, _VOC_FILE = reference_metric(detection_ppl_metrics)
_VOC = TaskSpec(
    name="chef-voc2012", version="1", protocol="chef", modality="2d", meta_files=(META + "Detection_VOC2012.json",),
    required_fields={"object": list}, system_message="", stages=(_voc_requests,), score_sample=score_voc2012,
    assemble=lambda sample, responses: dict(responses), prediction_kind="mapping", aggregate=_VOC_AGGREGATE,
    answer_file=_VOC_FILE, primary_terms=ratio_of("hits", "counted"), paper_metric=("mAP@0.5", "mAP@0.5"),
    correct_option=lambda sample, request: 0,  # the GT class and the GT box come first
    description="ChEF VOC2012 scenario (Det_PPL): GT class and box turns by likelihood, mAP@0.5 (ChEF's)",
)  # fmt: skip
CHEF_VOC2012 = dataclasses.replace(_VOC, reader=_drawn_over_the_file(_VOC, voc2012_options))

TASKS = (CHEF_CIFAR10, CHEF_FLICKR30K, CHEF_FSC147, CHEF_VOC2012, CHEF_SCIENCEQA)
