"""ChEF's structured detection parser: templates, code-order precedence, dropped boxes, no crashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.parsing.chef_detection import ChefDetections, parse_chef_detection

BOX = (0.1, 0.2, 0.3, 0.4)


@pytest.mark.parametrize(
    ("text", "boxes", "categories"),
    [
        (
            "The dog object is located at [0.1, 0.2, 0.3, 0.4]. The cat object is at [0.5, 0.5, 0.9, 0.9].",
            (BOX, (0.5, 0.5, 0.9, 0.9)),
            ("dog", "cat"),
        ),
        ("An object at [0.1, 0.2, 0.3, 0.4] is classified as person.", (BOX,), ("person",)),
        ("It is categorized as sheep at [0.1, 0.2, 0.3, 0.4].", (BOX,), ("sheep",)),
        ("The box [0.1,0.2,0.3,0.4] belongs to the vehicle category", (BOX,), ("vehicle",)),
        ("A region [0.1, 0.2, 0.3, 0.4] belonging to the category of bird.", (BOX,), ("bird",)),
        ("At [0.1, 0.2, 0.3, 0.4] it falls under the cow category.", (BOX,), ("cow",)),
        ("The motorcycle object is at [ 0.1, 0.2, 0.3, 0.4 ]", (BOX,), ("motorcycle",)),  # no final period
        # the last template *in code order* wins: "its category is" (8th) beats "The ... object" (1st),
        # although "The dog object" comes later in the text
        ("its category is cat, the region [0.1, 0.2, 0.3, 0.4] shows The dog object.", (BOX,), ("cat",)),
        ("The dog object at [0.1, 0.2, 0.3, 0.4] and its category is animal.", (BOX,), ("animal",)),
        # lazy capture up to the first "." -- the decimal point inside the box
        ("It falls under the category of animal at [0.1, 0.2, 0.3, 0.4].", (BOX,), ("animal at [0",)),
        # sentences split only on ". ": one sentence, first box, first-template lazy category
        ("The dog object [0.1, 0.2, 0.3, 0.4].The cat object [0.5,0.5,0.6,0.6].", (BOX,), ("dog",)),
        # inverted boxes are dropped, never swapped
        ("The dog object is at [0.3, 0.4, 0.1, 0.2].", (), ()),
        ("The dog object is at [0.1, 0.4, 0.3, 0.2].", (), ()),
        # a sentence needs both a box and a category
        ("A box [0.1, 0.2, 0.3, 0.4] with no category. The cat object has no box.", (), ()),
        ("The dog object is at [-0.1, 0.2, 0.3, 0.4].", (), ()),  # no minus sign in the box template
        ("", (), ()),  # the reference crashes on an empty answer
        ("   ", (), ()),
    ],
)
def test_parse_chef_detection(text, boxes, categories):
    parsed = parse_chef_detection(text)
    assert parsed.boxes == boxes
    assert parsed.categories == categories
    assert parsed.malformed == 0


def test_unparseable_numbers_are_counted_not_raised():
    text = "The dog object is at [0.1.2, 0.2, 0.3, 0.4]. The cat object is at [0.5, 0.5, 0.9, 0.9]"
    assert parse_chef_detection(text) == ChefDetections(((0.5, 0.5, 0.9, 0.9),), ("cat",), 1)
    assert parse_chef_detection("The dog object is at [., 0.2, 0.3, 0.4].").malformed == 1
    # no category: the sentence is skipped before its numbers are read, as in the reference
    assert parse_chef_detection("Box [0.1.2, 0.2, 0.3, 0.4].").malformed == 0


_ANSWERISH = st.lists(
    st.sampled_from(
        ["The ", "dog ", "object ", "[", "]", "0.1", "0.1.2", ".", ", ", ". ", "classified as ", "cat",
         "its category is ", " is", "\n", "1", " ", "belongs to the ", " category"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), _ANSWERISH))
def test_never_raises_and_keeps_invariants(text):
    parsed = parse_chef_detection(text)
    assert len(parsed.boxes) == len(parsed.categories)
    assert parsed.malformed >= 0
    for (x1, y1, x2, y2), category in zip(parsed.boxes, parsed.categories):
        assert x1 <= x2 and y1 <= y2
        assert category == category.strip()
