"""ChEF's answer readers: the option-letter extractor, the VQA-style text cleaner and MME's yes/no reader.

Reproduces ``OpenGVLab/LAMM@d01093c src/ChEF/metric/vqa.py`` (``Answer_Extractor``, ``MMEVQA.parse_pred_ans``)
and ``metric/utils.py`` (``Cleaner``), protocol ``reference/chef-protocol.md`` §2.3 and §5.12, quirks included:

- a text with a capital letter followed by a period anywhere (``U.S. flag``) is read as that letter, ``(U)``;
- a bare letter is accepted when it is the only one of A-G among the tokens, unless ``A`` is a token of an
  answer of three or more tokens -- so ``A dog`` (two tokens) is read as letter A;
- otherwise an exact choice text, then a choice text found (lower-cased) inside the answer, if only one is;
- the cleaner strips at most 32 periods (the reference passes ``re.UNICODE``, 32, as ``re.sub``'s *count*), and
  decides per punctuation mark from the *original* text whether to delete it or replace it by a space.

Every function is pure and total on strings: where the reference raises (a choice index beyond G), these
functions return "no letter" instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CHOICE_LETTERS",
    "Extraction",
    "preprocess_answer",
    "infer_option",
    "infer_text",
    "fetch_answer",
    "clean_answer",
    "mme_answer_label",
]

#: ``Answer_Extractor.choices``: the letters an answer can be read as, by choice index.
CHOICE_LETTERS = "ABCDEFG"

# (prefix, suffix) pairs tried in order after the bare-letter rule (``vqa.py:28-29``).
_AFFIXES = (
    ("(", ")"), ("(", ")."), ("", "."), ("", ","), ("", ":"), ("", ")"), ("", ")."),
    (":", ""), (":", ","), (":", "."), (":", ")"), (":", ")."),
)  # fmt: skip
_LETTER_PERIOD = re.compile(r"([A-Z]\.)")  # "mmbench direct pattern"
_OPEN_PAREN_LETTER = re.compile(r"\([A-Z]")  # "ppl pattern"


@dataclass(frozen=True)
class Extraction:
    """What ``Answer_Extractor.fetch_answer`` returns: the letter (or None) and how it was found.

    Attributes:
        letter: ``"A"`` .. ``"G"``, or None when nothing was read.
        option_match: 1 when read as a letter (the extractor's first stage), else 0.
        content_match: 1 when the option-text stage ran (even if it found nothing), else 0.
    """

    letter: str | None
    option_match: int
    content_match: int


def preprocess_answer(answer: str) -> str:
    """``Answer_Extractor.preprocess_text`` (``vqa.py:50-67``).

    Keeps the text before the first ``###``, then after the last ``Assistant:``, stripped. If it contains a
    capital letter followed by a period, returns ``'(X)'`` for the first one; else if it contains ``(`` followed
    by a capital letter, ``'(X)'`` for the first one; else the stripped text.
    """
    text = answer.split("###")[0].split("Assistant:")[-1].strip()
    found = _LETTER_PERIOD.findall(text)
    if found:
        return "(" + found[0][:-1] + ")"
    found = _OPEN_PAREN_LETTER.findall(text)
    if found:
        return found[0] + ")"
    return text


def _letters_written_as(tokens: Sequence[str], prefix: str, suffix: str) -> list[str]:
    return [c for c in CHOICE_LETTERS if prefix + c + suffix in tokens]


def infer_option(answer: str) -> str | None:
    """``Answer_Extractor.infer_option`` (``vqa.py:12-34``): read a letter from whitespace tokens.

    A bare letter counts when it is the only one of A-G among the tokens and (``A`` is not a token or there are
    fewer than three tokens); otherwise the first of the affix patterns (``(X)``, ``(X).``, ``X.``, ``X,``, ``X:``,
    ``X)``, ``X).``, ``:X``, ``:X,``, ``:X.``, ``:X)``, ``:X).``) that exactly one letter matches decides.
    """
    tokens = [token.strip() for token in answer.split()]
    bare = _letters_written_as(tokens, "", "")
    if len(bare) == 1 and ("A" not in tokens or len(tokens) < 3):
        return bare[0]
    for prefix, suffix in _AFFIXES:
        letters = _letters_written_as(tokens, prefix, suffix)
        if len(letters) == 1:
            return letters[0]
    return None


def infer_text(answer: str, choices: Sequence[object]) -> str | None:
    """``Answer_Extractor.infer_text`` (``vqa.py:36-48``): the one choice whose lower-cased text is in the answer.

    Choices are compared as ``str(choice).lower()`` substrings of the lower-cased answer (an empty choice is in
    every answer); a letter is returned only when exactly one choice matches. Choices beyond the seventh (on which
    the reference raises) are ignored.
    """
    text = answer.lower()
    found = [letter for letter, choice in zip(CHOICE_LETTERS, choices) if str(choice).lower() in text]
    return found[0] if len(found) == 1 else None


def fetch_answer(answer: str, choices: Sequence[object], content_only: bool = False) -> Extraction:
    """``Answer_Extractor.fetch_answer`` (``vqa.py:69-77``): the letter an answer stands for.

    Unless ``content_only``: :func:`preprocess_answer`, then :func:`infer_option` (``option_match``). Then the
    (preprocessed) answer equal to a choice gives that choice's letter, else :func:`infer_text`
    (``content_match``).

    Args:
        answer: The answer as written in ChEF's answer file (for a PPL recipe, the chosen option).
        choices: The item's ``gt_choices`` (option texts, in letter order).
        content_only: ``Answer_Extractor(content_only=True)``: skip the letter stage.
    """
    if not content_only:
        answer = preprocess_answer(answer)
        letter = infer_option(answer)
        if letter:
            return Extraction(letter, 1, 0)
    choices = list(choices)
    if answer in choices and choices.index(answer) < len(CHOICE_LETTERS):
        return Extraction(CHOICE_LETTERS[choices.index(answer)], 0, 1)
    return Extraction(infer_text(answer, choices), 0, 1)


# --- Cleaner (the VQA v2 evaluation's answer normalisation, as ChEF copies it) ----------------------------------

_CONTRACTIONS: dict[str, str] = {
    "aint": "ain't", "arent": "aren't", "cant": "can't", "couldve": "could've", "couldnt": "couldn't",
    "couldn'tve": "couldn't've", "couldnt've": "couldn't've", "didnt": "didn't", "doesnt": "doesn't",
    "dont": "don't", "hadnt": "hadn't", "hadnt've": "hadn't've", "hadn'tve": "hadn't've", "hasnt": "hasn't",
    "havent": "haven't", "hed": "he'd", "hed've": "he'd've", "he'dve": "he'd've", "hes": "he's", "howd": "how'd",
    "howll": "how'll", "hows": "how's", "Id've": "I'd've", "I'dve": "I'd've", "Im": "I'm", "Ive": "I've",
    "isnt": "isn't", "itd": "it'd", "itd've": "it'd've", "it'dve": "it'd've", "itll": "it'll", "let's": "let's",
    "maam": "ma'am", "mightnt": "mightn't", "mightnt've": "mightn't've", "mightn'tve": "mightn't've",
    "mightve": "might've", "mustnt": "mustn't", "mustve": "must've", "neednt": "needn't", "notve": "not've",
    "oclock": "o'clock", "oughtnt": "oughtn't", "ow's'at": "'ow's'at", "'ows'at": "'ow's'at",
    "'ow'sat": "'ow's'at", "shant": "shan't", "shed've": "she'd've", "she'dve": "she'd've", "she's": "she's",
    "shouldve": "should've", "shouldnt": "shouldn't", "shouldnt've": "shouldn't've", "shouldn'tve": "shouldn't've",
    "somebody'd": "somebodyd", "somebodyd've": "somebody'd've", "somebody'dve": "somebody'd've",
    "somebodyll": "somebody'll", "somebodys": "somebody's", "someoned": "someone'd", "someoned've": "someone'd've",
    "someone'dve": "someone'd've", "someonell": "someone'll", "someones": "someone's", "somethingd": "something'd",
    "somethingd've": "something'd've", "something'dve": "something'd've", "somethingll": "something'll",
    "thats": "that's", "thered": "there'd", "thered've": "there'd've", "there'dve": "there'd've",
    "therere": "there're", "theres": "there's", "theyd": "they'd", "theyd've": "they'd've",
    "they'dve": "they'd've", "theyll": "they'll", "theyre": "they're", "theyve": "they've", "twas": "'twas",
    "wasnt": "wasn't", "wed've": "we'd've", "we'dve": "we'd've", "weve": "we've", "werent": "weren't",
    "whatll": "what'll", "whatre": "what're", "whats": "what's", "whatve": "what've", "whens": "when's",
    "whered": "where'd", "wheres": "where's", "whereve": "where've", "whod": "who'd", "whod've": "who'd've",
    "who'dve": "who'd've", "wholl": "who'll", "whos": "who's", "whove": "who've", "whyll": "why'll",
    "whyre": "why're", "whys": "why's", "wont": "won't", "wouldve": "would've", "wouldnt": "wouldn't",
    "wouldnt've": "wouldn't've", "wouldn'tve": "wouldn't've", "yall": "y'all", "yall'll": "y'all'll",
    "y'allll": "y'all'll", "yall'd've": "y'all'd've", "y'alld've": "y'all'd've", "y'all'dve": "y'all'd've",
    "youd": "you'd", "youd've": "you'd've", "you'dve": "you'd've", "youll": "you'll", "youre": "you're",
    "youve": "you've",
}  # fmt: skip
_NUMBER_WORDS = {
    "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
_ARTICLES = ("a", "an", "the")
_PUNCTUATION = (
    ";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!",
)  # fmt: skip
# As written in the reference: "(?!<=\d)" is a negative *lookahead* for the text "<=digit" (always true before a
# period), so this is "a period not followed by a digit".
_PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")
_PERIOD_STRIP_COUNT = int(re.UNICODE)  # 32: the reference passes the flag where re.sub expects the count


def _strip_punctuation(text: str) -> str:
    """``Cleaner.processPunctuation``: the delete-or-space decision reads the original text, not the running one."""
    out = text
    for mark in _PUNCTUATION:
        if mark + " " in text or " " + mark in text:
            out = out.replace(mark, "")
        else:
            out = out.replace(mark, " ")
    return _PERIOD_STRIP.sub("", out, count=_PERIOD_STRIP_COUNT)


def _digits_and_articles(text: str) -> str:
    """``Cleaner.processDigitArticle``: lower-case, number words 0-10 to digits, drop articles, expand contractions."""
    words = [_NUMBER_WORDS.get(word, word) for word in text.lower().split()]
    words = [word for word in words if word not in _ARTICLES]
    return " ".join(_CONTRACTIONS.get(word, word) for word in words)


def clean_answer(answer: str) -> str:
    """``Cleaner.clean`` (``metric/utils.py``): newlines and tabs to spaces, strip, punctuation, digits/articles.

    Used by ``CG_Classification`` (CIFAR10) and ``MMEVQA``.
    """
    text = answer.replace("\n", " ").replace("\t", " ").strip()
    return _digits_and_articles(_strip_punctuation(text))


def mme_answer_label(answer: str) -> str:
    """``MMEVQA.parse_pred_ans`` (``vqa.py:186-203``): ``"yes"``, ``"no"`` or ``"other"``.

    The lower-cased answer when it is exactly yes/no; otherwise the cleaned answer is searched for the
    *substrings* ``yes`` and ``no`` (so ``not`` and ``know`` contain a no) and exactly one must be found.
    """
    text = answer.lower()
    if text in ("yes", "no"):
        return text
    cleaned = clean_answer(text)
    found = [label for label in ("yes", "no") if label in cleaned]
    return found[0] if len(found) == 1 else "other"
