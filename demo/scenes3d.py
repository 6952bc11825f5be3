"""lamm-mini's 3D scenes: ScanNet-like rooms furnished with the real example meshes that ship inside the pyvista wheel.

Each scene is a floor slab plus two to six objects, each one of ``airplane.ply``, ``ant.ply``, ``nut.ply`` or
``sphere.ply`` (labelled ``ball``) from ``pyvista/examples/`` (MIT, the PyVista developers). A mesh is turned so
its thinnest side is vertical, scaled to furniture size, yawed, stood on the floor at a seeded position at least
:data:`GAP` away from the others, and given a colour no other object of the scene has. Its surface is sampled with
``trimesh.sample.sample_surface`` into ``N x 6`` float32 points (x, y, z in metres, r, g, b in 0-255). All
coordinates are positive because LAMM's box parser drops minus signs. A ground-truth box is the placed mesh's
axis-aligned bounds rounded outward to the millimetre (plus a micrometre, so float32 points never fall outside).
The meshes are read with trimesh straight from the installed package, without importing pyvista (which pulls VTK).
What is asked about a scene is in :mod:`lamm_bench.demo.questions3d`; the sources that write scenes and records
are in :mod:`lamm_bench.demo.sources3d`. Needs ``trimesh`` and ``pyvista`` (the ``demo`` extra).
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["COLOURS", "LABELS", "PlacedObject", "Scene", "compose_scene", "gt_box", "mesh_path"]

MESH_FILES = {"airplane": "airplane.ply", "ant": "ant.ply", "nut": "nut.ply", "ball": "sphere.ply"}
"""Label -> the pyvista example mesh it is made from."""
LABELS = tuple(MESH_FILES)
SIZES = {"airplane": (1.0, 1.6), "ant": (0.45, 0.8), "nut": (0.3, 0.55), "ball": (0.3, 0.7)}
"""Label -> range of its largest extent in metres (furniture-sized, so a room holds six)."""
COLOURS = {
    "red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 70, 210), "yellow": (235, 210, 40),
    "orange": (240, 140, 30), "purple": (140, 60, 180), "white": (240, 240, 240), "black": (25, 25, 25),
}  # fmt: skip
"""Object colours; no name is a substring of another, so ScanQA's option-text fallback stays unambiguous."""
FLOOR_COLOUR = (128, 110, 90)
FLOOR_TOP = -0.05  # below every box (objects stand at z = 0), so no floor point lies in a box
FLOOR_POINTS = 1000
OBJECT_POINTS = 400
MIN_OBJECTS, MAX_OBJECTS = 2, 6
GAP = 0.2
"""Least distance in metres between two objects' footprints (so boxes never overlap)."""


@dataclass(frozen=True, eq=False)
class PlacedObject:
    """One object of a scene."""

    label: str
    colour: str
    """A key of :data:`COLOURS`, unique within the scene."""
    box: tuple[float, float, float, float, float, float]
    """Ground truth ``[cx, cy, cz, l, w, h]``: contains every one of :attr:`points`."""
    points: np.ndarray = field(repr=False)
    """``N x 6`` float32 surface samples."""

    @property
    def volume(self) -> float:
        return self.box[3] * self.box[4] * self.box[5]


@dataclass(frozen=True, eq=False)
class Scene:
    """A floor and the objects standing on it."""

    scene_id: str
    floor: np.ndarray = field(repr=False)
    objects: tuple[PlacedObject, ...]

    def cloud(self) -> np.ndarray:
        """The whole scene, floor first then the objects in order, ``N x 6`` float32."""
        return np.concatenate([self.floor, *(o.points for o in self.objects)]).astype(np.float32)


def mesh_path(name: str) -> Path:
    """Where the installed pyvista keeps an example file, found without importing pyvista (or VTK).

    Raises:
        FileNotFoundError: pyvista is not installed or lacks the file.
    """
    spec = importlib.util.find_spec("pyvista")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("pyvista is not installed: pip install 'lamm-bench[demo]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "examples" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not in the installed pyvista")
    return path


@functools.cache
def _template(label: str):
    """The label's mesh, thinnest side vertical, centred over the origin, standing on z = 0, largest extent 1."""
    import trimesh

    mesh = trimesh.load(mesh_path(MESH_FILES[label]), force="mesh", process=False)
    order = np.argsort(mesh.extents, kind="stable")  # thinnest axis first
    axes = [int(order[2]), int(order[1]), int(order[0])]  # longest -> x, middle -> y, thinnest -> z
    vertices = np.asarray(mesh.vertices, dtype=np.float64)[:, axes]
    if np.linalg.det(np.eye(3)[axes]) < 0:
        vertices[:, 1] = -vertices[:, 1]  # keep it a rotation, not a mirror image
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    vertices = (vertices - [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]]) / (hi - lo).max()
    return trimesh.Trimesh(vertices=vertices, faces=np.asarray(mesh.faces), process=False)


