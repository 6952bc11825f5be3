"""Caption metrics: the paper's NLTK BLEU-4 (vs direct NLTK calls) and ChEF's COCO metrics (vs pycocoevalcap)."""

from __future__ import annotations

import shutil
import warnings

import pytest
from nltk.translate.bleu_score import sentence_bleu

from lamm_bench.metrics.caption import (
    SPICE_STATUS,
    bleu4_paper_aggregate,
    bleu4_paper_sample,
    coco_caption_scores,
)

REFS = ["A dog is running on the grass.", "The brown dog runs across a field.", "A dog plays outside."]


def _direct_nltk(answer: str, refs: list[str]) -> float:
    """The paper's rule spelled out with plain NLTK calls."""
    span = answer.split('"')[1::2]
    caption = " ".join(span) if '"' in answer else answer
    references = [r.replace(".", "").split() for r in refs]
    return max(sentence_bleu(references, c.split(), (0.25,) * 4) for c in caption.split("."))


@pytest.mark.parametrize(
    "answer",
    [
        "A dog is running on the grass.",
        'The caption is "A brown dog runs across a field". Nice.',
        "Garbage words here. A dog is running across the grass outside",
        "a dog is running on the grass",  # lower-case "a": case-sensitive tokens
        "The image shows a dog that is running on the green grass near a field.",
        "cat",
        "",
    ],
)
def test_bleu4_paper_matches_direct_nltk(answer):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NLTK warns on zero n-gram counts
        expected = _direct_nltk(answer, REFS)
    assert bleu4_paper_sample(answer, REFS)["bleu4_nltk"] == expected


def test_bleu4_paper_known_values():
    # the second "."-separated sentence equals a reference with its period removed
    assert bleu4_paper_sample("Garbage words here. A dog is running on the grass.", REFS) == {"bleu4_nltk": 1.0}
    # only the quoted span is scored
    assert bleu4_paper_sample('I think "A dog plays outside" fits.', REFS)["bleu4_nltk"] == 1.0
    assert bleu4_paper_sample("zebra", REFS)["bleu4_nltk"] == 0.0
    assert bleu4_paper_sample("", REFS)["bleu4_nltk"] == 0.0
    assert bleu4_paper_sample("A dog.", [])["bleu4_nltk"] == 0.0  # no references: the reference crashes
    # no 4-gram match but some 1-gram matches: NLTK returns a tiny positive number, not 0 (protocol §9)
    tiny = bleu4_paper_sample("dog grass running field", REFS)["bleu4_nltk"]
    assert 0.0 < tiny < 1e-50


def test_bleu4_paper_aggregate():
    assert bleu4_paper_aggregate([{"bleu4_nltk": 1.0}, {"bleu4_nltk": 0.0}]) == {"bleu4_nltk": 50.0}
    assert bleu4_paper_aggregate([]) == {"bleu4_nltk": 0.0}


needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="COCO caption metrics need Java")

PREDICTIONS = {
    "1": "A dog runs on the grass.",
    "2": "",
    "3": "Two men (playing) chess!!!",
    "4": "A woman is riding a bike down the street.",
}
REFERENCES = {
    "1": ["A dog is running on the grass.", "The dog runs."],
    "2": ["a cat sleeps"],
    "3": ["Two men play chess.", "Two old men are playing a game of chess in the park."],
    "4": ["A woman rides a bicycle on a city street.", "A lady on a bike.", "Someone cycling."],
}


def _direct_pycocoevalcap():
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    tok = PTBTokenizer()
    gts = tok.tokenize({k: [{"caption": c} for c in v] for k, v in REFERENCES.items()})
    res = tok.tokenize({k: [{"caption": v}] for k, v in PREDICTIONS.items()})
    out = {}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    for i, b in enumerate(bleu, start=1):
        out[f"bleu{i}"] = b * 100
    out["meteor"] = Meteor().compute_score(gts, res)[0] * 100
    out["rouge_l"] = Rouge().compute_score(gts, res)[0] * 100
    out["cider"] = Cider().compute_score(gts, res)[0] * 100
    return out


@needs_java
def test_coco_caption_scores_match_pycocoevalcap():
    ours = coco_caption_scores(PREDICTIONS, REFERENCES)
    expected = _direct_pycocoevalcap()
    assert set(ours) == {"bleu1", "bleu2", "bleu3", "bleu4", "meteor", "rouge_l", "cider"}
    assert "spice" not in ours and "not computed" in SPICE_STATUS
    for name, value in expected.items():
        assert ours[name] == pytest.approx(value, abs=1e-9), name
    assert 0 < ours["bleu1"] < 100 and ours["cider"] > 0 and 0 < ours["meteor"] < 100


def test_coco_caption_scores_edges():
    assert coco_caption_scores({}, {}) == dict.fromkeys(
        ["bleu1", "bleu2", "bleu3", "bleu4", "meteor", "rouge_l", "cider"], 0.0
    )
    with pytest.raises(ValueError):
        coco_caption_scores({"1": "a"}, {"2": ["a"]})
    with pytest.raises(ValueError):
        coco_caption_scores({"1": "a"}, {"1": []})


@pytest.mark.skipif(shutil.which("java") is None, reason="needs Java")
def test_java_starts_once_per_call_for_ptb_and_once_per_process_for_meteor(monkeypatch):
    import subprocess

    from lamm_bench.metrics import caption

    caption._meteor_scorer.cache_clear()
    real, started = subprocess.Popen, []

    def counting(cmd, *args, **kwargs):
        if cmd and cmd[0] == "java":
            started.append("meteor" if "-stdio" in cmd else "ptb")
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting)
    refs = {"1": REFS, "2": ["A cat sleeps on a sofa.", "The cat is asleep."]}
    first = coco_caption_scores({"1": "A dog runs on the grass.", "2": "a cat"}, refs)
    second = coco_caption_scores({"1": "A dog runs on the grass.", "2": "a cat"}, refs)
    assert first == second
    assert started == ["ptb", "meteor", "ptb"]


@pytest.mark.skipif(shutil.which("java") is None, reason="needs Java")
def test_the_java_tokenizer_prints_nothing_on_the_terminal(capfd):
    scores = coco_caption_scores({"1": "A dog runs on the grass."}, {"1": REFS})
    out, err = capfd.readouterr()
    assert scores["bleu1"] > 0
    assert "PTBTokenizer" not in out + err and out == "" and err == ""
