"""LAMM's class-name matching: is the ground-truth label (or a WordNet synonym of it) in the answer?

The LAMM reference has three different functions for this, and each protocol uses them in different places:

- :func:`paper_class_match` -- paper era ``datasets/utils.classification_acc``: lowercase, NLTK tokenize, drop
  punctuation tokens and stopwords, ``wordnet.morphy`` each token (unknown words become ``None``); the synonyms are
  the lemma names of the label's *first* synset (with their capitalisation), or the label itself when WordNet
  has no entry. Used by paper CIFAR-10, CelebA hair, VOC detection, locating and 3D detection.
- :func:`chef_class_match` -- ChEF's inline copy in ``LAMM_Classification``/``LAMM_Facial_Hair_Classification``:
  the same, but the label is always added to the synonyms and an answer that *equals* a synonym also counts.
- :func:`chef_voc_class_match` -- ChEF ``metric/utils.classification_acc``: no tokenizer (split on single
  spaces), a VOC synonym table, noun lemmatization, and the lemma names of *all* the label's synsets.

Known consequences (reproduced on purpose; see the protocol notes §9): labels that WordNet does not know
(``diningtable``) never match in the paper version; ``cows`` does not match ``cow``; ``grey`` never matches.
"""

from __future__ import annotations

import functools
import string

from lamm_bench.parsing.lexicon import stopwords, word_tokenize, wordnet

VOC_SYNONYMS: dict[str, str] = {
    "man": "person", "men": "person", "woman": "person", "women": "person", "baby": "person",
    "people": "person", "child": "person", "children": "person", "girl": "person", "boy": "person",
    "guy": "person", "ship": "boat", "sailboat": "boat", "yacht": "boat", "puppy": "dog",
    "table": "diningtable", "calf": "cow", "hummingbird": "bird", "bike": "bicycle", "kayaker": "person",
    "motorcycle": "motorbike", "pony": "horse",
}  # fmt: skip


def entity_tokens(answer: str) -> list[str | None]:
    """The paper's ``parse_entity``: the answer's tokens as WordNet base forms (``None`` for unknown words)."""
    return list(_entity_tokens(answer))


@functools.lru_cache(maxsize=8192)
def _entity_tokens(answer: str) -> tuple[str | None, ...]:
    # Cached: a detection or locating answer is matched once per ground-truth object, and tokenizing is the cost.
    stops = stopwords()
    tokens = word_tokenize(answer.lower())
    # ``token not in string.punctuation`` is a substring test in the reference, kept as such ("" and "()" drop).
    tokens = [t for t in tokens if t not in string.punctuation and t not in stops]
    wn = wordnet()
    return tuple(wn.morphy(t) for t in tokens)


@functools.cache
def first_synset_lemmas(label: str) -> tuple[str, ...]:
    """Lemma names of the label's first WordNet synset; empty when WordNet has no entry for it."""
    synsets = wordnet().synsets(label)
    return tuple(synsets[0].lemma_names()) if synsets else ()


@functools.cache
def all_synset_lemmas(label: str) -> tuple[str, ...]:
    """Lemma names of every synset of the label, in WordNet's order (duplicates kept, as the reference does)."""
    return tuple(name for synset in wordnet().synsets(label) for name in synset.lemma_names())


def paper_class_match(gt: str, answer: str) -> bool:
    """Paper-era ``classification_acc(gt, answer)``."""
    synonyms = first_synset_lemmas(gt) or (gt,)
    tokens = _entity_tokens(answer)
    return any(s in tokens for s in synonyms)


def chef_class_match(gt: str, answer: str) -> bool:
    """ChEF ``LAMM_Classification``'s inline ``classification_acc_lamm(gt, answer)``."""
    synonyms = first_synset_lemmas(gt) + (gt,)
    if answer in synonyms:
        return True
    tokens = _entity_tokens(answer)
    return any(s in tokens for s in synonyms)


def _lemmatize_noun(word: str) -> str:
    # NLTK's WordNetLemmatizer.lemmatize(word, "n"): the shortest morphological base form, else the word.
    lemmas = wordnet()._morphy(word, "n")
    return min(lemmas, key=len) if lemmas else word


def chef_voc_class_match(gt: str, answer: str) -> bool:
    """ChEF ``metric/utils.classification_acc(gt, answer)`` (detection, locating, 3D detection)."""
    words = answer.split(" ")
    words += [VOC_SYNONYMS[w] for w in words if w in VOC_SYNONYMS]
    lemmas = {_lemmatize_noun(w) for w in words}
    return any(s in lemmas for s in all_synset_lemmas(gt))
