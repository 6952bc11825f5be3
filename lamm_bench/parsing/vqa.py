"""LAMM's multiple-choice answer check (``VQAvisionacc``), the same in the paper era and ChEF.

The decision cascade, over the answer text (paper answers are ``reasoning + "\\n The answer is " + option``):

1. ``The answer is (X)`` / ``the answer is X`` followed by a non-word character -- correct iff *every* match
   contains the ground-truth letter;
2. else ``ANSWER: X`` -- correct iff the *first* match ends with the ground-truth letter;
3. else ``(X)`` -- correct iff every match contains the ground-truth letter;
4. else the option texts: correct iff the ground-truth option's text is in the lowercased answer and no other
   option's text is.

Letters run A-E for 2D (and for ChEF's 3D); the paper's 3D ScanQA evaluator allows A-F.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class VqaVerdict:
    """Which branch of the cascade decided, what it matched, and whether the answer is right."""

    correct: bool
    branch: str
    """``the_answer_is``, ``ANSWER:``, ``(X)``, ``option_text`` or ``none``."""
    matches: tuple[str, ...] = ()


@functools.cache
def _patterns(letters: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    span = f"[{letters[0]}-{letters[-1]}]"
    return (
        re.compile(rf"The answer is \(?{span}\)?\W|the answer is \(?{span}\)?\W"),
        re.compile(rf"ANSWER: {span}"),
        re.compile(rf"\({span}\)"),
    )


def _option_text_only(answer: str, choices: Sequence[str], gt: int) -> bool:
    text = answer.lower()
    if choices[gt].lower() not in text:
        return False
    return not any(c.lower() in text for i, c in enumerate(choices) if i != gt)


def vqa_verdict(answer: str, gt_choice: int, gt_choices: Sequence[str], letters: str = "ABCDE") -> VqaVerdict:
    """Run the cascade and say which branch decided.

    Args:
        answer: the model's answer text.
        gt_choice: 0-based index of the right option.
        gt_choices: the option texts.
        letters: the option letters the patterns accept (``"ABCDE"``; ``"ABCDEF"`` for paper 3D).
    """
    letter = "ABCDEFGHIJ"[gt_choice]
    the_answer_is, answer_colon, paren = _patterns(letters)
    for branch, pattern in (("the_answer_is", the_answer_is), ("ANSWER:", answer_colon), ("(X)", paren)):
        found = pattern.findall(answer)
        if found:
            if branch == "ANSWER:":
                return VqaVerdict(found[0][-1] == letter, branch, tuple(found))
            return VqaVerdict(all(letter in m for m in found), branch, tuple(found))
    if _option_text_only(answer, gt_choices, gt_choice):
        return VqaVerdict(True, "option_text")
    return VqaVerdict(False, "none")


def vqa_correct(answer: str, gt_choice: int, gt_choices: Sequence[str], letters: str = "ABCDE") -> bool:
    """True iff LAMM's cascade counts ``answer`` as the right option."""
    return vqa_verdict(answer, gt_choice, gt_choices, letters).correct
