"""CelebA: the smile negation rule (NLTK tokenization) and hair colour through the synonym matchers."""

from __future__ import annotations

import pytest
from _helpers import substring_match

from lamm_bench.metrics.facial import hair_sample_chef, hair_sample_paper, smile_prediction, smile_sample


@pytest.mark.parametrize(
    ("answer", "prediction"),
    [
        ("Yes, the person is smiling.", "1"),
        ("No, the person is not smiling.", "-1"),
        ("NO.", "-1"),  # lowercased, punctuation split off
        ("The person cannot be seen smiling", "-1"),  # "cannot" -> "can" "not"
        ("The person doesn't smile", "1"),  # "doesn't" -> "does" "n't": no negation found
        ("There is nobody smiling", "1"),  # "nobody" is not "no"
        ("no.Smiling", "1"),  # one token "no.smiling": not split
        ("", "1"),
    ],
)
def test_smile_prediction(answer, prediction):
    assert smile_prediction(answer) == prediction


def test_smile_sample_compares_attr_strings():
    assert smile_sample("Not smiling.", "-1") == {"correct": 1}
    assert smile_sample("Smiling.", "-1") == {"correct": 0}
    assert smile_sample("Smiling.", "1") == {"correct": 1}
    assert smile_sample("x", "1", tokenize=lambda text: ["no"]) == {"correct": 0}  # injectable tokenizer


def test_hair_with_stub_matcher():
    assert hair_sample_paper("Her hair is blond.", "blond", match=substring_match) == {"correct": 1}
    assert hair_sample_chef("Her hair is black.", "blond", match=substring_match) == {"correct": 0}


def test_hair_with_real_matchers():
    pytest.importorskip("lamm_bench.parsing.synonyms")
    assert hair_sample_paper("The hair is black.", "black") == {"correct": 1}
    # "Blond" tokenizes to "blond"; first synset of "blond" contains "blond" (protocol §2.1)
    assert hair_sample_paper("Blond hair.", "blond") == {"correct": 1}
    # "grey" never matches in the paper version: its first synset is ['Grey', 'Zane_Grey'] (protocol §9)
    assert hair_sample_paper("grey", "grey") == {"correct": 0}
    # ChEF adds the label itself to the synonyms and accepts an exact raw answer
    assert hair_sample_chef("grey", "grey") == {"correct": 1}
