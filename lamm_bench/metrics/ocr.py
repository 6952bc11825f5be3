"""SVT word accuracy (protocol §2.7): the share of ground-truth words found among the answer's words.

Per sample: the quoted span is extracted (paper: double quotes only; ChEF: single or double quotes, spans joined
with ``". "``, which glues a period onto every span but the last), lowercased and split on whitespace; a GT word
counts iff its lowercase form is one of those words exactly (punctuation attached to a word prevents a match).
The sample's score is found/len(word_list); the task's score is the mean, in percent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from lamm_bench.parsing.text import quoted_span_chef, quoted_span_paper

__all__ = ["svt_sample_paper", "svt_sample_chef", "word_accuracy"]


def _svt(answer: str, words: Sequence[str], extract: Callable[[str], str]) -> dict[str, float]:
    predicted = extract(answer).lower().split()
    if not words:
        # The reference divides by len(word_list) and crashes; an empty GT list scores 0.
        return {"word_accuracy": 0.0}
    found = sum(1 for w in words if w.lower() in predicted)
    return {"word_accuracy": found / len(words)}


def svt_sample_paper(answer: str, word_list: Sequence[str]) -> dict[str, float]:
    """Paper-era ``SVT_eval`` for one sample (fraction in [0, 1])."""
    return _svt(answer, word_list, quoted_span_paper)


def svt_sample_chef(answer: str, word_list: Sequence[str]) -> dict[str, float]:
    """ChEF ``SVT_OCR`` for one sample (fraction in [0, 1])."""
    return _svt(answer, word_list, quoted_span_chef)


def word_accuracy(samples: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Mean per-sample word accuracy in percent (0.0 for no samples)."""
    if not samples:
        return {"word_accuracy": 0.0}
    return {"word_accuracy": sum(s["word_accuracy"] for s in samples) / len(samples) * 100}
