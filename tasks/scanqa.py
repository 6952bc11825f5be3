"""ScanQA multiple choice (``VQA_ScanQA_multiplechoice.json``), paper and ChEF protocols.

Paper: the two-step plan (reasoning, then ``... ###\\nANSWER:``) stored as ``reasoning + "\\n The answer is " +
option``, scored by the ``VQAvisionacc`` cascade with letters A-F (``common_eval_3d.py``). ChEF: one request,
``LAMM_VQA`` whose patterns stop at E, so a right answer F counts only through the option-text fallback.
"""

from __future__ import annotations

from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import TaskSpec, mean_of

from ._common import PAPER_3D, accuracy, assemble_two_step, single_request, two_step_vqa
from ._lamm3d import CHEF_3D, POINT_EXTRA, with_points
from .prompts3d import VQA3D_SYS_CHEF, VQA3D_SYS_PAPER
from .scienceqa import VQA_FIELDS, score_vqa

META = "3D_Benchmark/meta_file/VQA_ScanQA_multiplechoice.json"
PAPER_LETTERS = "ABCDEF"
CHEF_LETTERS = "ABCDE"
def score_scanqa_paper(sample: Sample, prediction: str) -> SampleScore:
    """Paper-era 3D ``VQAvisionacc`` (letters A-F)."""
    return score_vqa(sample, prediction, PAPER_LETTERS)


def score_scanqa_chef(sample: Sample, prediction: str) -> SampleScore:
    """ChEF ``LAMM_VQA`` (letters A-E)."""
    return score_vqa(sample, prediction, CHEF_LETTERS)


SCANQA = TaskSpec(
    name="scanqa",
    version="1",
    protocol="paper",
    modality="3d",
    meta_files=(META,),
    required_fields=VQA_FIELDS,
    system_message=VQA3D_SYS_PAPER,
    stages=tuple(with_points(s) for s in two_step_vqa(PAPER_3D)),
    assemble=assemble_two_step,
    score_sample=score_scanqa_paper,
    aggregate=accuracy,
    primary_terms=mean_of("correct"),
    paper_metric=("Acc", "accuracy"),
    description="3D VQA on ScanQA multiple choice: two-step reasoning+answer, LAMM regex cascade (A-F)",
    extra={**POINT_EXTRA, "letters": PAPER_LETTERS},
)

SCANQA_CHEF = TaskSpec(
    name="scanqa-chef",
    version="1",
    protocol="chef",
    modality="3d",
    meta_files=(META,),
    required_fields=VQA_FIELDS,
    system_message=VQA3D_SYS_CHEF,
    stages=(with_points(single_request(CHEF_3D)),),
    score_sample=score_scanqa_chef,
    aggregate=accuracy,
    primary_terms=mean_of("correct"),
    paper_metric=("vision_acc", "accuracy"),
    description="3D VQA on ScanQA multiple choice, ChEF protocol: one answer, LAMM_VQA cascade (A-E)",
    extra={**POINT_EXTRA, "letters": CHEF_LETTERS},
)

TASKS = (SCANQA, SCANQA_CHEF)
