"""The prediction browser's pictures: a small JPEG thumbnail per image, a top-down PNG view per point cloud.

Result files name each sample's media relative to the data root (``media`` in ``<task>.predictions.jsonl``); the
pictures are made from the data root when one is given and kept under ``predictions/media/`` in the leaderboard
folder, so the site is self-contained and a committed leaderboard opens from the repository. A picture's file name
is a hash of its relative path, and ``index.json`` beside them records each source's size (needed to place
keypoints given in pixels): a later render without the data root reuses them. Same source, same bytes: the
encoders are deterministic and write no metadata. A robustness run's clouds are drawn as the model was given them
(:meth:`MediaMaker.model_input_view`: the seeded sample of ``num_points`` points, clean or corrupted), the file
name a hash of the path, the point count, the seed and the corruption.

The index is a cache, read back as input (:func:`read_media_index`): one that is torn, corrupt or not of the shape
written here is dropped with a warning and rebuilt, never an error; it is written atomically. A media path comes
from a predictions row, whose reader refused absolute paths and ``..`` (the clean image a robustness row names in
its ``target`` is checked the same way before it gets here, :mod:`lamm_bench.site.robust`); a path that still
leads out of the data root (through a symbolic link inside it) is not drawn, with one warning
(:meth:`MediaMaker.finish`), so a row cannot put a picture of a file outside the data root into the site.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lamm_bench.errors import UserError, one_line
from lamm_bench.files import atomic_write_text
from lamm_bench.jsoncheck import load_json
from lamm_bench.records import PointCorruption

log = logging.getLogger(__name__)

THUMBNAIL = 320
"""Longest side of an image thumbnail, in pixels."""
CLOUD_VIEW = 256
"""Side of a point cloud's top-down view, in pixels."""
MAX_POINTS = 60_000
"""Points drawn per view (an even stride over the cloud's points)."""
INDEX = "index.json"
PICTURE = re.compile(r"[0-9a-f]{20}\.(?:png|jpg)")
"""A picture's file name under ``media/``: a hash of its media path, and the kind of picture."""


def read_media_index(path: Path) -> dict[str, list[int]]:
    """The sizes ``index.json`` records by picture name; empty, with a warning, when it is missing a picture name
    or a ``[width, height]`` of positive integers, or is not JSON at all (a cache: it is rebuilt)."""
    if not path.is_file():
        return {}
    try:
        sizes = load_json(path.read_bytes(), str(path))
    except (OSError, UserError) as exc:
        log.warning("%s: unreadable (%s); a new one is started: pictures are made again from the data root", path,
                    one_line(str(exc)))
        return {}
    good = isinstance(sizes, dict) and all(
        PICTURE.fullmatch(name) and isinstance(size, list) and len(size) == 2
        and all(type(v) is int and 0 < v < 1 << 31 for v in size) for name, size in sizes.items())  # fmt: skip
    if not good:
        log.warning("%s: not an index of picture sizes; a new one is started: pictures are made again from the data "
                    "root", path)
        return {}
    return sizes


class MediaMaker:
    """Make (or reuse) the picture of each media path; remembers which were asked for."""

    def __init__(self, media_dir: Path, data_root: Path | None):
        self.media_dir = Path(media_dir)
        self.data_root = Path(data_root) if data_root is not None else None
        self.sizes = read_media_index(self.media_dir / INDEX)
        self.used: set[str] = set()
        self.outside: list[str] = []
        """Media paths not drawn because they lead out of the data root through a symbolic link."""

    def picture(self, relative: str) -> dict[str, Any] | None:
        """``{"src": file name under media/, "w", "h"}`` (the source's size), or None when neither the picture nor
        its source is available."""
        is_cloud = relative.endswith(".npy")
        name = hashlib.sha256(relative.encode()).hexdigest()[:20] + (".png" if is_cloud else ".jpg")
        return self._made(name, relative, cloud_view if is_cloud else thumbnail)

    def model_input_view(self, relative: str, *, num_points: int, seed: int,
                         corruption: PointCorruption | None) -> dict[str, Any] | None:  # fmt: skip
        """A top-down view of a point cloud as a model was given it: the ``num_points`` points drawn with ``seed``
        and then, when given, the ``corruption`` applied with the same seed (``lamm_bench.media.Media.point_cloud``'s
        input, the robustness runs' clean and corrupted clouds); as :meth:`picture` otherwise."""
        shown = None if corruption is None else [corruption.kind, corruption.severity]
        key = json.dumps([relative, num_points, seed, shown])
        name = hashlib.sha256(key.encode()).hexdigest()[:20] + ".png"

        def draw(source: Path, target: Path) -> list[int]:
            return cloud_view(source, target, model_input(source, num_points, seed, corruption))

        return self._made(name, relative, draw)

    def _made(self, name: str, relative: str, draw: Callable[[Path, Path], list[int]]) -> dict[str, Any] | None:
        """The picture ``name`` of the media path ``relative``, drawn by ``draw(source, target)`` unless it is
        already there."""
        target = self.media_dir / name
        if not (target.is_file() and name in self.sizes):
            source = self.data_root / relative if self.data_root is not None else None
            if source is None or not source.is_file():
                return None
            if not source.resolve().is_relative_to(self.data_root.resolve()):  # a link in the root leads out
                self.outside.append(relative)
                return None
            try:
                self.sizes[name] = draw(source, target)
            except Exception as exc:  # a bad media file must not stop the leaderboard; the page says so
                log.warning("cannot draw %s: %s", source, exc)
                return None
        self.used.add(name)
        w, h = self.sizes[name]
        return {"src": name, "w": w, "h": h}

    def finish(self) -> None:
        """Drop pictures no page uses any more and write the sizes of those that stay (atomically); warn once about
        media paths that were not drawn because they lead out of the data root."""
        if self.outside:
            log.warning("%d media path(s) lead out of the data root %s through a symbolic link and are not drawn, "
                        "e.g. %r", len(self.outside), self.data_root, self.outside[0])  # fmt: skip
        if not self.media_dir.is_dir():
            return
        for path in self.media_dir.iterdir():
            if path.name != INDEX and path.name not in self.used and path.is_file():
                path.unlink()
        self.sizes = {k: v for k, v in sorted(self.sizes.items()) if k in self.used}
        if self.used:
            atomic_write_text(self.media_dir / INDEX, json.dumps(self.sizes, indent=0, sort_keys=True) + "\n")
        elif (self.media_dir / INDEX).is_file():
            (self.media_dir / INDEX).unlink()


