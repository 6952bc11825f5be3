"""Point-cloud loading for the 3D tasks: read a LAMM ``<scene>_vert.npy``, validate it, subsample it reproducibly.

LAMM's 3D encoder reads ``np.load(path)`` and draws 40,000 points with ``np.random.choice`` -- with replacement
only when the scene has fewer points -- from the unseeded global generator (protocol §4.5), so its inputs differ
from run to run. Here the same draw comes from ``numpy.random.default_rng(seed)``: identical for a given seed,
file and point count. Columns are kept as stored (x, y, z, then usually r, g, b in 0-255); LAMM's encoder uses
only the first three. Every problem with the file is a :class:`~lamm_bench.errors.UserError` naming the file.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from lamm_bench.errors import UserError

__all__ = [
    "LAMM_NUM_POINTS", "check_point_cloud", "load_point_cloud", "read_point_cloud", "sample_point_cloud",
    "subsample_points",
]  # fmt: skip

logger = logging.getLogger(__name__)

LAMM_NUM_POINTS = 40_000
"""Points per scene fed to LAMM's EPCL encoder."""


def _read_npy(path: Path, *, mmap: bool = False) -> np.ndarray:
    if not path.is_file():
        raise UserError(f"point cloud {path}: file not found")
    try:
        # allow_pickle=False: a point cloud is a plain numeric array, never a pickled object.
        return np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
    except (ValueError, OSError, EOFError) as exc:
        raise UserError(f"point cloud {path}: not a readable .npy array ({exc})") from exc


def _validate(points: np.ndarray, path: Path) -> None:
    if not isinstance(points, np.ndarray):
        if hasattr(points, "close"):
            points.close()
        raise UserError(f"point cloud {path}: expected one array, found an .npz archive")
    if points.ndim != 2:
        raise UserError(f"point cloud {path}: expected a 2-D array [points, columns], got shape {points.shape}")
    if points.shape[1] < 3:
        raise UserError(f"point cloud {path}: expected at least 3 columns (x, y, z), got {points.shape[1]}")
    if points.shape[0] == 0:
        raise UserError(f"point cloud {path}: the array has no points")
    if not (np.issubdtype(points.dtype, np.floating) or np.issubdtype(points.dtype, np.integer)):
        raise UserError(f"point cloud {path}: expected numbers, got dtype {points.dtype}")
    finite = np.isfinite(points)
    if not finite.all():
        row = int(np.argwhere(~finite)[0][0])
        raise UserError(f"point cloud {path}: contains NaN or infinite values (first at row {row})")


def subsample_points(points: np.ndarray, num_points: int, seed: int = 0) -> np.ndarray:
    """Draw ``num_points`` rows as LAMM does, from a seeded generator.

    Like the reference, the draw always goes through ``choice`` (so even a scene with exactly ``num_points``
    points comes back shuffled), with replacement only when the scene has fewer points than asked.

    Args:
        points: ``[N, C]`` array, ``N >= 1``.
        num_points: How many rows to return.
        seed: Seed for ``numpy.random.default_rng``.

    Returns:
        A new ``[num_points, C]`` array; the input is not modified.
    """
    if num_points < 1:
        raise UserError(f"num_points must be a positive integer, got {num_points}")
    rng = np.random.default_rng(seed)
    index = rng.choice(points.shape[0], num_points, replace=points.shape[0] < num_points)
    return points[index]


def read_point_cloud(path: str | os.PathLike[str]) -> np.ndarray:
    """Read and validate a ``.npy`` point cloud as stored (every point, every column), without subsampling.

    Raises:
        UserError: as :func:`load_point_cloud`.
    """
    path = Path(path)
    points = _read_npy(path)
    _validate(points, path)
    return points


def check_point_cloud(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Validate a ``.npy`` point cloud as :func:`load_point_cloud` does, without subsampling and without holding it
    in memory (the file is read through a memory map).

    Returns:
        The array's shape ``(points, columns)``.

    Raises:
        UserError: as :func:`load_point_cloud`.
    """
    path = Path(path)
    points = _read_npy(path, mmap=True)
    _validate(points, path)
    return points.shape


def sample_point_cloud(points: np.ndarray, *, num_points: int = LAMM_NUM_POINTS, seed: int = 0, path: object = "") -> np.ndarray:
    """The model's input from a validated cloud (:func:`read_point_cloud`): ``num_points`` rows drawn as
    :func:`subsample_points` does, as float32 (``path`` only names the file in the log)."""
    if points.shape[0] < num_points:
        logger.debug("%s has %d points; sampling %d with replacement", path, points.shape[0], num_points)
    return subsample_points(points, num_points, seed).astype(np.float32, copy=False)


def load_point_cloud(path: str | os.PathLike[str], *, num_points: int = LAMM_NUM_POINTS, seed: int = 0) -> np.ndarray:
    """Load a ``.npy`` point cloud, validate it and subsample it to ``num_points`` rows.

    Args:
        path: The ``.npy`` file (e.g. ``3D_Benchmark/scannet_pcls/scene0011_00_vert.npy``).
        num_points: Rows to return (LAMM: 40,000).
        seed: Seed of the subsampling draw (pass the request's seed).

    Returns:
        A float32 array ``[num_points, C]`` with ``C >= 3``; columns 0-2 are x, y, z.

    Raises:
        UserError: the file is missing or unreadable, not 2-D, has fewer than 3 columns, no rows, a
            non-numeric dtype, or NaN/infinite values.
    """
    return sample_point_cloud(read_point_cloud(path), num_points=num_points, seed=seed, path=path)
