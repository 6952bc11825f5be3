"""``pope3d-scannet``: POPE's object-existence probe on point clouds, built from ScanNet's object labels (beyond ChEF;
method in ``docs/desiderata3d.md``).

The scenes and their labels are the records of ``Detection_ScanNet.json`` (each a scene's cloud and its objects'
labels); the vocabulary is every label the file holds. For each scene, ``n = min(3, labels present, labels absent)``
of its present labels (a seeded draw) are asked as ``yes`` questions and ``n`` absent labels as ``no`` questions,
alternating yes / no, so every run is balanced. The three runs differ only in how the absent labels are picked (Li
et al. 2023, POPE): ``random`` (a seeded uniform draw), ``popular`` (the labels in most scenes of the file) and
``adversarial`` (the labels that share most scenes with the scene's own labels); ties go to the more frequent, then
the alphabetically first label. The draws use :data:`QUESTION_SEED`, fixed like a data set's (POPE's splits are
files), and recorded in the task's settings. Each question, ``Is there a {object} in the scene?``, is one likelihood
request with the options ``Yes`` and ``No`` (template ``{}``, as ``chef-pope``) and the ChEF-era 3D VQA system text;
POPE's metrics per run and their mean accuracy come from :mod:`lamm_bench.metrics.chef_desiderata`.
"""

from __future__ import annotations

import dataclasses
import functools
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lamm_bench.data import load_samples
from lamm_bench.metrics.chef_desiderata import pope_runs_metrics
from lamm_bench.records import MetaFile, Sample
from lamm_bench.task import TaskSpec

from ._chef import chosen, option_index, ppl_stage, reference_metric
from ._chef_options import MME_OPTIONS
from ._lamm3d import POINT_EXTRA, detection_objects, with_points
from .chef_desiderata import POPE_TEMPLATE, score_pope
from .prompts3d import VQA3D_SYS_CHEF
from .scannet import META, SCANNET_DET_CHEF

RUNS: tuple[str, ...] = ("random", "popular", "adversarial")
QUESTION_SEED = 0
PER_SCENE = 3
QUESTION = "Is there a {} in the scene?"


@dataclass(frozen=True)
class ExistenceQuestion:
    """One yes/no question about a scene."""

    scene: str
    """The scene's sample id in the detection file."""
    label: str
    answer: str
    """``yes`` (the label is in the scene) or ``no``."""


@dataclass(frozen=True)
class LabelStats:
    """How often labels occur in the file's scenes, alone and in pairs."""

    scenes: Counter
    """Label -> how many scenes hold it."""
    together: Counter
    """``(a, b)`` -> how many scenes hold both (both orders counted)."""

    @classmethod
    def of(cls, scenes: Sequence[frozenset[str]]) -> LabelStats:
        alone, pairs = Counter(), Counter()
        for labels in scenes:
            alone.update(labels)
            pairs.update((a, b) for a in labels for b in labels if a != b)
        return cls(alone, pairs)


def _rng(seed: int, scene: str, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(scene.encode("utf-8")), stream])


def negatives(run: str, present: frozenset[str], absent: Sequence[str], n: int, stats: LabelStats,
              rng: np.random.Generator) -> list[str]:  # fmt: skip
    """``n`` absent labels as ``run`` picks them (``absent`` sorted; ``rng`` used by ``random`` only)."""
    if run == "random":
        return [absent[int(i)] for i in rng.choice(len(absent), size=n, replace=False)]
    if run == "popular":
        return sorted(absent, key=lambda label: (-stats.scenes[label], label))[:n]
    if run == "adversarial":
        shared = {label: sum(stats.together[(p, label)] for p in present) for label in absent}
        return sorted(absent, key=lambda label: (-shared[label], -stats.scenes[label], label))[:n]
    raise ValueError(f"unknown POPE run {run!r} (known: {', '.join(RUNS)})")


def existence_questions(scenes: Sequence[tuple[str, Sequence[str]]], run: str, *, seed: int = QUESTION_SEED,
                        per_scene: int = PER_SCENE) -> list[ExistenceQuestion]:  # fmt: skip
    """A run's questions: per scene (in order), ``n`` present labels and ``n`` absent ones, yes and no alternating.

    Args:
        scenes: ``(scene id, its objects' labels)`` per scene, in the file's order.
        run: ``random``, ``popular`` or ``adversarial``.
        seed: Seeds the draw of the present labels (the same in every run) and ``random``'s absent ones.
        per_scene: The most yes questions (and no questions) per scene.
    """
    sets = [frozenset(labels) for _, labels in scenes]
    stats, vocabulary = LabelStats.of(sets), sorted(frozenset().union(*sets))
    out: list[ExistenceQuestion] = []
    for (scene, _), present in zip(scenes, sets):
        absent = [label for label in vocabulary if label not in present]
        n = min(per_scene, len(present), len(absent))
        if not n:
            continue
        ordered = sorted(present)
        yes = [ordered[int(i)] for i in _rng(seed, scene, 0).choice(len(ordered), size=n, replace=False)]
        no = negatives(run, present, absent, n, stats, _rng(seed, scene, 1))
        for positive, negative in zip(yes, no):
            out += [ExistenceQuestion(scene, positive, "yes"), ExistenceQuestion(scene, negative, "no")]
    return out


def read_pope3d(root: Path) -> tuple[list[Sample], list[MetaFile]]:
    """The three runs' questions over the detection file's scenes, run by run, ids ``<run>/<scene id>:<label>``;
    ``label`` is the answer (``yes``/``no``) and ``run_size`` the run's question count, as ``chef-pope``'s."""
    scenes, metas = load_samples(SCANNET_DET_CHEF, root)
    by_id = {s.id: s for s in scenes}
    labelled = [(s.id, [o["label"] for o in detection_objects(s)]) for s in scenes]
    samples: list[Sample] = []
    for run in RUNS:
        questions = existence_questions(labelled, run)
        samples += [Sample(id=f"{run}/{q.scene}:{q.label}", source=by_id[q.scene].source, query=QUESTION.format(q.label),
                           target={"label": q.answer, "object": q.label, "run": run, "run_size": len(questions)},
                           point_cloud=by_id[q.scene].point_cloud) for q in questions]  # fmt: skip
    return samples, metas


_AGGREGATE, _ANSWER_FILE = reference_metric(functools.partial(pope_runs_metrics, runs=RUNS))

POPE3D_SCANNET = TaskSpec(
    name="pope3d-scannet", version="1", protocol="chef", modality="3d", meta_files=(META,), required_fields={},
    system_message=VQA3D_SYS_CHEF, stages=(with_points(ppl_stage(lambda s: s.query, lambda s: MME_OPTIONS,
                                                                 POPE_TEMPLATE)),),
    score_sample=score_pope, assemble=chosen, aggregate=_AGGREGATE, answer_file=_ANSWER_FILE, reader=read_pope3d,
    answer_runs=RUNS,
    primary_terms=lambda v: (v["correct"] / v["run_size"], 1.0 / v["run_size"]), paper_metric=("Accuracy", "Accuracy"),
    correct_option=option_index(lambda s, r: "No" if s.target["label"] == "no" else "Yes"),
    extra={**POINT_EXTRA, "question_seed": QUESTION_SEED, "per_scene": PER_SCENE, "question": QUESTION},
    description="3D hallucination (POPE on ScanNet labels: random, popular, adversarial): Yes/No by likelihood",
)  # fmt: skip

TASKS = (POPE3D_SCANNET,)
