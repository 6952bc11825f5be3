"""lamm-mini's 3D sources: ScanNet detection, ScanRefer grounding and ScanQA records about the rooms of
:mod:`lamm_bench.demo.scenes3d`.

The three writers (:func:`write_detection`, :func:`write_grounding`, :func:`write_scanqa`) are the ``write``
functions of the 3D meta files' sources (:data:`SOURCES_3D`). Their turns' answers are short and regular: detection
``label [cx, cy, cz, l, w, h], ...`` (2 decimals), grounding ``[cx, cy, cz, l, w, h]``, ScanQA
``The answer is (X) option.`` (the letter for the regex cascade, the option text for ChEF's A-E cascade when X
is F). The only randomness is ``ctx.rng``; every source and split writes its own block of scene ids, so test and
train never share a scene. Needs ``trimesh`` and ``pyvista`` (the ``demo`` extra).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from lamm_bench.demo.contract import MiniContext, MiniRecord, MiniSource
from lamm_bench.demo.questions3d import grounding_captions, scanqa_questions
from lamm_bench.demo.scenes3d import Scene, compose_scene
from lamm_bench.tasks.prompts3d import DETECTION3D_INS, DETECTION3D_QS, VG3D_QS

SCENE_BLOCKS = {("Detection_ScanNet", "test"): 0, ("Detection_ScanNet", "train"): 1000,
                ("VG_ScanRefer", "test"): 2000, ("VG_ScanRefer", "train"): 3000,
                ("VQA_ScanQA_multiplechoice", "test"): 4000, ("VQA_ScanQA_multiplechoice", "train"): 5000}  # fmt: skip
"""First ScanNet-style scene number of each meta file and split: every source writes its own clouds."""
DETECTION_QUERY = DETECTION3D_QS + DETECTION3D_INS
PER_SCENE = 2
"""Grounding captions and ScanQA questions per scene."""
LETTERS = "ABCDEF"


def box_text(box: Sequence[float]) -> str:
    """A box as the answers write it: ``[cx, cy, cz, l, w, h]`` with 2 decimals (IoU with the truth > 0.8)."""
    return "[" + ", ".join(f"{v:.2f}" for v in box) + "]"


def detection_answer(scene: Scene) -> str:
    """``label [box], ...``, objects left to right (by centre x)."""
    objects = sorted(scene.objects, key=lambda o: o.box[0])
    return ", ".join(f"{o.label} {box_text(o.box)}" for o in objects)


def _scenes(ctx: MiniContext, meta: str):
    """Endless seeded scenes of one meta file and split, numbered in its block (a scene a writer skips is never
    saved, so ids may have gaps, as ScanNet's do)."""
    block = SCENE_BLOCKS[(meta, ctx.split)]
    rng = np.random.default_rng(ctx.rng.getrandbits(64))
    for i in itertools.count():
        if i >= 1000:
            raise ValueError(f"lamm-mini {meta}: more than 1000 scenes overflow its block of scene ids")
        yield compose_scene(rng, f"scene{block + i:04d}_00"), rng


def _save(ctx: MiniContext, scene: Scene) -> str:
    return ctx.save_points(f"scannet_pcls/{scene.scene_id}_vert.npy", scene.cloud())


def write_detection(ctx: MiniContext) -> list[MiniRecord]:
    """``Detection_ScanNet.json`` records: one scene each, every object with its box."""
    out = []
    for scene, _ in itertools.islice(_scenes(ctx, "Detection_ScanNet"), ctx.n):
        objects = [{"label": o.label, "bbox": list(o.box)} for o in scene.objects]
        record = {"pcl": _save(ctx, scene), "query": DETECTION_QUERY, "object": objects}
        out.append(MiniRecord(record=record, turns=((DETECTION_QUERY, detection_answer(scene)),)))
    return out


def write_grounding(ctx: MiniContext) -> list[MiniRecord]:
    """``VG_ScanRefer.json`` records: two unambiguous captions per scene (ScanRefer has several), each with the box
    of the object it names."""
    out: list[MiniRecord] = []
    for scene, rng in _scenes(ctx, "VG_ScanRefer"):
        if len(out) == ctx.n:
            break
        pcl = _save(ctx, scene)
        for caption, index in grounding_captions(scene, rng, min(PER_SCENE, ctx.n - len(out))):
            query = VG3D_QS + caption
            box = scene.objects[index].box
            record = {"id": f"vg{len(out)}", "pcl": pcl, "query": query, "object": list(box)}
            out.append(MiniRecord(record=record, turns=((query, box_text(box)),)))
    return out


def write_scanqa(ctx: MiniContext) -> list[MiniRecord]:
    """``VQA_ScanQA_multiplechoice.json`` records: two questions of different kinds per scene, 4 to 6 options."""
    out: list[MiniRecord] = []
    for scene, rng in _scenes(ctx, "VQA_ScanQA_multiplechoice"):
        if len(out) == ctx.n:
            break
        want = min(PER_SCENE, ctx.n - len(out))
        questions = scanqa_questions(scene, rng, want)
        if len(questions) < want:
            continue  # too uniform a room for two kinds of question: draw another
        pcl = _save(ctx, scene)
        for q in questions:
            options = " ".join(f"({LETTERS[i]}) {c}" for i, c in enumerate(q.choices))
            query = f"{q.text} Options: {options}"
            record = {"id": len(out), "pcl": pcl, "query": query, "gt_choice": q.answer, "gt_choices": list(q.choices)}
            answer = f"The answer is ({LETTERS[q.answer]}) {q.choices[q.answer]}."
            out.append(MiniRecord(record=record, turns=((query, answer),)))
    return out


META_DIR = "3D_Benchmark/meta_file/"
_SOURCE = "rooms furnished with pyvista's example meshes (airplane, ant, nut, sphere .ply)"
_LICENCE = "MIT"  # pyvista's licence (the example meshes ship in its wheel; (c) The PyVista Developers)

SOURCES_3D: dict[str, MiniSource] = {
    META_DIR + "Detection_ScanNet.json": MiniSource(
        write=write_detection, task_type="detection3d", source=_SOURCE, licence=_LICENCE, n_test=30, n_train=120),
    META_DIR + "VG_ScanRefer.json": MiniSource(
        write=write_grounding, task_type="visual_grounding3d", source=_SOURCE, licence=_LICENCE, n_test=30,
        n_train=160),
    META_DIR + "VQA_ScanQA_multiplechoice.json": MiniSource(
        write=write_scanqa, task_type="VQA3d", source=_SOURCE, licence=_LICENCE, n_test=30, n_train=240),
}  # fmt: skip
"""Each LAMM 3D meta file -> its lamm-mini source: scenes with one detection record each; two grounding captions
per scene; two ScanQA questions of different kinds per scene, 4 to 6 options. Each is shared by both protocols'
tasks, which read the same file."""
