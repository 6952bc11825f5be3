"""FSC147 object counting (``Counting_FSC147.json``), paper and ChEF protocols. Errors are raw counts.

Both read the first whitespace token of the lowercased answer that is a digit string or a number word up to
twenty (``5.``, ``12,`` and ``3.5`` are skipped; a superscript such as ``²``, on which the reference crashes, is
skipped too; so is ``-5``: a sign is not a digit, so a negative count is never read, as in the reference). A
count above ``COUNT_MAX`` (10**300) reads as 10**300: below it every count scores exactly as the reference scores
it (``10**30`` gives an error of about 1e30), above it the reference's mean overflows and crashes. Paper
(``@3085eef FSC_eval``): no count reads as 0, ``mae`` = mean ``|gt - pred|`` (the table's "MAE", LAMM 46.88), plus
``mae_gt_lt10`` over images with fewer than ten objects. ChEF (``Counting``, metric type ``basic``, 256 tokens):
each error is clipped at the true count, ``clipped_error`` (reported by ChEF as "MAE"), plus ``exact_match``.

System message: ChEF's ``FSC147_LAMM`` scenario has none, so the LAMM wrapper keeps whatever its global
conversation template holds (the template default in a fresh process, or the previous dataset's message). That
is not reproducible, so ``fsc147-chef`` sends LAMM's own counting message (``CNT_SYS``, as the paper does); the
request still uses the ChEF prompt layout (``protocol="chef"``).
"""

from __future__ import annotations

from collections.abc import Sequence

from lamm_bench.metrics.counting import (
    counting_chef_aggregate,
    counting_chef_sample,
    counting_paper_aggregate,
    counting_paper_sample,
)
from lamm_bench.parsing.text import count_from_text_paper
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import TaskSpec, mean_of

from ._common import CHEF_LONG, PAPER_2D, single_request
from ._lamm2d import unparsed_rate, values
from .prompts2d import CNT_SYS

META = "2D_Benchmark/meta_file/Counting_FSC147.json"
FIELDS = {"num": int}


def score_count_paper(sample: Sample, prediction: str) -> SampleScore:
    """Paper ``FSC_eval`` for one image; ``parsed`` is the count read (None when there is none, scored as 0)."""
    counts = counting_paper_sample(prediction, sample.target["num"])
    return SampleScore(
        values=counts, parsed={"count": count_from_text_paper(prediction)}, unparsed=bool(counts["unparsed"])
    )


def aggregate_count_paper(scores: Sequence[SampleScore]) -> dict[str, float]:
    """``mae``, ``mae_gt_lt10`` (raw counts) and the share of answers without a count."""
    return {**counting_paper_aggregate(values(scores)), "unparsed_rate": unparsed_rate(scores)}


def score_count_chef(sample: Sample, prediction: str) -> SampleScore:
    """ChEF ``Counting`` for one image; ``parsed`` is the count read (None when there is none, scored as 0)."""
    counts = counting_chef_sample(prediction, sample.target["num"])
    return SampleScore(
        values=counts, parsed={"count": count_from_text_paper(prediction)}, unparsed=bool(counts["unparsed"])
    )


def aggregate_count_chef(scores: Sequence[SampleScore]) -> dict[str, float]:
    """``clipped_error`` (raw), ``exact_match`` (percent) and the share of answers without a count."""
    return {**counting_chef_aggregate(values(scores)), "unparsed_rate": unparsed_rate(scores)}


FSC147 = TaskSpec(
    name="fsc147",
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=CNT_SYS,
    stages=(single_request(PAPER_2D),),
    score_sample=score_count_paper,
    aggregate=aggregate_count_paper,
    primary_terms=mean_of("abs_error", scale=1.0),
    paper_metric=("MAE", "mae"),
    description="FSC147 counting: first digit/number-word token (else 0), MAE (raw) and MAE on gt < 10",
)

FSC147_CHEF = TaskSpec(
    name="fsc147-chef",
    version="1",
    protocol="chef",
    modality="2d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=CNT_SYS,
    stages=(single_request(CHEF_LONG),),
    score_sample=score_count_chef,
    aggregate=aggregate_count_chef,
    primary_terms=mean_of("clipped_error", scale=1.0),
    paper_metric=("MAE", "clipped_error"),
    description="FSC147 counting, ChEF protocol: 256 tokens, error clipped at the true count (raw), exact match",
)

TASKS = (FSC147, FSC147_CHEF)
