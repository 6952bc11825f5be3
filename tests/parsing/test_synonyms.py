"""LAMM's three synonym matchers and the offline lexicon, on the behaviours the protocol notes verified (§9, §10)."""

import pytest
from hypothesis import given, settings, strategies as st

from lamm_bench.parsing.lexicon import ENGLISH_STOPWORDS, LEXNAMES_TEXT, word_tokenize, wordnet
from lamm_bench.parsing.synonyms import chef_class_match, chef_voc_class_match, entity_tokens, paper_class_match


def test_wordnet_is_3_0_with_the_lexnames_table():
    wn = wordnet()
    assert wn.get_version() == "3.0"
    assert LEXNAMES_TEXT.splitlines()[5] == "05\tnoun.animal\t1"
    assert len(LEXNAMES_TEXT.splitlines()) == 45
    assert wn.synsets("dog")[0].lexname() == "noun.animal"


def test_nltk_stopword_list_size():
    assert len(ENGLISH_STOPWORDS) == 179
    assert {"the", "is", "not", "no", "wouldn't"} <= ENGLISH_STOPWORDS


def test_word_tokenize_splits_sentences_like_nltk():
    # Punkt keeps "Mr." (a known abbreviation) and splits sentence-final periods off words.
    assert word_tokenize("I see a cat. Mr. Smith has dogs!") == ["I", "see", "a", "cat", ".", "Mr.", "Smith", "has", "dogs", "!"]
    assert word_tokenize("don't stop") == ["do", "n't", "stop"]


@pytest.mark.parametrize(
    ("gt", "answer", "paper", "chef", "chef_voc"),
    [
        ("cat", "It is a cat.", True, True, False),  # ChEF-VOC splits on spaces: "cat." != "cat"
        ("cat", "a cat", True, True, True),
        ("cow", "Two cows.", False, False, False),  # morphy('cows') == 'cows' (a lemma itself), lemmatize too
        ("dog", "three dogs here", True, True, True),  # morphy('dogs') == 'dog'
        ("grey", "grey hair", False, True, True),  # first synset is ['Grey', 'Zane_Grey']; ChEF adds the gt itself
        ("motorbike", "a motorcycle", False, False, True),  # first synset of motorbike is minibike; VOC table maps
        ("diningtable", "a diningtable", False, False, False),  # no WordNet entry: never matches in the paper
        ("diningtable", "diningtable", False, True, False),  # ChEF classification accepts the exact answer
        ("airplane", "An aeroplane in the sky", True, True, True),
        ("picture", "an image of it", True, True, True),  # first synset of picture includes image
        ("dog", "a hound", False, False, True),  # ChEF-VOC accepts every synset of dog
        ("person", "a man on a bike", False, False, True),  # VOC synonym table man -> person
        ("dog", "Dog", True, True, False),  # paper lowercases; ChEF-VOC does not
        ("cat", "CAT", True, True, True),  # ... but "CAT" is a lemma of a synset of cat (the scan)
    ],
)
def test_matchers(gt, answer, paper, chef, chef_voc):
    assert (paper_class_match(gt, answer), chef_class_match(gt, answer), chef_voc_class_match(gt, answer)) == (
        paper,
        chef,
        chef_voc,
    )


def test_entity_tokens_drop_punctuation_and_stopwords_and_morph():
    assert entity_tokens("The dogs are running, quickly!") == ["dog", "running", "quickly"]  # morphy tries nouns first
    assert entity_tokens("xyzzy") == [None]  # unknown words become None, as in the reference


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_matchers_never_raise(text):
    for match in (paper_class_match, chef_class_match, chef_voc_class_match):
        assert isinstance(match("cat", text), bool)


def test_missing_wordnet_is_a_clear_user_error(tmp_path, monkeypatch):
    from lamm_bench.errors import UserError
    from lamm_bench.parsing import lexicon

    lexicon.wordnet.cache_clear()
    try:
        monkeypatch.setenv("LAMM_BENCH_WORDNET", str(tmp_path))
        with pytest.raises(UserError, match="no WordNet database there"):
            lexicon.wordnet()
        monkeypatch.delenv("LAMM_BENCH_WORDNET")
        monkeypatch.setattr(lexicon, "DEBIAN_WORDNET", tmp_path / "nowhere")
        monkeypatch.setattr(lexicon, "_nltk_find", lambda resource: None)
        with pytest.raises(UserError, match="apt-get install wordnet-base"):
            lexicon.wordnet()
    finally:
        lexicon.wordnet.cache_clear()
