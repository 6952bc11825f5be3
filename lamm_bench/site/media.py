"""The prediction browser's pictures: a small JPEG thumbnail per image, a top-down PNG view per point cloud.

Result files name each sample's media relative to the data root (``media`` in ``<task>.predictions.jsonl``); the
pictures are made from the data root when one is given and kept under ``predictions/media/`` in the leaderboard
folder, so the site is self-contained and a committed leaderboard opens from the repository. A picture's file name
is a hash of its relative path, and ``index.json`` beside them records each source's size (needed to place
keypoints given in pixels): a later render without the data root reuses them. Same source, same bytes: the
encoders are deterministic and write no metadata.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

THUMBNAIL = 320
"""Longest side of an image thumbnail, in pixels."""
CLOUD_VIEW = 256
"""Side of a point cloud's top-down view, in pixels."""
MAX_POINTS = 60_000
"""Points drawn per view (an even stride over the cloud's points)."""


class MediaMaker:
    """Make (or reuse) the picture of each media path; remembers which were asked for."""

    def __init__(self, media_dir: Path, data_root: Path | None):
        self.media_dir = Path(media_dir)
        self.data_root = Path(data_root) if data_root is not None else None
        index = self.media_dir / "index.json"
        self.sizes: dict[str, list[int]] = json.loads(index.read_text()) if index.is_file() else {}
        self.used: set[str] = set()

    def picture(self, relative: str) -> dict[str, Any] | None:
        """``{"src": file name under media/, "w", "h"}`` (the source's size), or None when neither the picture nor
        its source is available."""
        is_cloud = relative.endswith(".npy")
        name = hashlib.sha256(relative.encode()).hexdigest()[:20] + (".png" if is_cloud else ".jpg")
        target = self.media_dir / name
        if not (target.is_file() and name in self.sizes):
            source = self.data_root / relative if self.data_root is not None else None
            if source is None or not source.is_file():
                return None
            try:
                self.sizes[name] = cloud_view(source, target) if is_cloud else thumbnail(source, target)
            except Exception as exc:  # a bad media file must not stop the leaderboard; the page says so
                log.warning("cannot draw %s: %s", source, exc)
                return None
        self.used.add(name)
        w, h = self.sizes[name]
        return {"src": name, "w": w, "h": h}

    def finish(self) -> None:
        """Drop pictures no page uses any more and write the sizes of those that stay."""
        if not self.media_dir.is_dir():
            return
        for path in self.media_dir.iterdir():
            if path.name != "index.json" and path.name not in self.used:
                path.unlink()
        self.sizes = {k: v for k, v in sorted(self.sizes.items()) if k in self.used}
        if self.used:
            (self.media_dir / "index.json").write_text(json.dumps(self.sizes, indent=0, sort_keys=True) + "\n")
        elif (self.media_dir / "index.json").exists():
            (self.media_dir / "index.json").unlink()


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


def cloud_view(source: Path, target: Path) -> list[int]:
    """Write a top-down view of a point cloud (x right, y up; the highest point of each pixel wins, in the cloud's
    colour when it has RGB columns, else shaded by height); returns the view's [width, height]."""
    import numpy as np
    from PIL import Image

    points = np.load(source, mmap_mode="r")
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