def gt_box(lo: Sequence[float], hi: Sequence[float]) -> tuple[float, ...]:
    """``[cx, cy, cz, l, w, h]`` of bounds rounded outward to the millimetre.

    The extra micrometre keeps float32 points (error < 1e-6 m in a room) inside a box whose side falls exactly on
    a millimetre.
    """
    lo_mm = [math.floor((v - 1e-6) * 1000) for v in lo]
    hi_mm = [math.ceil((v + 1e-6) * 1000) for v in hi]
    center = [round((a + b) / 2000, 4) for a, b in zip(lo_mm, hi_mm)]
    size = [round((b - a) / 1000, 4) for a, b in zip(lo_mm, hi_mm)]
    return tuple(center + size)


def _coloured(xyz: np.ndarray, rgb: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    noisy = np.clip(np.asarray(rgb, dtype=np.float64) + rng.normal(0, 8, size=(len(xyz), 3)), 0, 255)
    return np.hstack([xyz, np.round(noisy)]).astype(np.float32)


def _fits(lo: np.ndarray, hi: np.ndarray, placed: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    return all(lo[0] >= h[0] + GAP or hi[0] <= l[0] - GAP or lo[1] >= h[1] + GAP or hi[1] <= l[1] - GAP
               for l, h in placed)  # fmt: skip


def _layout(rng: np.random.Generator, width: float, depth: float, n: int):
    """Seeded meshes placed on a ``width x depth`` floor without overlap, or None when they do not fit."""
    labels = [LABELS[int(k)] for k in rng.integers(len(LABELS), size=n)]
    meshes, placed = [], []
    for label in labels:
        mesh = _template(label).copy()
        mesh.apply_scale(rng.uniform(*SIZES[label]))
        yaw = rng.uniform(0, 2 * math.pi)
        mesh.apply_transform(np.array([[math.cos(yaw), -math.sin(yaw), 0, 0], [math.sin(yaw), math.cos(yaw), 0, 0],
                                       [0, 0, 1, 0], [0, 0, 0, 1]]))  # fmt: skip
        lo, hi = mesh.bounds
        for _ in range(50):
            x = rng.uniform(GAP - lo[0], width - GAP - hi[0])
            y = rng.uniform(GAP - lo[1], depth - GAP - hi[1])
            shift = np.array([x, y, -lo[2]])
            if _fits(lo[:2] + shift[:2], hi[:2] + shift[:2], placed):
                break
        else:
            return None
        mesh.apply_translation(shift)
        placed.append((mesh.bounds[0][:2], mesh.bounds[1][:2]))
        meshes.append((label, mesh))
    return meshes


def compose_scene(rng: np.random.Generator, scene_id: str, n_objects: int | None = None) -> Scene:
    """A seeded room: floor plus ``n_objects`` (default: 2 to 6, seeded) coloured, non-overlapping meshes.

    Args:
        rng: The generator every draw comes from.
        scene_id: ScanNet-style id, e.g. ``scene0004_00``.
        n_objects: How many objects (at most the number of colours).
    """
    import trimesh

    n = int(rng.integers(MIN_OBJECTS, MAX_OBJECTS + 1)) if n_objects is None else n_objects
    while True:  # a crowded draw is redrawn; six objects of at most 1.6 m fit a 4.5 x 4 m floor easily
        width, depth = rng.uniform(4.5, 6.0), rng.uniform(4.0, 5.0)
        meshes = _layout(rng, width, depth, n)
        if meshes is not None:
            break
    names = list(COLOURS)
    colours = [names[int(k)] for k in rng.choice(len(names), size=n, replace=False)]
    objects = []
    for (label, mesh), colour in zip(meshes, colours):
        xyz = trimesh.sample.sample_surface(mesh, OBJECT_POINTS, seed=int(rng.integers(2**31)))[0]
        points = _coloured(xyz, COLOURS[colour], rng)
        objects.append(PlacedObject(label, colour, gt_box(*mesh.bounds), points))
    floor = trimesh.creation.box(extents=(width, depth, 0.02))
    floor.apply_translation((width / 2, depth / 2, FLOOR_TOP - 0.01))
    floor_xyz = trimesh.sample.sample_surface(floor, FLOOR_POINTS, seed=int(rng.integers(2**31)))[0]
    return Scene(scene_id, _coloured(floor_xyz, FLOOR_COLOUR, rng), tuple(objects))
