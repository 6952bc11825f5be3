"""The VQAvisionacc cascade, branch by branch, with hand-decided expectations."""

import pytest
from hypothesis import given, strategies as st

from lamm_bench.parsing.vqa import vqa_correct, vqa_verdict

CHOICES = ["Cheyenne", "Honolulu", "Denver", "Austin", "Boise", "Salem"]


@pytest.mark.parametrize(
    ("answer", "gt", "branch", "correct"),
    [
        # 1. "The answer is X" needs a non-word character after the letter (or paren)
        ("The answer is B.", 1, "the_answer_is", True),
        ("the answer is (B) because", 1, "the_answer_is", True),
        ("The answer is B", 1, "none", False),  # end of text, no \W: pattern 1 misses; no other pattern either
        ("reasoning\n The answer is (E)", 4, "the_answer_is", True),  # backtracks onto ')' (protocol §9)
        ("The answer is A. Wait, the answer is B.", 1, "the_answer_is", False),  # every match must contain gt
        ("The answer is (B). So the answer is B!", 1, "the_answer_is", True),
        ("The answer is  B.", 1, "none", False),  # two spaces: pattern 1 needs exactly one
        ("The answer is F.", 5, "none", False),  # F is outside A-E in 2D
        # 2. "ANSWER: X": only the first match decides, by its last character
        ("ANSWER: B and later ANSWER: A", 1, "ANSWER:", True),
        ("ANSWER: A and later ANSWER: B", 1, "ANSWER:", False),
        # 3. "(X)": every match must contain gt
        ("I pick (B)", 1, "(X)", True),
        ("Either (A) or (B)", 1, "(X)", False),
        # 4. option text: gt text present (case-insensitive) and no other option text
        ("It is honolulu.", 1, "option_text", True),
        ("Honolulu, not Denver", 1, "none", False),
        ("no idea", 1, "none", False),
    ],
)
def test_cascade_branches(answer, gt, branch, correct):
    verdict = vqa_verdict(answer, gt, CHOICES)
    assert (verdict.branch, verdict.correct) == (branch, correct)


def test_pattern_1_takes_precedence_over_pattern_2():
    assert vqa_correct("The answer is A. ANSWER: B", 0, CHOICES)
    assert not vqa_correct("The answer is A. ANSWER: B", 1, CHOICES)


def test_letter_f_only_counts_with_3d_letters():
    choices = ["a", "b", "c", "d", "e", "f"]
    assert not vqa_correct("The answer is (F).", 5, choices)
    assert vqa_correct("The answer is (F).", 5, choices, letters="ABCDEF")


def test_paper_two_step_answer_format():
    # reasoning + "\n The answer is " + option continuation that starts with a space: only pattern 3 can match
    stored = "Hawaii's capital is Honolulu.\n The answer is  (B)"
    verdict = vqa_verdict(stored, 1, CHOICES)
    assert (verdict.branch, verdict.correct) == ("(X)", True)


@given(st.text(), st.integers(min_value=0, max_value=2))
def test_never_raises(text, gt):
    assert isinstance(vqa_correct(text, gt, CHOICES), bool)
