"""Reasoning blocks: the ``<think>`` … ``</think>`` a reasoning model writes before its answer, taken out before the
answer is parsed.

:func:`strip_reasoning` removes every block from a model's answer and says what it removed; an answer that opens a
block and never closes it (generation stopped inside the reasoning) is *cut off*: its answer is empty, never parsed
from the reasoning. A close tag before any open tag ends a block the prompt opened (chat templates that start the
assistant turn with ``<think>``), so the text before it is reasoning too. :func:`parse_tags` reads
``--reasoning-tags OPEN,CLOSE``. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lamm_bench.errors import UserError

DEFAULT_TAGS = ("<think>", "</think>")
"""The tags DeepSeek-R1, Qwen3 and most open reasoning models write."""


@dataclass(frozen=True)
class StrippedAnswer:
    """A model's answer with its reasoning taken out."""

    answer: str
    """What is parsed: the text outside every block, trimmed; the text itself when it has no tag; empty when cut
    off."""
    reasoning: str | None
    """The blocks' text (several joined by a blank line), without the tags; None when the answer had no block."""
    cut_off: bool = False
    """True when a block was opened and never closed: the answer is unanswered."""


def strip_reasoning(text: str, tags: tuple[str, str] = DEFAULT_TAGS) -> StrippedAnswer:
    """Take every reasoning block out of ``text``.

    Args:
        text: the model's answer as it gave it.
        tags: (open, close), two different non-empty strings.

    Returns:
        The answer outside the blocks (``text`` unchanged when it holds neither tag), the reasoning and whether the
        answer was cut off inside a block (then its answer is ``""``).
    """
    open_tag, close_tag = tags
    answer, blocks = text, []
    first_close, first_open = answer.find(close_tag), answer.find(open_tag)
    if first_close >= 0 and (first_open < 0 or first_close < first_open):  # the prompt opened the block
        blocks.append(answer[:first_close])
        answer = answer[first_close + len(close_tag):]
    while (start := answer.find(open_tag)) >= 0:  # searched again from the start: removing a block may join a tag
        end = answer.find(close_tag, start + len(open_tag))
        if end < 0:
            blocks.append(answer[start + len(open_tag):])
            return StrippedAnswer("", "\n\n".join(b.strip() for b in blocks), cut_off=True)
        blocks.append(answer[start + len(open_tag):end])
        answer = answer[:start] + answer[end + len(close_tag):]
    if not blocks:
        return StrippedAnswer(text, None)
    return StrippedAnswer(answer.strip(), "\n\n".join(b.strip() for b in blocks))


def parse_tags(value: str | Sequence[str]) -> tuple[str, str]:
    """``--reasoning-tags``: ``OPEN,CLOSE`` (or, from Python, a pair) as two tags.

    Raises:
        UserError: not two different non-empty tags (separated by one comma; spaces around each are dropped).
    """
    parts = [part.strip() for part in value.split(",")] if isinstance(value, str) else list(value)
    if len(parts) != 2 or not all(isinstance(p, str) and p for p in parts) or parts[0] == parts[1]:
        raise UserError(f"--reasoning-tags must be OPEN,CLOSE: two different non-empty tags, got {value!r}")
    return parts[0], parts[1]
