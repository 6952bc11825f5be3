"""CIFAR-10 classification (``Classification_CIFAR10.json``), paper protocol.

Correct iff a lemma of the label's first WordNet synset is among the answer's tokens after NLTK tokenizing,
stopword removal and ``morphy`` (paper ``classification_acc``). The paper table's "Acc" equals ``accuracy``
here (LAMM 37.9).
"""

from __future__ import annotations

from lamm_bench.parsing.synonyms import entity_tokens, paper_class_match
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import TaskSpec

from ._common import accuracy, single_request
from ._sysmsg import CLASSIFICATION_SYS

CIFAR10_LABELS = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def score_classification(sample: Sample, prediction: str) -> SampleScore:
    """One sample of the paper's CIFAR-10 metric (synonym match of ``label`` in the answer)."""
    label = sample.target["label"]
    correct = paper_class_match(label, prediction)
    tokens = entity_tokens(prediction)
    return SampleScore(
        values={"correct": float(correct)},
        parsed={"tokens": tokens},
        unparsed=not any(tokens),
    )


CIFAR10 = TaskSpec(
    name="cifar10",
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=("2D_Benchmark/meta_file/Classification_CIFAR10.json",),
    required_fields={"label": str},
    system_message=CLASSIFICATION_SYS,
    stages=(single_request(CLASSIFICATION_SYS, options=CIFAR10_LABELS),),
    score_sample=score_classification,
    aggregate=accuracy,
    paper_metric=("Acc", "accuracy"),
    description="CIFAR-10 classification: WordNet first-synset match of the label in the answer",
)

TASKS = (CIFAR10,)
