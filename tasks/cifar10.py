"""CIFAR-10 classification (``Classification_CIFAR10.json``), paper protocol.

Correct iff a lemma of the label's first WordNet synset is among the answer's tokens after NLTK tokenizing,
stopword removal and ``morphy`` (paper ``classification_acc``). The paper table's "Acc" equals ``accuracy``
here (LAMM 37.9).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping

from lamm_bench.parsing.synonyms import chef_class_match, entity_tokens, paper_class_match
from lamm_bench.records import Request, Sample, SampleScore
from lamm_bench.task import JudgeSetting, TaskSpec, mean_of

from ._common import CHEF_DEFAULT, accuracy, make_request, single_request, target_text
from .prompts2d import CLASSIFICATION_SYS

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
    requires=("wordnet",),
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=("2D_Benchmark/meta_file/Classification_CIFAR10.json",),
    required_fields={"label": str},
    system_message=CLASSIFICATION_SYS,
    stages=(single_request(options=CIFAR10_LABELS),),
    score_sample=score_classification,
    aggregate=accuracy,
    primary_terms=mean_of("correct"),
    paper_metric=("Acc", "accuracy"),
    description="CIFAR-10 classification: WordNet first-synset match of the label in the answer",
    judge=JudgeSetting(150, "image classification", target_text("label")),
)



def chef_prompt(sample: Sample, seed: int) -> str:
    """ChEF's CIFAR-10 question: the query plus the ten labels in a shuffled order. ChEF shuffles with an
    unseeded ``random.sample`` on every access; here the order is a function of the run seed and the sample id."""
    rng = random.Random(f"{seed}:{sample.id}")
    labels = rng.sample(CIFAR10_LABELS, len(CIFAR10_LABELS))
    return f"{sample.query} Please choose a label from the following shuffled categories: {', '.join(labels)}."


def _chef_stage(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
    return [make_request(sample, chef_prompt(sample, seed), "", CHEF_DEFAULT, seed, options=CIFAR10_LABELS)]


def score_classification_chef(sample: Sample, prediction: str) -> SampleScore:
    """ChEF ``LAMM_Classification``: exact answer or a first-synset lemma (plus the label itself) among tokens."""
    correct = chef_class_match(sample.target["label"], prediction)
    tokens = entity_tokens(prediction)
    return SampleScore(values={"correct": float(correct)}, parsed={"tokens": tokens}, unparsed=not any(tokens))


CIFAR10_CHEF = dataclasses.replace(
    CIFAR10,
    name="cifar10-chef",
    protocol="chef",
    stages=(_chef_stage,),
    score_sample=score_classification_chef,
    paper_metric=("ACC", "accuracy"),
    description="CIFAR-10, ChEF protocol: shuffled label list in the prompt (seeded), 16 tokens, ChEF synonym match",
    judge=None,
)

TASKS = (CIFAR10, CIFAR10_CHEF)
