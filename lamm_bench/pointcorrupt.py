"""Seeded point-cloud corruptions for the 3D robustness desideratum (``robust3d-*``; method in ``docs/desiderata3d.md``).

Each corruption is a pure function of the model's input cloud (the ``num_points`` rows the protocol's seeded
sampling drew, :func:`lamm_bench.pointcloud.sample_point_cloud`), a severity and a generator. They are applied
*after* that sampling, so a corrupted run sees exactly the clean run's points, changed only by the corruption (a
paired comparison), and a global dropout is not undone by a sampler that would refill 40,000 points from what is
left of a 150,000-point scene. The generator is ``numpy.random.default_rng([seed, kind, crc32(scene)])``: the run's
``--seed``, the corruption and the cloud's file name, so every scene gets its own draw and two runs with the same
seed get byte-identical clouds. Columns 0-2 are x, y, z in metres (ScanNet's unit); columns 3-5, where present,
r, g, b in 0-255. The input is never modified; the result keeps its dtype.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping

import numpy as np

from lamm_bench.records import PointCorruption

__all__ = [
    "CORRUPTIONS", "DENSITY_HOLES", "apply_corruption", "colour_shift", "corruption_rng", "density_holes",
    "jitter", "point_dropout", "rotate_z",
]  # fmt: skip

DENSITY_HOLES = 8
"""How many local holes :func:`density_holes` cuts (its severity is the share of points they remove)."""


def jitter(points: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise on x, y, z: every coordinate plus an independent ``N(0, sigma^2)`` draw (metres).

    Args:
        points: ``[N, C]`` cloud, ``C >= 3``.
        sigma: Standard deviation in metres.
        rng: The corruption's generator.
    """
    out = points.copy()
    out[:, :3] = points[:, :3].astype(np.float64) + rng.normal(0.0, sigma, size=(points.shape[0], 3))
    return out


def point_dropout(points: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Global dropout: ``round(fraction * N)`` rows, drawn uniformly without replacement, are removed; the others
    keep their order (at least one row is kept)."""
    n = points.shape[0]
    keep = max(1, n - int(round(fraction * n)))
    return points[np.sort(rng.permutation(n)[:keep])]


def rotate_z(points: np.ndarray, max_degrees: float, rng: np.random.Generator) -> np.ndarray:
    """Rotation about the vertical axis through the cloud's x-y centroid by an angle drawn uniformly from
    ``[-max_degrees, max_degrees)``; z and every other column are unchanged."""
    angle = np.deg2rad(rng.uniform(-max_degrees, max_degrees))
    xy = points[:, :2].astype(np.float64)
    centre = xy.mean(axis=0)
    c, s = np.cos(angle), np.sin(angle)
    out = points.copy()
    out[:, :2] = (xy - centre) @ np.array([[c, s], [-s, c]]) + centre
    return out


def density_holes(points: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Local dropout (a density change): :data:`DENSITY_HOLES` centres drawn among the points, each removing its
    ``round(fraction * N / DENSITY_HOLES)`` nearest points in x, y, z (a stable sort breaks ties by row), so about
    ``fraction`` of the cloud goes in holes (less where holes overlap; at least one row is kept)."""
    n = points.shape[0]
    per_hole = int(round(fraction * n / DENSITY_HOLES))
    xyz = points[:, :3].astype(np.float64)
    removed = np.zeros(n, dtype=bool)
    for centre in rng.choice(n, size=min(DENSITY_HOLES, n), replace=False):
        distance = ((xyz - xyz[centre]) ** 2).sum(axis=1)
        removed[np.argsort(distance, kind="stable")[:per_hole]] = True
    if removed.all():
        removed[np.flatnonzero(removed)[0]] = False
    return points[~removed]


def colour_shift(points: np.ndarray, max_offset: float, rng: np.random.Generator) -> np.ndarray:
    """One offset per colour channel, drawn uniformly from ``[-max_offset, max_offset)`` (0-255 scale), added to
    every point's r, g, b and clipped to [0, 255]; a cloud without colour columns (fewer than 6) is returned
    unchanged."""
    if points.shape[1] < 6:
        return points.copy()
    out = points.copy()
    shifted = points[:, 3:6].astype(np.float64) + rng.uniform(-max_offset, max_offset, size=3)
    out[:, 3:6] = np.clip(shifted, 0.0, 255.0)
    return out


CORRUPTIONS: Mapping[str, tuple[Callable[[np.ndarray, float, np.random.Generator], np.ndarray], int]] = {
    "jitter": (jitter, 1),
    "dropout": (point_dropout, 2),
    "rotate_z": (rotate_z, 3),
    "density": (density_holes, 4),
    "colour": (colour_shift, 5),
}
"""Corruption kind -> (its function, its code in the generator's seed; never reused, so a kind's draws stay fixed)."""


def corruption_rng(kind: str, seed: int, scene: str) -> np.random.Generator:
    """The generator of one corruption of one scene: ``default_rng([seed, code of kind, crc32(scene)])``."""
    return np.random.default_rng([seed, CORRUPTIONS[kind][1], zlib.crc32(scene.encode("utf-8"))])


def apply_corruption(points: np.ndarray, corruption: PointCorruption, *, seed: int, scene: str) -> np.ndarray:
    """The corrupted copy of a model input cloud.

    Args:
        points: ``[N, C]`` cloud as sampled for the model (``C >= 3``).
        corruption: Which corruption, at which severity.
        seed: The run's seed (the request's).
        scene: A name of the cloud that does not depend on where the data lives (its file name).

    Raises:
        ValueError: an unknown corruption kind (a bug in the task that asked for it).
    """
    if corruption.kind not in CORRUPTIONS:
        raise ValueError(f"unknown point-cloud corruption {corruption.kind!r} (known: {', '.join(CORRUPTIONS)})")
    function, _ = CORRUPTIONS[corruption.kind]
    out = function(points, corruption.severity, corruption_rng(corruption.kind, seed, scene))
    return out.astype(points.dtype, copy=False)
