"""SVT word accuracy: paper (double quotes) vs ChEF (quotes and apostrophes, spans joined by '. ')."""

from __future__ import annotations

import pytest

from lamm_bench.metrics.ocr import svt_sample_chef, svt_sample_paper, word_accuracy


def test_plain_answer_is_the_same_in_both():
    text = "The words are hotel and PARKING"
    for sample in (svt_sample_paper, svt_sample_chef):
        assert sample(text, ["HOTEL", "parking", "exit"])["word_accuracy"] == pytest.approx(2 / 3)


def test_quote_variants_differ():
    text = 'The words are "HELLO" and "world"'
    words = ["hello", "world", "foo"]
    assert svt_sample_paper(text, words)["word_accuracy"] == pytest.approx(2 / 3)  # "hello world"
    # ChEF: spans HELLO / " and " / world joined with ". " -> "hello." no longer matches
    assert svt_sample_chef(text, words)["word_accuracy"] == pytest.approx(1 / 3)
    # an apostrophe opens a ChEF span: "s sign says " / "exit" -> "s sign says . exit"
    assert svt_sample_chef("it's sign says 'exit'", ["exit", "sign"])["word_accuracy"] == 1.0
    assert svt_sample_paper("it's sign says 'exit'", ["exit", "sign"])["word_accuracy"] == 0.5  # "'exit'"


def test_punctuation_blocks_matches_and_edges():
    assert svt_sample_paper("hotel, parking.", ["hotel", "parking"])["word_accuracy"] == 0.0
    assert svt_sample_paper("", ["hotel"])["word_accuracy"] == 0.0
    assert svt_sample_paper("hotel", [])["word_accuracy"] == 0.0  # the reference divides by zero here


def test_word_accuracy_aggregate():
    assert word_accuracy([{"word_accuracy": 1.0}, {"word_accuracy": 0.5}]) == {"word_accuracy": 75.0}
    assert word_accuracy([]) == {"word_accuracy": 0.0}
