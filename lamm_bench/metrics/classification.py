"""UCMerced's fine-grained classification rule.

UCMerced (both reference generations, protocol §2.9) counts an answer correct iff the ground-truth label is a
substring of the raw answer -- case-sensitive, no normalization, so ``"Dense residential"`` does not match
``denseresidential``-style labels unless spelled exactly. The tasks aggregate the per-sample ``{"correct": 0|1}``
with ``tasks/_common.accuracy``.
"""

from __future__ import annotations

__all__ = ["ucmerced_sample"]


def ucmerced_sample(answer: str, label: str) -> dict[str, int]:
    """UCMerced: correct iff ``label in answer`` (case-sensitive substring).

    Args:
        answer: The answer text.
        label: The record's ``label``.

    Returns:
        ``{"correct": 1}`` or ``{"correct": 0}``.
    """
    return {"correct": int(label in answer)}

