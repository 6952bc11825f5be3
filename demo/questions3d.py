"""What lamm-mini asks about its 3D scenes: ScanRefer captions that name exactly one object, ScanQA questions.

Every caption and question is answerable from the cloud: by an object's class (its shape), size or position
(columns x, y, z, all a LAMM-style encoder reads) or its colour (columns r, g, b). Candidates are filtered so the
property named picks one object only: colours are unique within a scene, "the only ant" needs one ant, "largest",
"smallest" and "nearest" need the runner-up to trail by :data:`MARGIN`. A scene gets questions of different kinds,
drawn with the writer's generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lamm_bench.demo.scenes3d import COLOURS, LABELS, MAX_OBJECTS, PlacedObject, Scene

MARGIN = 1.3
"""A superlative is asked only when the runner-up's volume (or distance) differs by at least this factor."""
COUNT_CHOICES = tuple(str(k) for k in range(1, MAX_OBJECTS + 1))
"""Options of "how many objects": 1 to 6, in order, so six objects make the answer F."""


@dataclass(frozen=True)
class Question:
    """A multiple-choice question about one scene."""

    kind: str
    text: str
    choices: tuple[str, ...]
    answer: int
    """Index of the right choice."""


def _extreme(objects: tuple[PlacedObject, ...], largest: bool) -> int | None:
    """Index of the largest (or smallest) object by box volume, or None without a clear winner."""
    order = sorted(range(len(objects)), key=lambda i: objects[i].volume, reverse=largest)
    first, second = objects[order[0]].volume, objects[order[1]].volume
    clear = first >= MARGIN * second if largest else second >= MARGIN * first
    return order[0] if clear else None


def _distance(a: PlacedObject, b: PlacedObject) -> float:
    return math.hypot(a.box[0] - b.box[0], a.box[1] - b.box[1])


def nearest(objects: tuple[PlacedObject, ...], anchor: int) -> int | None:
    """Index of the object whose centre is nearest the anchor's on the floor plan, or None without a clear one."""
    distance = {i: _distance(objects[anchor], o) for i, o in enumerate(objects) if i != anchor}
    others = sorted(distance, key=distance.__getitem__)
    if len(others) > 1 and distance[others[1]] < MARGIN * distance[others[0]]:
        return None
    return others[0]


def caption_candidates(scene: Scene) -> dict[str, list[tuple[str, int]]]:
    """Every unambiguous caption of the scene, by kind: ``kind -> [(caption, object index)]``."""
    objects = scene.objects
    labels = [o.label for o in objects]
    out: dict[str, list[tuple[str, int]]] = {
        "colour": [(f"the {o.colour} {o.label}.", i) for i, o in enumerate(objects)],
        "only": [(f"the only {o.label} in the room.", i) for i, o in enumerate(objects) if labels.count(o.label) == 1],
        "size": [],
        "near": [],
    }
    for word, largest in (("largest", True), ("smallest", False)):
        index = _extreme(objects, largest)
        if index is not None:
            out["size"].append((f"the {word} object in the room.", index))
    for anchor, o in enumerate(objects):
        index = nearest(objects, anchor)
        if index is not None:
            out["near"].append((f"the object nearest the {o.colour} {o.label}.", index))
    return {k: v for k, v in out.items() if v}


def _pick(candidates: dict[str, list], rng: np.random.Generator, k: int) -> list:
    """``k`` candidates of different kinds (fewer when there are fewer kinds), kinds and members drawn by ``rng``."""
    kinds = sorted(candidates)
    chosen = rng.choice(len(kinds), size=min(k, len(kinds)), replace=False)
    return [candidates[kinds[int(c)]][int(rng.integers(len(candidates[kinds[int(c)]])))] for c in chosen]


def grounding_captions(scene: Scene, rng: np.random.Generator, k: int) -> list[tuple[str, int]]:
    """``k`` captions of different kinds (a scene has at least two objects, so two colour captions at worst)."""
    candidates = caption_candidates(scene)
    picked = _pick(candidates, rng, k)
    if len(picked) < k:  # only the colour kind: two different objects by colour
        rest = [c for c in candidates["colour"] if c not in picked]
        picked += [rest[int(i)] for i in rng.choice(len(rest), size=k - len(picked), replace=False)]
    return picked


def _shuffled(right: str, wrong: list[str], rng: np.random.Generator) -> tuple[tuple[str, ...], int]:
    choices = [right, *wrong]
    order = rng.permutation(len(choices))
    shuffled = tuple(choices[int(i)] for i in order)
    return shuffled, shuffled.index(right)


def _colour_question(text: str, obj: PlacedObject, rng: np.random.Generator) -> Question:
    others = [c for c in COLOURS if c != obj.colour]
    n_wrong = int(rng.integers(3, 6))  # 4 to 6 options
    wrong = [others[int(i)] for i in rng.choice(len(others), size=n_wrong, replace=False)]
    choices, answer = _shuffled(obj.colour, wrong, rng)
    return Question("colour", text, choices, answer)


def _label_question(kind: str, text: str, right: str, rng: np.random.Generator) -> Question:
    choices, answer = _shuffled(right, [lb for lb in LABELS if lb != right], rng)
    return Question(kind, text, choices, answer)


def question_candidates(scene: Scene) -> dict[str, list[Callable[[np.random.Generator], Question]]]:
    """Every question the scene answers unambiguously, by kind, as makers that draw the options' order."""
    objects = scene.objects
    labels = [o.label for o in objects]
    out: dict[str, list[Callable[[np.random.Generator], Question]]] = {
        "count": [lambda rng: Question("count", "How many objects are there on the floor?", COUNT_CHOICES,
                                       COUNT_CHOICES.index(str(len(objects))))],  # fmt: skip
        "colour": [], "largest": [], "absent": [],
    }  # fmt: skip
    for o in objects:
        if labels.count(o.label) == 1:
            out["colour"].append(lambda rng, o=o: _colour_question(f"What colour is the {o.label}?", o, rng))
    big = _extreme(objects, largest=True)
    if big is not None:
        out["colour"].append(lambda rng: _colour_question("What colour is the largest object?", objects[big], rng))
        out["largest"].append(lambda rng: _label_question("largest", "Which object is the largest?",
                                                          objects[big].label, rng))  # fmt: skip
    missing = [lb for lb in LABELS if lb not in labels]
    if len(missing) == 1:
        out["absent"].append(lambda rng: _label_question("absent", "Which object is not in the room?", missing[0], rng))
    return {k: v for k, v in out.items() if v}


def scanqa_questions(scene: Scene, rng: np.random.Generator, k: int) -> list[Question]:
    """Up to ``k`` questions of different kinds about the scene (fewer when it offers fewer kinds)."""
    return [make(rng) for make in _pick(question_candidates(scene), rng, k)]
