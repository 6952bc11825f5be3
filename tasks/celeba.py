"""CelebA facial attributes (``Facial_Classification_CelebA(Smile).json`` and ``(Hair).json``), paper and ChEF.

Smile (identical in both protocols): the answer means "not smiling" (``-1``) iff its NLTK tokens include ``no``
or ``not``, else "smiling" (``1``); correct iff that equals ``attr``. Hair: the hair-colour word ``attr`` is
synonym-matched in the answer -- paper: first-synset WordNet match among tokens; ChEF: the same plus the label
itself and an exact raw-answer match. The paper table's "Acc" is ``accuracy`` (LAMM 57.60 smile, 56.96 hair);
ChEF's ``ACC`` is the same number over 16-token answers.
"""

from __future__ import annotations

import dataclasses

from lamm_bench.metrics.facial import hair_sample_chef, hair_sample_paper, smile_prediction
from lamm_bench.parsing.synonyms import entity_tokens
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import JudgeSetting, TaskSpec, labels_of, mean_of

from ._common import CHEF_DEFAULT, PAPER_2D, accuracy, single_request
from .prompts2d import FFC_SYS

META_DIR = "2D_Benchmark/meta_file/"
SMILE_META = META_DIR + "Facial_Classification_CelebA(Smile).json"
HAIR_META = META_DIR + "Facial_Classification_CelebA(Hair).json"
SMILE_QUERY = "Is the person in the image smiling?"
HAIR_QUERY = "What is the hair color of the person in the image?"


def score_smile(sample: Sample, prediction: str) -> SampleScore:
    """The smile rule; ``parsed`` is the predicted attribute (``"1"`` or ``"-1"``)."""
    predicted = smile_prediction(prediction)
    return SampleScore(
        values={"correct": float(predicted == sample.target["attr"])},
        parsed={"attr": predicted},
        unparsed=not prediction.strip(),
    )


def _hair(sample: Sample, prediction: str, rule) -> SampleScore:
    tokens = entity_tokens(prediction)
    return SampleScore(
        values={"correct": float(rule(prediction, sample.target["attr"])["correct"])},
        parsed={"tokens": tokens},
        unparsed=not any(tokens),
    )


def score_hair_paper(sample: Sample, prediction: str) -> SampleScore:
    """Paper hair rule (first-synset match); ``parsed`` holds the answer's WordNet base forms."""
    return _hair(sample, prediction, hair_sample_paper)


def score_hair_chef(sample: Sample, prediction: str) -> SampleScore:
    """ChEF hair rule (adds the label itself and an exact match); ``parsed`` holds the answer's base forms."""
    return _hair(sample, prediction, hair_sample_chef)


def judge_reference(sample: Sample) -> str:
    """What the GPT metric shows as a CelebA record's ground truth: ``Yes``/``No`` for the smile's ``1``/``-1``, the
    hair colour as it is."""
    return {"1": "Yes", "-1": "No"}.get(sample.target["attr"], sample.target["attr"])


CELEBA_SMILE = TaskSpec(
    name="celeba-smile",
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=(SMILE_META,),
    required_fields={"attr": str},
    system_message=FFC_SYS,
    stages=(single_request(PAPER_2D),),
    score_sample=score_smile,
    aggregate=accuracy,
    primary_terms=mean_of("correct"),
    paper_metric=("Acc", "accuracy"),
    description="CelebA smiling: 'no'/'not' among the answer's tokens means not smiling",
    judge=JudgeSetting(50, "facial classification", judge_reference),
    label_set=lambda samples: ("yes", "no"),
)

CELEBA_HAIR = dataclasses.replace(
    CELEBA_SMILE,
    name="celeba-hair",
    requires=("wordnet",),
    meta_files=(HAIR_META,),
    score_sample=score_hair_paper,
    description="CelebA hair colour: WordNet first-synset match of the colour in the answer",
    label_set=labels_of("attr"),
)

_CHEF_STAGES = (single_request(CHEF_DEFAULT),)

CELEBA_SMILE_CHEF = dataclasses.replace(
    CELEBA_SMILE,
    name="celeba-smile-chef",
    protocol="chef",
    stages=_CHEF_STAGES,
    paper_metric=("ACC", "accuracy"),
    description="CelebA smiling, ChEF protocol: 16 tokens, 'no'/'not' rule",
    judge=None,
)

CELEBA_HAIR_CHEF = dataclasses.replace(
    CELEBA_HAIR,
    name="celeba-hair-chef",
    protocol="chef",
    stages=_CHEF_STAGES,
    score_sample=score_hair_chef,
    paper_metric=("ACC", "accuracy"),
    description="CelebA hair colour, ChEF protocol: 16 tokens, ChEF synonym match (label and exact answer too)",
    judge=None,
)

TASKS = (CELEBA_SMILE, CELEBA_HAIR, CELEBA_SMILE_CHEF, CELEBA_HAIR_CHEF)
