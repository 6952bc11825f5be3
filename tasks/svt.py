"""SVT scene-text OCR (``OCR_SVT.json``), paper and ChEF protocols.

Per sample: the quoted span of the answer is lowercased and split on whitespace, and the score is the share of
ground-truth words (lowercased) found exactly among those words; punctuation glued to a word prevents a match.
Paper (``SVT_eval``): double quotes only, pieces joined by spaces; the table's "Word Acc" is ``word_accuracy``
(LAMM 29.14). ChEF (``SVT_OCR``, 16 tokens): single or double quotes (apostrophes open spans too), spans joined
with ``". "`` -- which glues a period onto every span but the last.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lamm_bench.errors import UserError
from lamm_bench.metrics.ocr import svt_sample_chef, svt_sample_paper, word_accuracy
from lamm_bench.parsing.text import quoted_span_chef, quoted_span_paper
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import JudgeSetting, TaskSpec, mean_of

from ._common import CHEF_DEFAULT, PAPER_2D, single_request
from ._lamm2d import unparsed_rate, values
from .prompts2d import OCR_SYS

META = "2D_Benchmark/meta_file/OCR_SVT.json"
FIELDS = {"word_list": list}


def _score(sample: Sample, prediction: str, sample_fn: Callable, extract: Callable[[str], str]) -> SampleScore:
    words = sample.target["word_list"]
    if not all(isinstance(w, str) for w in words):
        raise UserError(f"{sample.source}: sample {sample.id}: 'word_list' should be a list of strings")
    predicted = extract(prediction).lower().split()
    return SampleScore(values=sample_fn(prediction, words), parsed={"words": predicted}, unparsed=not predicted)


def score_svt_paper(sample: Sample, prediction: str) -> SampleScore:
    """Paper ``SVT_eval`` for one image; ``parsed`` holds the answer words it compared."""
    return _score(sample, prediction, svt_sample_paper, quoted_span_paper)


def score_svt_chef(sample: Sample, prediction: str) -> SampleScore:
    """ChEF ``SVT_OCR`` for one image; ``parsed`` holds the answer words it compared."""
    return _score(sample, prediction, svt_sample_chef, quoted_span_chef)


def aggregate_svt(scores: Sequence[SampleScore]) -> dict[str, float]:
    """Mean word accuracy (percent) and the share of answers without any word."""
    return {**word_accuracy(values(scores)), "unparsed_rate": unparsed_rate(scores)}


def judge_reference(sample: Sample) -> str:
    """What the GPT metric shows as an SVT record's ground truth: its word list, printed and lower-cased."""
    return str(sample.target["word_list"]).lower()


SVT = TaskSpec(
    name="svt",
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=OCR_SYS,
    stages=(single_request(PAPER_2D),),
    score_sample=score_svt_paper,
    aggregate=aggregate_svt,
    primary_terms=mean_of("word_accuracy"),
    paper_metric=("Word Acc", "word_accuracy"),
    description="SVT OCR: share of ground-truth words among the (double-quoted) answer's words",
    judge=JudgeSetting(50, "optical character organization\\(OCR\\)", judge_reference),  # the reference's words
)

SVT_CHEF = TaskSpec(
    name="svt-chef",
    version="1",
    protocol="chef",
    modality="2d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=OCR_SYS,
    stages=(single_request(CHEF_DEFAULT),),
    score_sample=score_svt_chef,
    aggregate=aggregate_svt,
    primary_terms=mean_of("word_accuracy"),
    paper_metric=("ACC", "word_accuracy"),
    description="SVT OCR, ChEF protocol: 16 tokens, quote extraction with ' or \" joined by '. '",
)

TASKS = (SVT, SVT_CHEF)
