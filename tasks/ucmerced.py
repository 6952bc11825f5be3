"""UCMerced land-use fine-grained classification (``Fine-grained_Classification_UCMerced.json``), paper and ChEF.

Both protocols count an answer correct iff the label is a substring of the raw answer -- case-sensitive, no
normalization (``UCMerced_eval`` / ChEF ``UCMerced_Classification``), so "Beach" does not match ``beach``. The
paper table's "Acc" is ``accuracy`` (LAMM 18.23); ChEF's ``ACC`` is the same number over 16-token answers.
"""

from __future__ import annotations

import dataclasses

from lamm_bench.metrics.classification import ucmerced_sample
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import JudgeSetting, TaskSpec, labels_of, mean_of

from ._common import CHEF_DEFAULT, PAPER_2D, accuracy, single_request, target_text
from .prompts2d import FG_CLASSIFICATION_SYS

META = "2D_Benchmark/meta_file/Fine-grained_Classification_UCMerced.json"


def score_ucmerced(sample: Sample, prediction: str) -> SampleScore:
    """Correct iff ``label in answer``; ``parsed`` holds the label when it was found, else None."""
    label = sample.target["label"]
    found = ucmerced_sample(prediction, label)
    return SampleScore(
        values={"correct": float(found["correct"])},
        parsed={"found": label if found["correct"] else None},
        unparsed=not prediction.strip(),
    )


UCMERCED = TaskSpec(
    name="ucmerced",
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=(META,),
    required_fields={"label": str},
    system_message=FG_CLASSIFICATION_SYS,
    stages=(single_request(PAPER_2D),),
    score_sample=score_ucmerced,
    aggregate=accuracy,
    primary_terms=mean_of("correct"),
    paper_metric=("Acc", "accuracy"),
    description="UCMerced fine-grained classification: case-sensitive substring match of the label",
    judge=JudgeSetting(50, " fine-grained classification", target_text("label")),  # the reference's leading space
    label_set=labels_of("label"),
)

UCMERCED_CHEF = dataclasses.replace(
    UCMERCED,
    name="ucmerced-chef",
    protocol="chef",
    stages=(single_request(CHEF_DEFAULT),),
    paper_metric=("ACC", "accuracy"),
    description="UCMerced, ChEF protocol: 16 tokens, case-sensitive substring match of the label",
    judge=None,
)

TASKS = (UCMERCED, UCMERCED_CHEF)
