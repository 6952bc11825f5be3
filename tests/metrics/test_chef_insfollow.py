"""ChEF's instruction-following metrics (``lamm_bench.metrics.chef_insfollow``) against ChEF's own code.

The expected values were derived by running ``OpenGVLab/LAMM@d01093c``'s ``Answer_Extractor_map`` and
``Instruct_Follow`` (``src/ChEF/metric/desiderata.py:232-306``, their base classes cut to their constructors),
``compute_MR`` and the driver's averaging loops (``src/tools/ChEF/eval_insfollow.py``, each run's ``Acc`` its
``Instruct_Follow``) with the project's venv python on exactly the answer files built here. The cases the reference
raises on (an answer outside its options in ``compute_MR``, a run missing) are hand-computed.
"""

from __future__ import annotations

import pytest

from lamm_bench.metrics.chef_insfollow import (
    INSFOLLOW_RUNS, RUN_WEIGHTS, insfollow_runs_metrics, instruct_follow, mapped_answer, match_ratio,
)  # fmt: skip

LABELS = {
    "natural_0": "1 2 3 4 5 6 7 8".split(), "natural_1": "I II III IV V VI VII".split(),
    "natural_2": "first second third fourth fifth sixth".split(),
    "neutral_0": "Smith Johnson Williams Jones Brown Davis Miller Wilson".split(),
    "neutral_1": "foo dog hip oh cat lake river joy".split(),
}  # fmt: skip
IDS = ["0", "1", "2", "3", "4", "5", "6", "1000001", "1000004"]
"""Seven questions (N not a multiple of anything the metric bins by), then circular copies of questions 1 and 4:
only the first record of a question counts."""
COUNTS = [2, 3, 4, 5, 3, 2, 4, 3, 3]
GT = [0, 2, 1, 4, 1, 1, 3, 0, 2]
CHOSEN = {
    "origin": [0, 2, 1, 3, 1, 0, 3, 1, 2],
    "natural_0": [0, 2, 1, 4, 0, 1, 3, 0, 0],
    "natural_1": [1, 2, 0, 3, 1, 0, 2, 2, 2],
    "natural_2": [0, 0, 1, 3, 1, 0, 3, 1, 1],
    "neutral_0": [0, 2, 2, 4, 1, 1, 0, 0, 0],
    "neutral_1": [1, 1, 1, 3, 2, 0, 3, 2, 2],
    "unnatural_0": [0, 2, 1, 4, 1, 1, 3, 0, 1],
}  # fmt: skip
"""Each run's chosen option per record; the circular copies' choices differ from their questions' and never count."""
TEXTS = {("natural_1", 1): "III or II", ("neutral_1", 0): "The answer is foo.", ("natural_0", 4): "(2)",
         ("natural_0", 1): "B. 3", ("neutral_0", 3): "Brown</s>"}  # fmt: skip
"""Answers that are not an option: two labels (none read), a label with a period or in parentheses (read), a capital
letter and a period (read as ``(B)``, no label), a label glued to ``</s>`` (the cleaned text is searched for letters
only: not read)."""


def _options(run: str, count: int) -> list[str]:
    own = [f"({c}" for c in "ABCDEFGH"[:count]]
    if run == "origin":
        return own
    return own[1:] + own[:1] if run == "unnatural_0" else LABELS[run][:count]


def _runs(texts: bool) -> dict[str, list[dict]]:
    return {run: [{"id": i, "answer": TEXTS[(run, k)] if texts and (run, k) in TEXTS else _options(run, n)[c],
                   "options": _options(run, n), "gt_choice": g}
                  for k, (i, n, g, c) in enumerate(zip(IDS, COUNTS, GT, chosen))]
            for run, chosen in CHOSEN.items()}  # fmt: skip


def _records(runs: dict[str, list[dict]]) -> list[dict]:
    return [{**r, "id": f"{run}/{r['id']}"} for run, records in runs.items() for r in records]


REFERENCE = {
    "origin/Acc": 71.42857142857143,
    "natural_0/Acc": 85.71428571428571, "natural_0/MR": 57.14285714285714,
    "natural_1/Acc": 28.57142857142857, "natural_1/MR": 57.14285714285714,
    "natural_2/Acc": 57.14285714285714, "natural_2/MR": 85.71428571428571,
    "neutral_0/Acc": 71.42857142857143, "neutral_0/MR": 42.857142857142854,
    "neutral_1/Acc": 28.57142857142857, "neutral_1/MR": 57.14285714285714,
    "unnatural_0/Acc": 100.0, "unnatural_0/MR": 71.42857142857143,
    "weighted_avg_MR": 62.6984126984127, "weighted_avg_Acc": 69.04761904761905,
}  # fmt: skip
"""The driver's numbers on the option-only answer files (the reference's, float for float)."""


