"""Accuracy over per-sample correctness, and UCMerced's fine-grained classification rule.

UCMerced (both reference generations, protocol §2.9) counts an answer correct iff the ground-truth label is a
substring of the raw answer -- case-sensitive, no normalization, so ``"Dense residential"`` does not match
``denseresidential``-style labels unless spelled exactly. :func:`accuracy` is the shared aggregate for every
per-sample ``{"correct": 0|1}`` result (classification, facial attributes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["accuracy", "ucmerced_sample"]


def ucmerced_sample(answer: str, label: str) -> dict[str, int]:
    """UCMerced: correct iff ``label in answer`` (case-sensitive substring).

    Args:
        answer: The answer text.
        label: The record's ``label``.

    Returns:
        ``{"correct": 1}`` or ``{"correct": 0}``.
    """
    return {"correct": int(label in answer)}


def accuracy(samples: Sequence[Mapping[str, int]]) -> dict[str, float]:
    """Share of correct samples in percent, as ``accuracy`` (0.0 for no samples)."""
    if not samples:
        return {"accuracy": 0.0}
    return {"accuracy": sum(s["correct"] for s in samples) / len(samples) * 100}
