"""AI2D (``VQA_AI2D.json``), paper and ChEF protocols: the same plans and scoring as ScienceQA.

Paper: two-step plan (reasoning, then ``... ###\\nANSWER:``), stored as ``reasoning + "\\n The answer is " +
option`` and scored by the ``VQAvisionacc`` cascade (letters A-E); the table's "Acc" is ``accuracy`` (LAMM 20.92).
ChEF (``AI2D`` recipe, ``CoT: True``, 256 tokens): a CoT request and, independently, the bare question as the answer
request; ``LAMM_VQA`` over ``CoT + answer`` (version 2, inherited from ``scienceqa-chef``).
"""

from __future__ import annotations

import dataclasses

from lamm_bench.mini import MiniContext, MiniRecord, MiniSource

from .scienceqa import SCIENCEQA, SCIENCEQA_CHEF, mini_vqa_record

META = "2D_Benchmark/meta_file/VQA_AI2D.json"


def write_mini(ctx: MiniContext) -> list[MiniRecord]:
    """lamm-mini: scikit-learn's handwritten digits (every fifth for test, the others for train) drawn 64 px, with
    three or four numerals as options; the turns are ScienceQA's (``mini_vqa_record``)."""
    from lamm_bench.demo import sources

    out = []
    for i, (index, digit) in enumerate(sources.pick(ctx.rng, sources.digits(ctx.split), ctx.n)):
        others = ctx.rng.sample([str(d) for d in range(10) if d != digit], ctx.rng.randint(2, 3))
        choices = ctx.rng.sample([str(digit), *others], len(others) + 1)
        image = ctx.save_image(f"ai2d_images/{i}.png", sources.digit_image(index))
        question = "Which digit is drawn in this diagram?"
        out.append(mini_vqa_record(f"ai2d{i}", image, question, choices, choices.index(str(digit))))
    return out


MINI = MiniSource(write=write_mini, task_type="VQA", licence="BSD-3-Clause (scikit-learn); data CC BY 4.0 (UCI)",
                  source="scikit-learn digits (8x8, drawn 64 px); which digit, 3-4 numeral options")  # fmt: skip

AI2D = dataclasses.replace(
    SCIENCEQA,
    name="ai2d",
    meta_files=(META,),
    description="VQA on AI2D: two-step reasoning+answer, LAMM regex cascade (A-E)",
    mini={META: MINI},
)

AI2D_CHEF = dataclasses.replace(
    SCIENCEQA_CHEF,
    name="ai2d-chef",
    meta_files=(META,),
    description="VQA on AI2D, ChEF protocol: CoT and answer requests (256 tokens, greedy), LAMM_VQA cascade over "
    "CoT + answer",
    mini={META: MINI},
)

TASKS = (AI2D, AI2D_CHEF)
