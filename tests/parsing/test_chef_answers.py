"""ChEF's answer readers equal ``d01093c``'s ``Answer_Extractor``, ``Cleaner`` and ``MMEVQA.parse_pred_ans`` (issue 19).

The expected values below came from running the reference's own classes on the strings of
``tests/fixtures/chef/strings.json``: ``tests/fixtures/chef/derive_golden.py <ref src> metrics`` (its
``derive_strings``) calls ``OpenGVLab/LAMM@d01093c src/ChEF/metric/vqa.py:Answer_Extractor.fetch_answer``,
``metric/utils.py:Cleaner.clean`` and ``metric/vqa.py:MMEVQA.parse_pred_ans``.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.parsing.chef_answers import (
    clean_answer,
    fetch_answer,
    infer_option,
    infer_text,
    mme_answer_label,
    preprocess_answer,
)

# fmt: off
# (answer, choices) -> [letter, option_match, content_match]
REFERENCE_EXTRACT = [
    ("(A", ["cat", "dog", "bird", "fish"], ["A", 1, 0]),
    ("B", ["cat", "dog", "bird", "fish"], ["B", 1, 0]),
    ("(B)", ["cat", "dog", "bird", "fish"], ["B", 1, 0]),
    ("B.", ["cat", "dog", "bird", "fish"], ["B", 1, 0]),
    ("Answer: C", ["cat", "dog", "bird", "fish"], ["C", 1, 0]),
    ("dog", ["cat", "dog", "bird", "fish"], ["B", 0, 1]),
    ("a small bird", ["cat", "dog", "bird", "fish"], ["C", 0, 1]),
    ("A dog", ["A cat", "A dog"], ["A", 1, 0]),
    ("U.S. flag", ["U.S. flag", "x"], [None, 0, 1]),
    ("", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("   ", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("The answer is (C) because", ["cat", "dog", "bird", "fish"], ["C", 1, 0]),
    ("E", ["cat", "dog", "bird", "fish"], ["E", 1, 0]),
    ("G", ["cat", "dog", "bird", "fish"], ["G", 1, 0]),
    ("H", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("A is right", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("A or B", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("(a)", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("[B]", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("B)", ["cat", "dog", "bird", "fish"], ["B", 1, 0]),
    (":D", ["cat", "dog", "bird", "fish"], ["D", 1, 0]),
    ("D:", ["cat", "dog", "bird", "fish"], ["D", 1, 0]),
    ("C,", ["cat", "dog", "bird", "fish"], ["C", 1, 0]),
    ("(A).", ["cat", "dog", "bird", "fish"], ["A", 1, 0]),
    ("A).", ["cat", "dog", "bird", "fish"], ["A", 1, 0]),
    (":B).", ["cat", "dog", "bird", "fish"], ["B", 1, 0]),
    ("Assistant: A### Human: B", ["cat", "dog", "bird", "fish"], ["A", 1, 0]),
    ("Human: x Assistant: (C", ["cat", "dog", "bird", "fish"], ["C", 1, 0]),
    ("I think B. No, C.", ["cat", "dog", "bird", "fish"], ["B", 1, 0]),
    ("catfish", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("", ["", "x"], ["A", 0, 1]),
    ("dog", ["", "dog"], ["B", 0, 1]),
    ("3", [1, 2, 3], ["C", 0, 1]),
    ("Option 2", ["1", "2"], ["B", 0, 1]),
    ("É.", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("A B", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("choice: a cat", ["a cat", "a dog"], ["A", 0, 1]),
    ("B A", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("A B C", ["cat", "dog", "bird", "fish"], [None, 0, 1]),
    ("A", ["cat", "dog", "bird", "fish"], ["A", 1, 0]),
]
REFERENCE_CLEAN = [
    ("The ship.", "ship"),
    ("a horse, (maybe)", "horse maybe"),
    ("Deer!", "deer"),
    ("It's 3.5 m - no, 2,000.", "it's 3.5 m no 2000"),
    ("dont  know\tthe\nanswer", "don't know answer"),
    ("one two ten eleven", "1 2 10 eleven"),
    ("x.y.z", "xyz"),
    ("(a)-(b)", "b"),
    ("a . b", "b"),
    ("Yes.", "yes"),
    ("NO!!", "no"),
    ("Hello; world", "hello world"),
    ("wont", "won't"),
    ("None", "0"),
    ("........................................a", "........a"),
    ("a/b c/ d", "ab c d"),
    ("An apple", "apple"),
    ("[0.1, 0.2]", "0.1 0.2"),
    ("e.g. this", "eg this"),
]
REFERENCE_MME_LABELS = [
    ("Yes", "yes"),
    ("no", "no"),
    ("YES", "yes"),
    ("No.", "no"),
    ("yes, there are two", "yes"),
    ("I do not know", "no"),
    ("Yes and no", "other"),
    ("None", "other"),
    ("nothing", "no"),
    ("yesterday", "yes"),
    ("", "other"),
    ("The answer is No", "no"),
    ("know", "no"),
    ("Y e s", "other"),
]
# fmt: on


def test_fetch_answer_equals_the_reference():
    got = [list(vars(fetch_answer(answer, choices)).values()) for answer, choices, _ in REFERENCE_EXTRACT]
    assert got == [expected for _, _, expected in REFERENCE_EXTRACT]


def test_clean_answer_equals_the_reference():
    assert [clean_answer(text) for text, _ in REFERENCE_CLEAN] == [expected for _, expected in REFERENCE_CLEAN]


def test_mme_label_equals_the_reference():
    assert [mme_answer_label(text) for text, _ in REFERENCE_MME_LABELS] == [label for _, label in REFERENCE_MME_LABELS]


def test_documented_quirks():
    # A two-token option text starting with the word "A" is read as letter A (chef-protocol.md §5.12).
    assert fetch_answer("A dog", ["A cat", "A dog"]).letter == "A"
    # "U.S." becomes "(U)", which is no choice: nothing is read.
    assert preprocess_answer("U.S. flag") == "(U)"
    assert fetch_answer("U.S. flag", ["U.S. flag", "x"]).letter is None
    # The text stage runs on the preprocessed answer and needs a unique substring.
    assert infer_text("a small bird", ["cat", "dog", "bird"]) == "C"
    assert infer_text("the cat and the dog", ["cat", "dog"]) is None
    assert infer_option("A is the answer") is None  # "A" among >= 3 tokens: the bare rule is skipped
    # The cleaner removes at most 32 periods (re.UNICODE passed as re.sub's count).
    assert clean_answer("." * 40 + "a") == "." * 8 + "a"
    assert clean_answer("It's 3.5 m - no, 2,000.") == "it's 3.5 m no 2000"


def test_content_only_skips_the_letter_stage():
    assert fetch_answer("B", ["A", "B"], content_only=True).letter == "B"  # by text, not as a letter
    assert vars(fetch_answer("(B)", ["x", "y"], content_only=True)) == {
        "letter": None,
        "option_match": 0,
        "content_match": 1,
    }


def test_more_choices_than_letters_never_raise():
    choices = [str(i) for i in range(10)]
    assert fetch_answer("9", choices).letter is None  # the reference raises IndexError here
    assert infer_text("x 8 y", choices) is None


_ANSWERISH = st.text(alphabet="ABCDEFGHabc().:,;#!?- \n\tAssistant:yesno0123456789U.S", max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), _ANSWERISH), st.lists(st.one_of(st.text(max_size=8), _ANSWERISH), max_size=9))
def test_readers_never_raise(answer, choices):
    found = fetch_answer(answer, choices)
    assert found.letter is None or found.letter in "ABCDEFG"
    assert (found.option_match, found.content_match) in ((1, 0), (0, 1))
    assert isinstance(clean_answer(answer), str)
    assert mme_answer_label(answer) in ("yes", "no", "other")
