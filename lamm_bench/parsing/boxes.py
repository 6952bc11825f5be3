"""Number, box and point extraction from free-text answers, as LAMM's reference code does it.

Both LAMM code generations (paper-era ``src/datasets/utils.py`` and ChEF's ``src/ChEF/metric/utils.py``) share
one scanner: numbers are collected from ``[...]`` spans, then from ``(...)`` spans, the list is truncated to a
multiple of the tuple size, and only when that leaves nothing does a digit regex run over the whole text (no minus
signs, no exponents). The scanner's buffer is reset only after a successful ``float()``, so junk glued in front of
a number (``a`` then ``0.1`` becomes ``a0.1``) silently swallows it; these functions reproduce that exactly
(protocol §2.1) and never raise on any string.
"""

from __future__ import annotations

import re

__all__ = ["parse_num", "parse_bbox", "parse_keypoints", "parse_bbox_3d"]

# ASCII digits only (the reference uses the same pattern on ``str``; ``[0-9]`` is ASCII even in unicode regexes).
_FALLBACK_NUMBER = re.compile(r"[0-9]+\.?[0-9]*")

Box = tuple[float, float, float, float]
Point = tuple[float, float]
Box3D = tuple[float, float, float, float, float, float]


def _as_float(token: str) -> float | None:
    """``float(token)`` or None: Python's float grammar, so ``nan``, ``inf``, ``1e3``, ``1_0`` all parse."""
    try:
        return float(token)
    except (ValueError, OverflowError):
        return None


def parse_num(text: str, open_ch: str, close_ch: str) -> list[float]:
    """Collect the numbers written inside ``open_ch ... close_ch`` spans.

    Outside a span every character is ignored. Inside, characters other than ``,`` and space accumulate in a
    buffer; at ``,``/space/``close_ch`` the buffer is converted with ``float()`` and appended when that succeeds.
    The buffer is reset only after a successful conversion (the reference's quirk), so text that fails to parse
    carries over and corrupts the next number, even across spans. A second ``open_ch`` inside a span is skipped.

    Args:
        text: The answer text.
        open_ch: The opening character, e.g. ``"["``.
        close_ch: The closing character, e.g. ``"]"``.

    Returns:
        The numbers in reading order (may contain ``nan``/``inf`` when the text spells them).
    """
    numbers: list[float] = []
    inside = False
    buffer = ""
    for ch in text:
        if ch == open_ch:
            inside = True
            continue
        if ch == close_ch:
            inside = False
        elif not inside:
            continue
        elif ch not in (",", " "):
            buffer += ch
            continue
        # A separator or the closing character: flush the buffer, but only if it parses.
        value = _as_float(buffer)
        if value is not None:
            numbers.append(value)
            buffer = ""
    return numbers


def _numbers(text: str, group: int) -> list[float]:
    """Bracketed then parenthesised numbers, truncated to a multiple of ``group``, else the regex fallback."""
    numbers = parse_num(text, "[", "]") + parse_num(text, "(", ")")
    numbers = numbers[: len(numbers) // group * group]
    if not numbers:
        # The fallback runs whenever truncation left nothing, e.g. also for a lone "[0.5]".
        numbers = [float(m) for m in _FALLBACK_NUMBER.findall(text)]
        numbers = numbers[: len(numbers) // group * group]
    return numbers


def parse_bbox(text: str) -> list[Box]:
    """Parse 2D boxes ``[x1, y1, x2, y2]`` the way LAMM's ``parse_bbox`` does.

    Consecutive 4-tuples of :func:`_numbers` are boxes. A box whose corners are both inverted (x1>x2 and y1>y2)
    has its corners swapped; a box still inverted in one axis (or holding a NaN) is dropped.

    Args:
        text: The answer text.

    Returns:
        Boxes with x1<=x2 and y1<=y2, in reading order.
    """
    numbers = _numbers(text, 4)
    boxes: list[Box] = []
    for i in range(0, len(numbers), 4):
        x1, y1, x2, y2 = numbers[i : i + 4]
        if x1 > x2 and y1 > y2:
            x1, y1, x2, y2 = x2, y2, x1, y1
        if x1 <= x2 and y1 <= y2:
            boxes.append((x1, y1, x2, y2))
    return boxes


def parse_keypoints(text: str) -> list[Point]:
    """Parse points ``[x, y]`` the way LAMM's ``parse_keypoints`` does (pairs, no filtering).

    Args:
        text: The answer text.

    Returns:
        The points in reading order.
    """
    numbers = _numbers(text, 2)
    return [(numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 2)]


def parse_bbox_3d(text: str) -> list[Box3D]:
    """Parse 3D boxes ``[cx, cy, cz, l, w, h]`` the way LAMM's ``parse_bbox_3d`` does (6-tuples, no filtering).

    Args:
        text: The answer text.

    Returns:
        The 6-tuples in reading order.
    """
    numbers = _numbers(text, 6)
    return [tuple(numbers[i : i + 6]) for i in range(0, len(numbers), 6)]  # type: ignore[misc]
