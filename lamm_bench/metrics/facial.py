"""CelebA facial-attribute rules: smiling (a negation test) and hair colour (synonym match).

Smile (identical in both generations, protocol §2.8): the lowercased answer is word-tokenized as by NLTK's
``word_tokenize``; the prediction is "not smiling" (``"-1"``) iff a token is ``no`` or ``not`` (so "cannot",
split into ``can``/``not``, counts as a negation while "don't", split into ``do``/``n't``, does not), else
"smiling" (``"1"``). Hair: the paper uses ``paper_class_match``, ChEF its inline ``chef_class_match``.
Per-sample results are ``{"correct": 0|1}``; the tasks aggregate them with ``tasks/_common.accuracy``.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["smile_prediction", "smile_sample", "hair_sample_paper", "hair_sample_chef"]

Match = Callable[[str, str], bool]


def smile_prediction(answer: str, tokenize: Callable[[str], list[str]] | None = None) -> str:
    """``"-1"`` if the tokenized, lowercased answer contains ``no`` or ``not``, else ``"1"``.

    Args:
        answer: The answer text.
        tokenize: Word tokenizer; defaults to NLTK-equivalent ``lamm_bench.parsing.lexicon.word_tokenize``.
    """
    if tokenize is None:
        from lamm_bench.parsing.lexicon import word_tokenize as tokenize
    tokens = tokenize(answer.lower())
    return "-1" if "no" in tokens or "not" in tokens else "1"


def smile_sample(answer: str, attr: str, tokenize: Callable[[str], list[str]] | None = None) -> dict[str, int]:
    """CelebA smile: correct iff :func:`smile_prediction` equals the record's ``attr`` string (``"1"``/``"-1"``)."""
    return {"correct": int(smile_prediction(answer, tokenize) == attr)}


def hair_sample_paper(answer: str, attr: str, match: Match | None = None) -> dict[str, int]:
    """CelebA hair, paper era: ``paper_class_match(attr, answer)``."""
    if match is None:
        from lamm_bench.parsing.synonyms import paper_class_match as match
    return {"correct": int(bool(match(attr, answer)))}


def hair_sample_chef(answer: str, attr: str, match: Match | None = None) -> dict[str, int]:
    """CelebA hair, ChEF: ``chef_class_match(attr, answer)`` (also accepts an exact raw-answer match)."""
    if match is None:
        from lamm_bench.parsing.synonyms import chef_class_match as match
    return {"correct": int(bool(match(attr, answer)))}
