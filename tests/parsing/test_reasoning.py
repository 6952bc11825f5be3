"""Reasoning blocks (``lamm_bench.parsing.reasoning``): table-tested on the shapes reasoning models write, and
properties on arbitrary text: text without a tag is unchanged, no block survives, a cut-off answer is empty."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.errors import UserError
from lamm_bench.parsing.reasoning import DEFAULT_TAGS, StrippedAnswer, parse_tags, strip_reasoning

OPEN, CLOSE = DEFAULT_TAGS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is (B).", StrippedAnswer("The answer is (B).", None)),
        ("  spaced  ", StrippedAnswer("  spaced  ", None)),  # no tag: not even trimmed
        ("<think>It may be (A)... no, (B).</think>\n\nThe answer is (B).", StrippedAnswer("The answer is (B).", "It may be (A)... no, (B).")),
        ("Let me see.</think> (C)", StrippedAnswer("(C)", "Let me see.")),  # the template opened the block
        ("<think>first</think> a <think>second</think> b", StrippedAnswer("a  b", "first\n\nsecond")),
        ("<think>The answer is (A)", StrippedAnswer("", "The answer is (A)", cut_off=True)),
        ("(D) <think>changed my mind: (A)", StrippedAnswer("", "changed my mind: (A)", cut_off=True)),
        ("<think>done</think> (B) <think>again", StrippedAnswer("", "done\n\nagain", cut_off=True)),
        ("<think></think>", StrippedAnswer("", "")),
        ("<thi<think>x</think>nk>y</think>z", StrippedAnswer("z", "x\n\ny")),  # a tag joined by a removal goes too
        ("a </think> b </think> c", StrippedAnswer("b </think> c", "a")),  # only a first close tag ends a block
    ],
)  # fmt: skip
def test_blocks_are_taken_out_as_reasoning_models_write_them(text, expected):
    assert strip_reasoning(text) == expected


def test_custom_tags():
    assert strip_reasoning("[R]why[/R] yes", ("[R]", "[/R]")) == StrippedAnswer("yes", "why")
    assert strip_reasoning("<think>why</think> yes", ("[R]", "[/R]")).reasoning is None


TAGGY = st.lists(st.sampled_from(["<", ">", "/", "t", "h", "i", "n", "k", " ", "a", "B", "[R]", "[/R]", OPEN, CLOSE]),
                 max_size=30).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_text_without_tags_is_unchanged(text):
    text = text.replace("<", "")
    assert strip_reasoning(text) == StrippedAnswer(text, None)


@settings(max_examples=500, deadline=None)
@given(TAGGY, st.sampled_from([DEFAULT_TAGS, ("[R]", "[/R]"), ("<", ">")]))
def test_no_block_survives_and_a_cut_off_answer_is_empty(text, tags):
    out = strip_reasoning(text, tags)
    assert tags[0] not in out.answer  # so no block either
    if out.cut_off:
        assert out.answer == "" and out.reasoning is not None
    elif out.reasoning is None:
        assert out.answer == text and tags[0] not in text and tags[1] not in text
    else:
        assert out.answer == out.answer.strip() and len(out.answer) < len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30).filter(lambda t: OPEN not in t), st.text(max_size=30).filter(lambda t: CLOSE not in t))
def test_an_unclosed_block_is_never_parsed_from(before, reasoning):
    out = strip_reasoning(f"{before}{OPEN}{reasoning}")
    assert out.cut_off and out.answer == ""


@pytest.mark.parametrize("value", ["<think>", "<think>,", ",</think>", "a,a", "a,b,c", ""])
def test_bad_tags_are_one_line(value):
    with pytest.raises(UserError, match="--reasoning-tags must be OPEN,CLOSE"):
        parse_tags(value)


def test_tags_parse():
    assert parse_tags(" <r> , </r> ") == ("<r>", "</r>") and parse_tags(("[", "]")) == ("[", "]")
