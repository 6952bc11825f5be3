"""Box/point parsing: the reference's scanner quirks, table-tested, plus properties on arbitrary text."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.parsing.boxes import parse_bbox, parse_bbox_3d, parse_keypoints, parse_num


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[0.1, 0.2, 0.3, 0.4]", [0.1, 0.2, 0.3, 0.4]),
        ("[1,,2]", [1.0, 2.0]),  # empty buffer at a separator adds nothing
        ("[[0.1, 0.2]]", [0.1, 0.2]),  # a second "[" only re-enters the span
        ("0.3 outside [0.7] 0.9", [0.7]),
        ("[0.1, 0.2", [0.1]),  # unclosed span: the last buffer is never flushed
        ("[1e3, -2, inf]", [1000.0, -2.0, math.inf]),  # float() grammar, minus signs kept
        # Buffer-reset quirk: junk stays in the buffer and swallows the following numbers...
        ("[a 0.1, 0.2]", []),
        # ...even across spans.
        ("[a] [0.5]", []),
        ("[0.5a] [0.6]", []),
        ("[x] (0.5)", []),  # only the "[" scanner is asked here; ")" and "(" are ordinary characters
    ],
)
def test_parse_num_brackets(text, expected):
    assert parse_num(text, "[", "]") == expected


def test_parse_num_parentheses_and_nan():
    assert parse_num("(0.1, 0.2) [0.3]", "(", ")") == [0.1, 0.2]
    out = parse_num("[nan, 1]", "[", "]")
    assert math.isnan(out[0]) and out[1] == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The dog is at [0.1, 0.2, 0.3, 0.4].", [(0.1, 0.2, 0.3, 0.4)]),
        # brackets first, then parentheses, whatever the text order
        ("(0.5, 0.5, 0.6, 0.6) and [0.1, 0.1, 0.2, 0.2]", [(0.1, 0.1, 0.2, 0.2), (0.5, 0.5, 0.6, 0.6)]),
        ("[0.1, 0.2, 0.3, 0.4, 0.5]", [(0.1, 0.2, 0.3, 0.4)]),  # truncated to a multiple of 4
        # digit-regex fallback when nothing is bracketed: no minus signs
        ("from -0.1, 0.2 to 0.3, 0.4", [(0.1, 0.2, 0.3, 0.4)]),
        # the fallback also runs when truncation left nothing (a lone bracketed number)
        ("[0.1] 0.2 0.3 0.4", [(0.1, 0.2, 0.3, 0.4)]),
        # ...but not when brackets gave a full box
        ("[0.1, 0.2, 0.3, 0.4] 0.5 0.6 0.7 0.8", [(0.1, 0.2, 0.3, 0.4)]),
        ("[0.5, 0.6, 0.1, 0.2]", [(0.1, 0.2, 0.5, 0.6)]),  # both corners inverted: swapped
        ("[0.5, 0.1, 0.1, 0.6]", []),  # one axis inverted: dropped
        ("[0.1, 0.6, 0.5, 0.2]", []),
        ("[0.2, 0.2, 0.2, 0.2]", [(0.2, 0.2, 0.2, 0.2)]),  # degenerate but not inverted: kept
        ("[nan, 0.1, 0.2, 0.3]", []),  # NaN fails both comparisons
        # "0.1.2" is not a float: it stays in the buffer, the bracket list is empty, the regex reads
        # 0.1 2 0.1 0.2 0.3 -> (0.1, 2, 0.1, 0.2), inverted in y only -> dropped
        ("[0.1.2, 0.1, 0.2, 0.3]", []),
        # nested: the "[" pass sees "(0.1" etc. and fails, the "(" pass reads the box
        ("[(0.1, 0.2, 0.3, 0.4)]", [(0.1, 0.2, 0.3, 0.4)]),
        ("no numbers here", []),
        ("", []),
    ],
)
def test_parse_bbox(text, expected):
    assert parse_bbox(text) == expected


def test_parse_keypoints():
    assert parse_keypoints("[0.1, 0.2] and [0.3, 0.4]") == [(0.1, 0.2), (0.3, 0.4)]
    assert parse_keypoints("[0.9, 0.1, 0.3]") == [(0.9, 0.1)]  # pairs, no ordering filter
    assert parse_keypoints("x is 0.5 and y is 0.6") == [(0.5, 0.6)]
    assert parse_keypoints("(0.25, 0.75)") == [(0.25, 0.75)]
    assert parse_keypoints("nothing") == []


def test_parse_bbox_3d():
    assert parse_bbox_3d("[1, -2, 3, 0.5, 0.5, 0.5, 9]") == [(1.0, -2.0, 3.0, 0.5, 0.5, 0.5)]
    assert parse_bbox_3d("-1 2 3 4 5 6") == [(1.0, 2.0, 3.0, 4.0, 5.0, 6.0)]  # fallback drops the minus
    assert parse_bbox_3d("[3, 2, 1, 0.1, 0.1, 0.1]") == [(3.0, 2.0, 1.0, 0.1, 0.1, 0.1)]  # no filtering
    assert parse_bbox_3d("[1, 2, 3, 4, 5]") == []  # 5 bracketed -> truncated -> fallback has 5 -> nothing


_ANSWERISH = st.text(alphabet=st.sampled_from(list("0123456789.,-+ []()eainfx\n")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), _ANSWERISH))
def test_parsers_never_raise_and_keep_invariants(text):
    for open_ch, close_ch in (("[", "]"), ("(", ")")):
        assert all(isinstance(v, float) for v in parse_num(text, open_ch, close_ch))
    for box in parse_bbox(text):
        assert len(box) == 4
        assert box[0] <= box[2] and box[1] <= box[3]
    assert all(len(p) == 2 for p in parse_keypoints(text))
    assert all(len(b) == 6 for b in parse_bbox_3d(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1), min_size=0, max_size=12))
def test_well_formed_boxes_round_trip(values):
    n = len(values) // 4 * 4
    text = " ".join(f"[{', '.join(repr(v) for v in values[i:i + 4])}]" for i in range(0, n, 4))
    expected = []
    for i in range(0, n, 4):
        x1, y1, x2, y2 = values[i : i + 4]
        if x1 > x2 and y1 > y2:
            x1, y1, x2, y2 = x2, y2, x1, y1
        if x1 <= x2 and y1 <= y2:
            expected.append((x1, y1, x2, y2))
    assert parse_bbox(text) == expected
