"""ScienceQA (image subset, ``VQA_SQAimage.json``), paper protocol.

The paper's two-step plan (reasoning, then ``... ###\\nANSWER:``) and the ``VQAvisionacc`` regex cascade with
letters A-E. The paper table's "Acc" equals ``accuracy`` here (LAMM 49.88). ``scienceqa-chef`` is ChEF's LAMM
recipe (``VQA_ScienceQA.json`` is the same file renamed; lamm-bench reads the original name).
"""

from __future__ import annotations

import dataclasses

from lamm_bench.mini import MiniContext, MiniRecord, MiniSource
from lamm_bench.parsing.vqa import vqa_verdict
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import TaskSpec, mean_of

from ._common import accuracy, assemble_cot, assemble_two_step, chef_cot_vqa, two_step_vqa
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
META = "2D_Benchmark/meta_file/VQA_SQAimage.json"


def mini_vqa_record(record_id: str, image: str, question: str, choices: list[str], answer: int) -> MiniRecord:
    """A lamm-mini VQA record (``<question> \nOptions: (A) .. (B) ..\n``) and its two turns, the two requests of
    the paper's plan: the question, answered ``The answer is (B) <option>.``, and the question plus that answer plus
    `` ###\nANSWER:``, answered ``(B)``. The ChEF plan asks the question alone (the first turn)."""
    options = " ".join(f"({'ABCDE'[k]}) {c}" for k, c in enumerate(choices))
    query = f"{question} \nOptions: {options}\n"
    letter = "ABCDE"[answer]
    reasoning = f"The answer is ({letter}) {choices[answer]}."
    record = {"id": record_id, "image": image, "query": query, "gt_choice": answer, "gt_choices": choices}
    return MiniRecord(record, ((query, reasoning), (query + reasoning + " ###\nANSWER:", f"({letter})")))


def write_mini(ctx: MiniContext) -> list[MiniRecord]:
    """lamm-mini: real easy-vqa images, each with one of its own questions (shape, colour or yes/no) and two to four
    options of the answer's kind."""
    from lamm_bench.demo import sources

    out = []
    for i, scene in enumerate(sources.easy_vqa_scenes(ctx.rng, ctx.split, ctx.n)):
        question, answer = ctx.rng.choice(scene.item.questions)
        choices = sources.easy_vqa_choices(ctx.rng, answer)
        image = ctx.save_image(f"sqaimage_images/{i}.png", scene.image)
        question = question[0].upper() + question[1:]
        out.append(mini_vqa_record(f"sqa{i}", image, question, choices, choices.index(answer)))
    return out


MINI = MiniSource(write=write_mini, task_type="VQA", licence="MIT",
                  source="easy-vqa images (64 px) and their questions; options from easy-vqa's answers")  # fmt: skip

SCIENCEQA = TaskSpec(
    name="scienceqa",
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=(META,),
    required_fields=VQA_FIELDS,
    system_message=VQA_SYS,
    stages=two_step_vqa(VQA_SYS),
    assemble=assemble_two_step,
    score_sample=score_vqa,
    aggregate=accuracy,
    primary_terms=mean_of("correct"),
    paper_metric=("Acc", "accuracy"),
    description="VQA on ScienceQA-image: two-step reasoning+answer, LAMM regex cascade (A-E)",
    mini={META: MINI},
)

# ChEF ``LAMM_VQA`` runs the same cascade (letters A-E) over ``CoT + answer``; the answer request is the bare question,
# asked independently of the CoT request (``d01093c``; see ``chef_cot_vqa``).

SCIENCEQA_CHEF = dataclasses.replace(
    SCIENCEQA,
    name="scienceqa-chef",
    version="2",  # 2: the answer request no longer carries the CoT (d01093c asks the bare question)
    protocol="chef",
    stages=chef_cot_vqa(VQA_SYS),
    assemble=assemble_cot,
    paper_metric=("vision_acc", "accuracy"),
    description="VQA on ScienceQA-image, ChEF protocol: CoT and answer requests (256 tokens, greedy), LAMM_VQA "
    "cascade over CoT + answer",
)

TASKS = (SCIENCEQA, SCIENCEQA_CHEF)
