"""ChEF's structured VOC detection answer parser (``LAMM_Detection.parser``, ``OpenGVLab/LAMM@d01093c``).

The answer is split into sentences on ``". "``; a sentence yields one (box, category) pair when it contains a
``[x1, y1, x2, y2]`` box and a category phrase from one of eight templates. When several templates match, the
one listed last wins (code order, not text order). Inverted boxes are dropped, not swapped (protocol §2.3, §10).
Where the reference crashes -- a number like ``0.1.2`` that ``float()`` rejects, or an empty answer -- this
parser skips the sentence (counting it in ``malformed``) or returns nothing, instead of raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ChefDetections", "CATEGORY_PATTERNS", "BOX_PATTERN", "parse_chef_detection"]

#: The eight category templates, in the reference's order (the last one that matches wins).
CATEGORY_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"The ([\w\W ]+?)(?=object)",
        r"classified as ([\w\W ]+?)(?= is| and| within|\.|,)",
        r"categorized as ([\w\W ]+?)(?= can| at|\.|,)",
        r"belong(?:s|ing) to the category of ([\w\W ]+?)(?= at|\.|,)",
        r"belong(?:s|ing) to the ([\w\W ]+) category",
        r"falls under the category of ([\w\W ]+?)(?=\.|,)",
        r"falls under the ([\w\W ]+) category",
        r"its category is ([\w\W ]+?)(?=\.|,)",
    )
)

#: The box template: four ``[\d.]+`` groups, so ``0.1.2`` or ``.`` can match and then fail ``float()``.
BOX_PATTERN: re.Pattern[str] = re.compile(r"\[ ?([\d\.]+), ?([\d\.]+), ?([\d\.]+), ?([\d\.]+) ?\]")


@dataclass(frozen=True)
class ChefDetections:
    """What the ChEF parser extracted from one answer.

    Attributes:
        boxes: ``(x1, y1, x2, y2)`` per kept sentence, x1<=x2 and y1<=y2.
        categories: The category phrase (stripped) for each box, same order.
        malformed: Sentences with a box and a category whose numbers ``float()`` rejects (the reference
            crashes on these); they contribute nothing.
    """

    boxes: tuple[tuple[float, float, float, float], ...]
    categories: tuple[str, ...]
    malformed: int = 0


def _sentences(text: str) -> list[str]:
    """Split like the reference: strip, split on ``'. '``, drop the last sentence's own period, add ``'.'``."""
    parts = text.strip().split(". ")
    out = []
    for i, part in enumerate(parts):
        part = part.strip()
        if i == len(parts) - 1 and part.endswith("."):
            part = part[:-1]
        out.append(part + ".")
    return out


def _category(sentence: str) -> str | None:
    """The category captured by the last template (in code order) that matches, stripped; None if none does."""
    found = None
    for pattern in CATEGORY_PATTERNS:
        match = pattern.search(sentence)
        if match is not None:
            found = match
    return None if found is None else found.group(1).strip()


def parse_chef_detection(text: str) -> ChefDetections:
    """Parse a detection answer into boxes and categories the way ChEF's ``LAMM_Detection`` does.

    Args:
        text: The answer text.

    Returns:
        The kept boxes with their categories, and the number of malformed sentences.
    """
    if not text.strip():
        # The reference indexes the last character of the (empty) last sentence and crashes.
        return ChefDetections((), ())
    boxes, categories, malformed = [], [], 0
    for sentence in _sentences(text):
        box_match = BOX_PATTERN.search(sentence)
        if box_match is None:
            continue
        category = _category(sentence)
        if category is None:
            continue
        try:
            x1, y1, x2, y2 = (float(g) for g in box_match.groups())
        except ValueError:
            malformed += 1
            continue
        if x1 <= x2 and y1 <= y2:
            boxes.append((x1, y1, x2, y2))
            categories.append(category)
    return ChefDetections(tuple(boxes), tuple(categories), malformed)
