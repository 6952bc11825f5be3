"""``pope3d-scannet``'s questions (``tasks/pope3d.py``) on hand-made scenes: balanced yes/no per scene, present labels
the same in every run, negatives of each run's kind (random: absent; popular: most scenes; adversarial: most scenes
shared with the scene's labels), seeded."""

from __future__ import annotations

from collections import Counter

import pytest

from lamm_bench.tasks.pope3d import RUNS, existence_questions

SCENES = [
    ("s0", ["chair", "table", "chair"]),  # chair and table
    ("s1", ["chair", "table", "lamp"]),
    ("s2", ["chair", "sofa"]),
    ("s3", ["bed", "lamp"]),
    ("s4", ["chair", "table", "lamp", "sofa", "bed", "door"]),  # every label: no absent one, no question
    ("s5", ["door"]),
]
"""Scenes holding: chair 4, table 3, lamp 3, sofa 2, bed 2, door 2. With chair: table 3, lamp 2, sofa 2, bed 1,
door 1."""


@pytest.fixture(scope="module")
def runs():
    return {run: existence_questions(SCENES, run) for run in RUNS}


def test_each_scene_is_balanced_and_its_yes_labels_are_the_same_in_every_run(runs):
    for run, questions in runs.items():
        per_scene = Counter((q.scene, q.answer) for q in questions)
        assert per_scene == {("s0", "yes"): 2, ("s0", "no"): 2, ("s1", "yes"): 3, ("s1", "no"): 3, ("s2", "yes"): 2,
                             ("s2", "no"): 2, ("s3", "yes"): 2, ("s3", "no"): 2, ("s5", "yes"): 1, ("s5", "no"): 1}
        assert [q.answer for q in questions] == ["yes", "no"] * (len(questions) // 2)
        present = {s: set(labels) for s, labels in SCENES}
        assert all((q.label in present[q.scene]) == (q.answer == "yes") for q in questions)
    yes = {run: [(q.scene, q.label) for q in qs if q.answer == "yes"] for run, qs in runs.items()}
    assert yes["random"] == yes["popular"] == yes["adversarial"]


def test_popular_negatives_are_the_most_frequent_absent_labels(runs):
    no = {s: [q.label for q in runs["popular"] if q.scene == s and q.answer == "no"] for s in ("s0", "s2", "s5")}
    # s0 lacks lamp 3, sofa 2, bed 2, door 2 (ties: alphabetical); s2 lacks table 3, lamp 3; s5 lacks chair 4
    assert no == {"s0": ["lamp", "bed"], "s2": ["lamp", "table"], "s5": ["chair"]}


def test_adversarial_negatives_co_occur_most_with_the_scene_labels(runs):
    no = {s: [q.label for q in runs["adversarial"] if q.scene == s and q.answer == "no"] for s in ("s2", "s3", "s5")}
    # s2 (chair, sofa) lacks table: 3 + 1 = 4, lamp: 2 + 1 = 3, bed 1 + 1, door 1 + 1 -> table, lamp
    # s3 (bed, lamp) lacks chair: 1 + 2 = 3, table: 1 + 2 = 3 (tie -> chair, in more scenes), sofa 1 + 1, door 1 + 1
    # s5 (door) lacks chair 1, table 1, lamp 1, sofa 1, bed 1 -> the most frequent, chair
    assert no == {"s2": ["table", "lamp"], "s3": ["chair", "table"], "s5": ["chair"]}


def test_random_negatives_are_seeded(runs):
    again = existence_questions(SCENES, "random")
    assert again == runs["random"]
    others = [existence_questions(SCENES, "random", seed=seed) for seed in range(1, 6)]
    assert any(o != runs["random"] for o in others)  # another seed draws other labels somewhere
    with pytest.raises(ValueError, match="unknown POPE run 'hard'"):
        existence_questions(SCENES, "hard")
