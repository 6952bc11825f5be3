"""ScienceQA (image subset, ``VQA_SQAimage.json``), paper protocol.

The paper's two-step plan (reasoning, then ``... ###\\nANSWER:``) and the ``VQAvisionacc`` regex cascade with
letters A-E. The paper table's "Acc" equals ``accuracy`` here (LAMM 49.88).
"""

from __future__ import annotations

from lamm_bench.parsing.vqa import vqa_verdict
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import TaskSpec

from ._common import accuracy, assemble_two_step, two_step_vqa
from ._sysmsg import VQA_SYS


def score_vqa(sample: Sample, prediction: str, letters: str = "ABCDE") -> SampleScore:
    """One sample of ``VQAvisionacc``: correct or not, and which branch of the cascade decided."""
    verdict = vqa_verdict(prediction, sample.target["gt_choice"], sample.target["gt_choices"], letters)
    return SampleScore(
        values={"correct": float(verdict.correct)},
        parsed={"branch": verdict.branch, "matches": list(verdict.matches)},
        unparsed=verdict.branch == "none",
    )


VQA_FIELDS = {"gt_choice": int, "gt_choices": list}

SCIENCEQA = TaskSpec(
    name="scienceqa",
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=("2D_Benchmark/meta_file/VQA_SQAimage.json",),
    required_fields=VQA_FIELDS,
    system_message=VQA_SYS,
    stages=two_step_vqa(VQA_SYS),
    assemble=assemble_two_step,
    score_sample=score_vqa,
    aggregate=accuracy,
    paper_metric=("Acc", "accuracy"),
    description="VQA on ScienceQA-image: two-step reasoning+answer, LAMM regex cascade (A-E)",
)

TASKS = (SCIENCEQA,)
