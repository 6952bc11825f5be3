"""Scoring speed: lamm-bench's synonym matching vs the reference's way, side by side in one run.

The reference's ``classification_acc`` looks the label up in WordNet (``wn.synsets(gt)``) and re-tokenizes for
every answer. lamm-bench caches the per-label synonym list (labels repeat: CIFAR-10 has ten) and loads WordNet,
Punkt and stopwords once. Both produce identical verdicts; this script checks that, then times both.

Run: ``python benchmarks/bench_scoring.py [--n 5000]``.
"""

from __future__ import annotations

import argparse
import random
import time

from lamm_bench.parsing.synonyms import entity_tokens, first_synset_lemmas, paper_class_match
from lamm_bench.parsing.lexicon import wordnet

LABELS = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
TEMPLATES = ("It is a {}.", "The image shows a {} standing on the grass.", "I think this is an {}, maybe.",
             "A photo of two {}s.", "{}")  # fmt: skip


def naive_match(gt: str, answer: str) -> bool:
    """The reference's order of work: a WordNet lookup for the label on every call."""
    synsets = wordnet().synsets(gt)
    synonyms = synsets[0].lemma_names() if synsets else [gt]
    tokens = entity_tokens(answer)
    return any(s in tokens for s in synonyms)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    n = parser.parse_args().n
    rng = random.Random(0)
    pairs = [(rng.choice(LABELS), rng.choice(TEMPLATES).format(rng.choice(LABELS))) for _ in range(n)]
    wordnet()  # both sides get a loaded WordNet; loading is timed separately below
    assert [paper_class_match(g, a) for g, a in pairs[:500]] == [naive_match(g, a) for g, a in pairs[:500]]

    timings = {}
    for name, fn in (("naive (lookup per call)", naive_match), ("lamm-bench (cached)", paper_class_match)):
        first_synset_lemmas.cache_clear()
        start = time.perf_counter()
        for g, a in pairs:
            fn(g, a)
        timings[name] = time.perf_counter() - start
    naive, ours = timings.values()
    for name, seconds in timings.items():
        print(f"{name:28s} {seconds:7.3f} s  {n / seconds:9.0f} answers/s")
    print(f"speed-up: {naive / ours:.2f}x on {n} CIFAR-10 answers")


if __name__ == "__main__":
    main()