def thumbnail(source: Path, target: Path) -> list[int]:
    """Write a JPEG thumbnail of an image; returns the source's [width, height]."""
    from PIL import Image

    with Image.open(source) as image:
        size = [image.width, image.height]
        small = image.convert("RGB")
        small.thumbnail((THUMBNAIL, THUMBNAIL))
    target.parent.mkdir(parents=True, exist_ok=True)
    small.save(target, format="JPEG", quality=80)
    return size


def model_input(source: Path, num_points: int, seed: int, corruption: PointCorruption | None):
    """The points a model was given from a cloud's file (validated as the runner's reader does)."""
    from lamm_bench.pointcloud import read_point_cloud, sample_point_cloud
    from lamm_bench.pointcorrupt import apply_corruption

    sampled = sample_point_cloud(read_point_cloud(source), num_points=num_points, seed=seed, path=source)
    return sampled if corruption is None else apply_corruption(sampled, corruption, seed=seed, scene=source.name)


def cloud_view(source: Path, target: Path, points: Any = None) -> list[int]:
    """Write a top-down view of a point cloud (x right, y up; the highest point of each pixel wins, in the cloud's
    colour when it has RGB columns, else shaded by height) -- the file's points, or ``points`` when given (an
    ``[N, C]`` array made from it); returns the view's [width, height]."""
    import numpy as np
    from PIL import Image

    points = np.load(source, mmap_mode="r") if points is None else points
    points = np.asarray(points[:: max(1, -(-len(points) // MAX_POINTS))], dtype=np.float64)
    xyz = points[:, :3]
    if points.shape[1] >= 6:
        rgb = points[:, 3:6]
        rgb = rgb / 255.0 if rgb.max() > 1.5 else rgb
    else:
        z = xyz[:, 2]
        t = (z - z.min()) / (np.ptp(z) or 1.0)
        rgb = np.stack([0.2 + 0.7 * t, 0.3 + 0.4 * t, 0.8 - 0.6 * t], axis=1)
    lo, span = xyz[:, :2].min(axis=0), float(np.ptp(xyz[:, :2], axis=0).max()) or 1.0
    scale = (CLOUD_VIEW - 5) / span
    px = ((xyz[:, 0] - lo[0]) * scale).astype(int) + 2
    py = CLOUD_VIEW - 3 - ((xyz[:, 1] - lo[1]) * scale).astype(int)
    order = np.argsort(-xyz[:, 2], kind="stable")  # highest first: np.unique keeps the first of each pixel
    cells, first = np.unique((py * CLOUD_VIEW + px)[order], return_index=True)
    canvas = np.full((CLOUD_VIEW * CLOUD_VIEW, 3), 255, dtype=np.uint8)
    canvas[cells] = (np.clip(rgb[order][first], 0, 1) * 255).astype(np.uint8)
    picture = canvas.reshape(CLOUD_VIEW, CLOUD_VIEW, 3)
    # each point as 2x2 pixels, so a sparse cloud still reads as a floor plan
    grown = picture.copy()
    empty = (grown == 255).all(axis=2)
    grown[1:][empty[1:]] = picture[:-1][empty[1:]]
    empty = (grown == 255).all(axis=2)
    grown[:, 1:][empty[:, 1:]] = grown[:, :-1][empty[:, 1:]]
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grown).save(target, format="PNG")
    return [CLOUD_VIEW, CLOUD_VIEW]
