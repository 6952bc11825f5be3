"""Text helpers of LAMM's metrics: quoted-span extraction and number words, in both reference generations.

The paper-era code (``OpenGVLab/LAMM@3085eef src/datasets/utils.py``) and the ChEF code (``@d01093c
src/ChEF/metric/utils.py``) extract quoted text and read counts differently; each behaviour is reproduced here
under its own name (protocol §2.1, §2.6, §2.7), including where it is surprising, and none of these functions
raises on any string.
"""

from __future__ import annotations

import re

__all__ = [
    "COUNT_MAX",
    "NUMBER_WORDS",
    "quoted_span_paper",
    "quoted_span_chef",
    "count_from_text_paper",
    "count_from_text_chef",
]

#: The reference's ``num_dict``: number words up to twenty ("no" counts as zero).
NUMBER_WORDS: dict[str, int] = {
    "no": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip

# Zero-width lookarounds on both sides: consecutive matches share their quote characters, so the text *between*
# two quoted spans is captured too, and apostrophes count as quotes (ChEF's parse_caption_sentence).
_CHEF_QUOTED = re.compile(r"(?<=['\"])(.*?)(?=['\"])")


def quoted_span_paper(text: str) -> str:
    """Paper-era ``parse_sentence``: the double-quoted pieces joined by spaces, or the text if it has no ``"``.

    The pieces are the odd-indexed parts of ``text.split('"')``, so an unclosed quote yields the rest of the text.

    Args:
        text: The answer text.

    Returns:
        The extracted span(s), or ``text`` unchanged.
    """
    if '"' not in text:
        return text
    return " ".join(text.split('"')[1::2])


def quoted_span_chef(text: str) -> str:
    """ChEF ``parse_caption_sentence``: regex spans between quote characters (``'`` or ``"``) joined by ``". "``.

    Because the lookarounds do not consume the quotes, ``a "b" c "d"`` yields ``b``, `` c `` and ``d``; an
    apostrophe (``it's``) opens a span as well.

    Args:
        text: The answer text.

    Returns:
        The joined spans, or ``text`` unchanged when there is none.
    """
    spans = _CHEF_QUOTED.findall(text)
    return ". ".join(spans) if spans else text


#: The largest count read: a longer digit string reads as this. Below it every count is the reference's own; above
#: it the reference's float arithmetic (the mean of ``|gt - pred|``) overflows and crashes, while here every error,
#: sum and mean stays a finite float.
COUNT_MAX = 10**300


def _first_count(text: str) -> int | None:
    """First whitespace token that is ``str.isdigit()`` (as an int, at most :data:`COUNT_MAX`) or a number word; None
    if there is none.

    ``"5."``, ``"12,"`` and ``"3.5"`` are not digit strings and are skipped, as in the reference; so is ``"-5"``
    (a sign is not a digit: a negative count is never read). Tokens that pass ``isdigit()`` but that ``int()``
    rejects (superscripts like ``²``, or more than Python's 4300-digit limit) crash the reference; here they are
    skipped like any other non-number token.
    """
    for token in text.split():
        if token.isdigit():
            try:
                return min(int(token), COUNT_MAX)
            except ValueError:
                continue
        if token in NUMBER_WORDS:
            return NUMBER_WORDS[token]
    return None


def count_from_text_paper(text: str) -> int | None:
    """Paper-era ``ennum2numerical`` on the lowercased answer (``FSC_eval`` lowercases before calling it).

    Args:
        text: The answer text (lowercasing it first is harmless; it is done here too).

    Returns:
        The first count found, or None (the paper's ``FSC_eval`` then uses 0).
    """
    return _first_count(text.lower())


def count_from_text_chef(text: str) -> int:
    """ChEF ``ennum2numerical``: lowercases, same token rule, 0 when nothing is found.

    Args:
        text: The answer text.

    Returns:
        The first count found, else 0.
    """
    found = _first_count(text.lower())
    return 0 if found is None else found
