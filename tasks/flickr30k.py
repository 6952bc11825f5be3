"""Flickr30k image captioning (``Caption_flickr30k.json``), paper and ChEF protocols.

Paper (``@3085eef BLEU4``): per answer, the double-quoted span (if any) is split on ``.``, and the best NLTK
``sentence_bleu`` (4-gram, no smoothing, case-sensitive whitespace tokens, references without periods) is the
sample's score; the table's "BLEU4" is the mean, ``bleu4_nltk`` (LAMM 2.56). Beside it, the COCO caption metrics
(pycocoevalcap: BLEU-1..4, METEOR, ROUGE-L, CIDEr; corpus-level, over the raw answers as ChEF scores them, so the
two protocols' COCO numbers are defined alike). ChEF (``@d01093c LAMM_Caption``, 16 tokens): only the COCO
metrics; its headline is CIDEr. COCO metrics need Java (tokenizer, METEOR) and are not bootstrapped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.metrics.caption import bleu4_paper_aggregate, bleu4_paper_sample, coco_caption_scores
from lamm_bench.parsing.text import quoted_span_paper
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import JudgeSetting, TaskSpec, mean_of

from ._common import CHEF_DEFAULT, PAPER_2D, single_request, target_text
from ._lamm2d import unparsed_rate, values
from .prompts2d import CAPTION_SYS

META = "2D_Benchmark/meta_file/Caption_flickr30k.json"
FIELDS = {"sentences": list}


def references(sample: Sample) -> list[str]:
    """The sample's reference captions, checked to be a non-empty list of strings."""
    sentences = sample.target["sentences"]
    if not sentences or not all(isinstance(s, str) for s in sentences):
        raise UserError(f"{sample.source}: sample {sample.id}: 'sentences' should be a non-empty list of strings")
    return list(sentences)


def score_caption_paper(sample: Sample, prediction: str) -> SampleScore:
    """The paper's per-sample BLEU-4, with the candidate sentences it compared."""
    candidates = quoted_span_paper(prediction).split(".")
    return SampleScore(
        values=bleu4_paper_sample(prediction, references(sample)),
        parsed={"candidates": candidates},
        unparsed=not any(c.split() for c in candidates),
    )


def aggregate_caption_paper(scores: Sequence[SampleScore]) -> dict[str, float]:
    """Mean per-sample BLEU-4 (``bleu4_nltk``, percent) and the share of empty answers."""
    return {**bleu4_paper_aggregate(values(scores)), "unparsed_rate": unparsed_rate(scores)}


def score_caption_chef(sample: Sample, prediction: str) -> SampleScore:
    """ChEF scores captions only at corpus level; per sample only an empty answer is noted."""
    return SampleScore(values={}, parsed={"caption": prediction}, unparsed=not prediction.split())


def aggregate_caption_chef(scores: Sequence[SampleScore]) -> dict[str, float]:
    """The share of empty answers (the caption metrics come from :func:`coco_metrics`)."""
    return {"unparsed_rate": unparsed_rate(scores)}


def coco_metrics(samples: Sequence[Sample], predictions: Sequence[Any]) -> dict[str, float]:
    """pycocoevalcap BLEU-1..4, METEOR, ROUGE-L and CIDEr over the raw answers, in percent."""
    answers = {s.id: p for s, p in zip(samples, predictions)}
    return coco_caption_scores(answers, {s.id: references(s) for s in samples})


FLICKR30K = TaskSpec(
    name="flickr30k",
    requires=("java",),
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=CAPTION_SYS,
    stages=(single_request(PAPER_2D),),
    score_sample=score_caption_paper,
    aggregate=aggregate_caption_paper,
    primary_terms=mean_of("bleu4_nltk"),
    corpus_metrics=coco_metrics,
    paper_metric=("BLEU4", "bleu4_nltk"),
    description="Flickr30k captions: LAMM per-sample NLTK BLEU-4 (quoted span, no smoothing) + COCO caption metrics",
    judge=JudgeSetting(200, "image caption", target_text("sentences")),
)

FLICKR30K_CHEF = TaskSpec(
    name="flickr30k-chef",
    requires=("java",),
    version="1",
    protocol="chef",
    modality="2d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=CAPTION_SYS,
    stages=(single_request(CHEF_DEFAULT),),
    score_sample=score_caption_chef,
    aggregate=aggregate_caption_chef,
    corpus_metrics=coco_metrics,
    paper_metric=("CIDEr", "cider"),
    description="Flickr30k captions, ChEF protocol: 16 tokens, pycocoevalcap BLEU/METEOR/ROUGE-L/CIDEr",
)

TASKS = (FLICKR30K, FLICKR30K_CHEF)
