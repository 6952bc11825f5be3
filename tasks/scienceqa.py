"""ScienceQA (image subset, ``VQA_SQAimage.json``), paper protocol.

The paper's two-step plan (reasoning, then ``... ###\\nANSWER:``) and the ``VQAvisionacc`` regex cascade with
letters A-E. The paper table's "Acc" equals ``accuracy`` here (LAMM 49.88). ``scienceqa-chef`` is ChEF's LAMM
recipe (``VQA_ScienceQA.json`` is the same file renamed; lamm-bench reads the original name).
"""

from __future__ import annotations

import dataclasses

from lamm_bench.parsing.vqa import vqa_verdict
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import JudgeSetting, TaskSpec, mean_of

from ._common import accuracy, assemble_cot, assemble_two_step, chef_cot_vqa, two_step_vqa
from .prompts2d import VQA_SYS


def score_vqa(sample: Sample, prediction: str, letters: str = "ABCDE") -> SampleScore:
    """One sample of ``VQAvisionacc``: correct or not, and which branch of the cascade decided."""
    verdict = vqa_verdict(prediction, sample.target["gt_choice"], sample.target["gt_choices"], letters)
    return SampleScore(
        values={"correct": float(verdict.correct)},
        parsed={"branch": verdict.branch, "matches": list(verdict.matches)},
        unparsed=verdict.branch == "none",
    )


VQA_FIELDS = {"gt_choice": int, "gt_choices": list}
META = "2D_Benchmark/meta_file/VQA_SQAimage.json"


def judge_reference(sample: Sample) -> str:
    """What the GPT metric shows as a multiple-choice record's ground truth: ``(B) <the option's text>``."""
    choice = sample.target["gt_choice"]
    return f"({'ABCDEFG'[choice]}) {sample.target['gt_choices'][choice]}"


SCIENCEQA = TaskSpec(
    name="scienceqa",
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=(META,),
    required_fields=VQA_FIELDS,
    system_message=VQA_SYS,
    stages=two_step_vqa(),
    assemble=assemble_two_step,
    score_sample=score_vqa,
    aggregate=accuracy,
    primary_terms=mean_of("correct"),
    paper_metric=("Acc", "accuracy"),
    description="VQA on ScienceQA-image: two-step reasoning+answer, LAMM regex cascade (A-E)",
    judge=JudgeSetting(250, "vision question answering\\(VQA\\)", judge_reference),
)

# ChEF ``LAMM_VQA`` runs the same cascade (letters A-E) over ``CoT + answer``; the answer request is the bare question,
# asked independently of the CoT request (``d01093c``; see ``chef_cot_vqa``).

SCIENCEQA_CHEF = dataclasses.replace(
    SCIENCEQA,
    name="scienceqa-chef",
    version="2",  # 2: the answer request no longer carries the CoT (d01093c asks the bare question)
    protocol="chef",
    stages=chef_cot_vqa(),
    assemble=assemble_cot,
    paper_metric=("vision_acc", "accuracy"),
    judge=None,
    description="VQA on ScienceQA-image, ChEF protocol: CoT and answer requests (256 tokens, greedy), LAMM_VQA "
    "cascade over CoT + answer",
)

TASKS = (SCIENCEQA, SCIENCEQA_CHEF)