def test_the_runs_metrics_are_the_drivers():
    assert insfollow_runs_metrics(_records(_runs(texts=False))) == REFERENCE


def test_instruct_follow_reads_answers_as_answer_extractor_map():
    runs = _runs(texts=True)
    accs = {run: instruct_follow(records) for run, records in runs.items()}
    assert accs == {
        "origin": 71.42857142857143, "natural_0": 85.71428571428571, "natural_1": 14.285714285714285,
        "natural_2": 57.14285714285714, "neutral_0": 57.14285714285714, "neutral_1": 42.857142857142854,
        "unnatural_0": 100.0,
    }  # fmt: skip
    metrics = insfollow_runs_metrics(_records(runs))
    assert metrics["weighted_avg_Acc"] == 67.46031746031746  # the driver's loops over these Accs
    # an answer that is not an option (the reference raises in compute_MR) matches nothing: natural_0 loses
    # question 1, natural_1 question 1, the others' texts were no match anyway
    assert metrics["natural_0/MR"] == metrics["natural_1/MR"] == pytest.approx(300 / 7)
    assert metrics["weighted_avg_MR"] == pytest.approx((12 / 21 * 100 + 50 + 500 / 7) / 3)


@pytest.mark.parametrize(("answer", "choices", "found"), [
    ("(B", ["(B", "(C", "(A"], "(B"),  # an unnatural option reads as "(B)", found as "(B" + ")"
    ("Jones", ["Smith", "Johnson", "Williams", "Jones"], "Jones"),
    ("Brown</s>", ["Smith", "Brown"], None),
    ("I or II", ["I", "II", "III"], None),
    ("The answer is foo.", ["foo", "dog"], "foo"),
    ("B. 3", ["1", "2", "3"], None),
    ("A", ["A", "B"], None),  # a bare "A" is not taken...
    ("A.", ["A", "B"], "A"),  # ...but "A." is
    ("### Assistant: first", ["first", "second"], "first"),  # nothing before "###": the answer as it came
    ("first ### second", ["first", "second"], None),
    ("Assistant: (C) is it", ["(A", "(B", "(C"], "(C"),
    ("  dog,  ", ["foo", "dog"], "dog"),
    (":hip", ["hip", "oh"], "hip"),
    ("", ["1", "2"], None),
    ("IV", ["I", "II", "III", "IV"], "IV"),
    ("<Img>oh</Img>", ["oh", "cat"], None),
    ("x (Dog", ["foo", "dog"], None),
])  # fmt: skip
def test_mapped_answer_is_answer_extractor_map(answer, choices, found):
    assert mapped_answer(answer, choices) == found


def test_a_missing_run_is_left_out_of_the_averages():
    runs = _runs(texts=False)
    del runs["natural_2"], runs["neutral_1"]
    metrics = insfollow_runs_metrics(_records(runs))
    assert "natural_2/MR" not in metrics and "neutral_1/Acc" not in metrics
    natural = (REFERENCE["natural_0/MR"] + REFERENCE["natural_1/MR"]) / 2
    expected = (natural + REFERENCE["neutral_0/MR"] + REFERENCE["unnatural_0/MR"]) / 3
    assert metrics["weighted_avg_MR"] == pytest.approx(expected)
    without_origin = insfollow_runs_metrics(_records({"natural_0": runs["natural_0"]}))
    assert without_origin == {"natural_0/Acc": REFERENCE["natural_0/Acc"], "weighted_avg_MR": 0.0,
                              "weighted_avg_Acc": REFERENCE["natural_0/Acc"]}  # fmt: skip
    assert insfollow_runs_metrics([]) == {"weighted_avg_MR": 0.0, "weighted_avg_Acc": 0.0}


def test_match_ratio_walks_both_runs_in_step():
    runs = _runs(texts=False)
    assert match_ratio(runs["origin"], runs["origin"]) == 100.0
    assert match_ratio(runs["origin"], runs["natural_1"][:3]) == pytest.approx(100 / 3)  # zip stops at the shorter
    swapped = [runs["natural_0"][1], runs["natural_0"][0], *runs["natural_0"][2:]]
    with pytest.raises(ValueError, match="record 0: id '1' where the origin run has '0'"):
        match_ratio(runs["origin"], swapped)
    with pytest.raises(ValueError, match="not '<run>/<id>'"):
        insfollow_runs_metrics([{"id": "3", "answer": "1", "options": ["1"], "gt_choice": 0}])


def test_weights_are_a_ninth_a_sixth_and_a_third():
    assert [RUN_WEIGHTS[run] for run in INSFOLLOW_RUNS] == pytest.approx([0, 1 / 9, 1 / 9, 1 / 9, 1 / 6, 1 / 6, 1 / 3])
