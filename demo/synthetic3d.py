"""A tiny synthetic LAMM 3D benchmark (three scenes) for tests and demos, written in the LAMM_Dataset layout.

Each scene is a floor slab plus a few furniture-sized primitives (boxes, cylinders, spheres) whose surfaces are
sampled with ``trimesh.sample.sample_surface``; the points are saved as ``3D_Benchmark/scannet_pcls/<scene>_vert.npy``
(``N x 6`` float32: x, y, z in metres, r, g, b in 0-255, like LAMM's ScanNet files). The ground-truth boxes in the
three meta files are the primitives' axis-aligned bounds, rounded outward to the millimetre, so every point of a
primitive lies inside its box. ScanRefer captions refer to one primitive each; ScanQA questions come with 4 to 6
options (so option F matters). Everything is derived from the ``seed``: the same seed writes the same bytes.
Needs ``trimesh``, from the ``demo`` extra (``pip install 'lamm-bench[demo]'``; ``dev`` includes it).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lamm_bench.errors import UserError
from lamm_bench.tasks._lamm3d import DETECTION3D_INS, DETECTION3D_QS, VG3D_QS

__all__ = ["MINI_SCENES", "Primitive", "write_mini_3d"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Primitive:
    """One object of a synthetic scene."""

    label: str
    """Ground-truth class name (ScanNet-like)."""
    kind: str
    """``box`` (size = extents), ``cylinder`` (size = diameter, diameter, height) or ``sphere`` (size = diameter x3)."""
    center: tuple[float, float, float]
    """Centre in metres."""
    size: tuple[float, float, float]
    """Extents along x, y, z in metres."""
    color: tuple[int, int, int]
    """RGB, 0-255."""
    points: int
    """Surface samples."""


MINI_SCENES: dict[str, tuple[Primitive, ...]] = {
    "scene0000_00": (
        Primitive("chair", "box", (1.0, 1.0, 0.45), (0.5, 0.5, 0.9), (150, 90, 40), 1500),
        Primitive("table", "box", (2.2, 1.2, 0.375), (1.2, 0.8, 0.75), (200, 170, 120), 2000),
        Primitive("ball", "sphere", (0.8, 2.4, 0.15), (0.3, 0.3, 0.3), (220, 30, 30), 600),
    ),
    "scene0001_00": (
        Primitive("bed", "box", (1.2, 1.5, 0.3), (2.0, 1.6, 0.6), (240, 240, 230), 2500),
        Primitive("sofa", "box", (3.4, 1.0, 0.4), (1.8, 0.9, 0.8), (60, 80, 160), 2000),
        Primitive("lamp", "cylinder", (3.4, 2.6, 0.8), (0.3, 0.3, 1.6), (250, 220, 90), 800),
    ),
    "scene0002_00": (
        Primitive("desk", "box", (1.0, 0.6, 0.375), (1.4, 0.7, 0.75), (120, 80, 50), 1800),
        Primitive("chair", "box", (1.0, 1.4, 0.45), (0.5, 0.5, 0.9), (30, 30, 30), 1500),
        Primitive("cabinet", "box", (2.8, 0.4, 0.6), (0.8, 0.5, 1.2), (180, 180, 190), 1500),
        # No WordNet entry: the paper protocol can never match this label (protocol §9).
        Primitive("garbagebin", "cylinder", (2.6, 1.6, 0.3), (0.4, 0.4, 0.6), (40, 120, 40), 700),
    ),
}
"""The synthetic scenes, by ScanNet-style scene id."""

_FLOOR_TOP = -0.05  # the floor sits just below the objects, so object points are never floor points
_FLOOR_POINTS = 2500

_CAPTIONS: tuple[tuple[str, int, str], ...] = (
    ("scene0000_00", 0, "this is a brown chair. it is to the left of the table."),
    ("scene0000_00", 2, "a small red ball lies on the floor behind the chair."),
    ("scene0001_00", 1, "the blue sofa is facing the bed. it is next to a tall lamp."),
    ("scene0002_00", 2, "a grey cabinet stands against the wall to the right of the desk."),
)

_QUESTIONS: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("scene0000_00", "What is next to the chair?", ("table", "bed", "sofa", "toilet"), 0),
    ("scene0000_00", "What color is the ball?", ("blue", "green", "white", "black", "yellow", "red"), 5),
    ("scene0001_00", "What is the tall object next to the sofa?", ("door", "lamp", "window", "shelf", "sink"), 1),
    ("scene0001_00", "What is facing the bed?", ("desk", "cabinet", "television", "bathtub", "piano", "sofa"), 5),
    ("scene0002_00", "What is in front of the desk?", ("chair", "bed", "refrigerator", "counter", "curtain"), 0),
    ("scene0002_00", "What is green in the room?", ("cabinet", "desk", "chair", "lamp", "bed", "garbage bin"), 5),
)

# The LAMM canonical questions the benchmark queries were built from (src/datasets/system_msg.py).
_DETECTION_QUERY = DETECTION3D_QS + DETECTION3D_INS
_GROUNDING_QUERY = VG3D_QS


def _mesh(p: Primitive):
    import trimesh

    if p.kind == "box":
        mesh = trimesh.creation.box(extents=p.size)
    elif p.kind == "cylinder":
        mesh = trimesh.creation.cylinder(radius=p.size[0] / 2, height=p.size[2], sections=32)
    elif p.kind == "sphere":
        mesh = trimesh.creation.icosphere(subdivisions=2, radius=p.size[0] / 2)
    else:
        raise ValueError(f"unknown primitive kind {p.kind!r}")
    mesh.apply_translation(p.center)
    return mesh


def _gt_box(mesh) -> list[float]:
    # Round the bounds outward to the millimetre, so the box contains every surface sample (the inner round
    # drops float noise such as 2.2 + 0.6 = 2.8000000000000003, which would otherwise widen the box by 1 mm).
    lo = [math.floor(round(v * 1000, 6)) / 1000 for v in mesh.bounds[0]]
    hi = [math.ceil(round(v * 1000, 6)) / 1000 for v in mesh.bounds[1]]
    center = [round((a + b) / 2, 4) for a, b in zip(lo, hi)]
    size = [round(b - a, 4) for a, b in zip(lo, hi)]
    return center + size


def _colored(xyz: np.ndarray, color: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    rgb = np.clip(np.asarray(color, dtype=np.float64) + rng.normal(0, 8, size=(len(xyz), 3)), 0, 255)
    return np.hstack([xyz, np.round(rgb)]).astype(np.float32)


def _scene(primitives: tuple[Primitive, ...], seed: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
    import trimesh

    rng = np.random.default_rng(seed)
    floor = trimesh.creation.box(extents=(5.0, 4.0, 0.02))
    floor.apply_translation((2.0, 1.5, _FLOOR_TOP - 0.01))
    parts = [_colored(trimesh.sample.sample_surface(floor, _FLOOR_POINTS, seed=seed)[0], (128, 110, 90), rng)]
    objects = []
    for i, p in enumerate(primitives):
        mesh = _mesh(p)
        xyz = trimesh.sample.sample_surface(mesh, p.points, seed=seed + i + 1)[0]
        parts.append(_colored(xyz, p.color, rng))
        objects.append({"label": p.label, "bbox": _gt_box(mesh)})
    return np.concatenate(parts), objects


def _pcl(scene: str) -> str:
    return f"./scannet_pcls/{scene}_vert.npy"


def _options(choices: tuple[str, ...]) -> str:
    return " ".join(f"({chr(ord('A') + i)}) {c}" for i, c in enumerate(choices))


def require_trimesh() -> None:
    """Check that ``trimesh`` can be imported, before anything is written.

    Raises:
        UserError: when it cannot (one line saying what to install).
    """
    try:
        import trimesh  # noqa: F401
    except ImportError:
        raise UserError("writing the mini 3D benchmark needs trimesh: pip install 'lamm-bench[demo]'") from None


def write_mini_3d(root: Path, *, seed: int = 0) -> None:
    """Write the synthetic 3D benchmark under ``root/3D_Benchmark`` (point clouds and the three meta files).

    Args:
        root: The data root (created if missing); existing files of the same names are overwritten.
        seed: Seed of the surface sampling and colour noise.

    Raises:
        UserError: when ``trimesh`` is not installed.
    """
    require_trimesh()
    bench = Path(root) / "3D_Benchmark"
    (bench / "scannet_pcls").mkdir(parents=True, exist_ok=True)
    (bench / "meta_file").mkdir(parents=True, exist_ok=True)
    scene_objects: dict[str, list[dict[str, Any]]] = {}
    for k, (scene, primitives) in enumerate(MINI_SCENES.items()):
        points, objects = _scene(primitives, seed * 1000 + k * 100)
        np.save(bench / "scannet_pcls" / f"{scene}_vert.npy", points)
        scene_objects[scene] = objects
    detection = [{"pcl": _pcl(s), "query": _DETECTION_QUERY, "object": o} for s, o in scene_objects.items()]
    grounding = [
        {"id": f"vg{i}", "pcl": _pcl(s), "query": _GROUNDING_QUERY + caption, "object": scene_objects[s][j]["bbox"]}
        for i, (s, j, caption) in enumerate(_CAPTIONS)
    ]
    vqa = [
        {"id": i, "pcl": _pcl(s), "query": f"{q} Options: {_options(c)}", "gt_choice": gt, "gt_choices": list(c)}
        for i, (s, q, c, gt) in enumerate(_QUESTIONS)
    ]
    for name, records in (
        ("Detection_ScanNet.json", detection),
        ("VG_ScanRefer.json", grounding),
        ("VQA_ScanQA_multiplechoice.json", vqa),
    ):
        (bench / "meta_file" / name).write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    logger.info("wrote the mini 3D benchmark (%d scenes) under %s", len(MINI_SCENES), bench)
