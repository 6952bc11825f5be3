"""AI2D (``VQA_AI2D.json``), paper and ChEF protocols: the same plans and scoring as ScienceQA.

Paper: two-step plan (reasoning, then ``... ###\\nANSWER:``), stored as ``reasoning + "\\n The answer is " +
option`` and scored by the ``VQAvisionacc`` cascade (letters A-E); the table's "Acc" is ``accuracy`` (LAMM 20.92).
ChEF (``AI2D`` recipe, ``CoT: True``, 256 tokens): a CoT request and, independently, the bare question as the answer
request; ``LAMM_VQA`` over ``CoT + answer`` (version 2, inherited from ``scienceqa-chef``).
"""

from __future__ import annotations

import dataclasses

from .scienceqa import SCIENCEQA, SCIENCEQA_CHEF

META = "2D_Benchmark/meta_file/VQA_AI2D.json"

AI2D = dataclasses.replace(
    SCIENCEQA,
    name="ai2d",
    meta_files=(META,),
    description="VQA on AI2D: two-step reasoning+answer, LAMM regex cascade (A-E)",
    judge=dataclasses.replace(SCIENCEQA.judge, samples=150),
)

AI2D_CHEF = dataclasses.replace(
    SCIENCEQA_CHEF,
    name="ai2d-chef",
    meta_files=(META,),
    description="VQA on AI2D, ChEF protocol: CoT and answer requests (256 tokens, greedy), LAMM_VQA cascade over "
    "CoT + answer",
)

TASKS = (AI2D, AI2D_CHEF)
