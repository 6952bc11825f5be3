"""Flickr30k caption metrics: the paper's per-sample NLTK BLEU-4, and ChEF's corpus-level COCO metrics.

The paper (``@3085eef BLEU4``, protocol §2.5) scores each answer on its own: the double-quoted span is taken
(:func:`~lamm_bench.parsing.text.quoted_span_paper`), references lose their periods and are split on whitespace
(case-sensitive, no tokenizer), the candidate is split on ``.`` into sentences, and the sample's score is the
best NLTK ``sentence_bleu`` (uniform 4-gram weights, no smoothing) over those sentences. ChEF (``@d01093c
LAMM_Caption``) tokenizes the raw answers and references with the Stanford PTB tokenizer (Java) and computes
corpus BLEU-1..4, METEOR (Java), ROUGE-L and CIDEr through ``pycocoevalcap``; SPICE is not computed (it needs
Stanford CoreNLP models that ``pycocoevalcap`` downloads at first use, and lamm-bench never downloads).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Mapping, Sequence

from lamm_bench.errors import UserError
from lamm_bench.parsing.text import quoted_span_paper

__all__ = ["SPICE_STATUS", "bleu4_paper_sample", "bleu4_paper_aggregate", "coco_caption_scores"]

logger = logging.getLogger(__name__)

#: Why ``spice`` is absent from :func:`coco_caption_scores` (ChEF runs with SPICE off as well).
SPICE_STATUS = "not computed: SPICE needs Stanford CoreNLP models downloaded at run time"

_UNIFORM_4 = (0.25, 0.25, 0.25, 0.25)


def bleu4_paper_sample(answer: str, references: Sequence[str]) -> dict[str, float]:
    """The paper's per-sample BLEU-4 (a fraction in [0, 1]).

    Args:
        answer: The model's answer text.
        references: The record's ``sentences``.

    Returns:
        ``{"bleu4_nltk": score}``; 0.0 when there are no references (the reference code crashes there).
    """
    from nltk.translate.bleu_score import sentence_bleu

    refs = [sentence.replace(".", "").split() for sentence in references]
    if not refs:
        return {"bleu4_nltk": 0.0}
    best = 0.0
    with warnings.catch_warnings():
        # NLTK warns on every zero n-gram count; that is the expected case here, not news.
        warnings.simplefilter("ignore")
        for candidate in quoted_span_paper(answer).split("."):
            best = max(best, sentence_bleu(refs, candidate.split(), _UNIFORM_4))
    return {"bleu4_nltk": float(best)}


def bleu4_paper_aggregate(samples: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Mean of per-sample BLEU-4, in percent (0.0 for no samples)."""
    if not samples:
        return {"bleu4_nltk": 0.0}
    return {"bleu4_nltk": sum(s["bleu4_nltk"] for s in samples) * 100 / len(samples)}


@contextlib.contextmanager
def _java_stderr_logged():
    """Send what the Java tokenizer writes to the process's stderr ("PTBTokenizer tokenized N tokens at ...") to
    the log instead of the user's terminal. Java inherits file descriptor 2, so it is redirected at that level."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace").strip()
            if text:
                logger.debug("PTB tokenizer: %s", text)


def _tokenize(captions: Mapping[object, Sequence[str]]) -> dict[object, list[str]]:
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    try:
        with _java_stderr_logged():
            return PTBTokenizer().tokenize({k: [{"caption": c} for c in v] for k, v in captions.items()})
    except FileNotFoundError as exc:
        raise UserError("COCO caption metrics need Java on PATH (java was not found)") from exc


def _tokenize_both(references: Mapping[str, Sequence[str]], predictions: Mapping[str, str]):
    """References and predictions through one PTB tokenizer run (one JVM start instead of two)."""
    both = _tokenize({**{("gts", k): v for k, v in references.items()}, **{("res", k): [v] for k, v in predictions.items()}})
    return ({k: both[("gts", k)] for k in references}, {k: both[("res", k)] for k in predictions})


@functools.cache
def _meteor_scorer():
    """One METEOR JVM for the whole process (it answers over stdin), stopped at exit."""
    from pycocoevalcap.meteor.meteor import Meteor

    try:
        scorer = Meteor()
    except FileNotFoundError as exc:
        raise UserError("METEOR needs Java on PATH (java was not found)") from exc
    atexit.register(_stop_meteor, scorer)
    return scorer


def _stop_meteor(scorer) -> None:
    scorer.meteor_p.stdin.close()
    scorer.meteor_p.kill()
    scorer.meteor_p.wait()


def _meteor(gts: dict[str, list[str]], res: dict[str, list[str]]) -> float:
    score, _ = _meteor_scorer().compute_score(gts, res)
    return float(score)


def coco_caption_scores(predictions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """ChEF's ``LAMM_Caption``: corpus-level COCO caption metrics over raw answers, in percent.

    CIDEr's document frequencies come from the references of the samples passed in, so the CIDEr of a subset
    is not the mean of per-sample CIDErs. Needs Java (PTB tokenizer and METEOR run as Java programs, offline): the
    tokenizer runs once per call for references and answers together, and one METEOR JVM serves the whole process.

    Args:
        predictions: Sample id -> answer text (used raw: no quote extraction, as in ChEF).
        references: Sample id -> reference captions; the same ids as ``predictions``.

    Returns:
        ``bleu1``..``bleu4``, ``meteor``, ``rouge_l``, ``cider``; all 0.0 for an empty corpus. SPICE is not
        computed (see :data:`SPICE_STATUS`).

    Raises:
        ValueError: If the ids differ or a sample has no reference.
        UserError: If Java is not installed.
    """
    names = ("bleu1", "bleu2", "bleu3", "bleu4", "meteor", "rouge_l", "cider")
    if set(predictions) != set(references):
        raise ValueError("predictions and references must have the same sample ids")
    empty = [k for k, v in references.items() if not v]
    if empty:
        raise ValueError(f"sample {empty[0]!r} has no reference caption")
    if not predictions:
        return dict.fromkeys(names, 0.0)
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    ids = list(predictions)
    gts, res = _tokenize_both({k: list(references[k]) for k in ids}, {k: predictions[k] for k in ids})
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    rouge, _ = Rouge().compute_score(gts, res)
    cider, _ = Cider().compute_score(gts, res)
    values = [*bleu, _meteor(gts, res), rouge, cider]
    logger.debug("COCO caption metrics over %d samples: %s", len(ids), values)
    return {name: float(v) * 100 for name, v in zip(names, values)}
