"""Decoded media: what the runner hands to an adapter that asks for it (``media = "decoded"``).

An adapter that reads pixels or points declares it (see :mod:`lamm_bench.adapter`); for each batch the runner
decodes the batch's images and reads its point clouds into a :class:`Media` record -- the next batch's in a
background thread while the model works on the current one, when prefetch is on (PIL and NumPy release the GIL
while decoding, torch while computing) -- and passes it with the batch. Adapters that did not ask get paths only,
and nothing is decoded for them. There is no module-level cache: a batch's media live as long as its call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.records import PointCorruption, Request


def decode_image(path: str):
    """Open and fully decode the image at ``path`` (in its own mode).

    Raises:
        UserError: naming the file, when it is missing or cannot be decoded as an image (not an image, truncated,
            corrupt, or too large for PIL's decompression-bomb limit).
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.copy()  # decodes every pixel; the copy outlives the closed file
    except FileNotFoundError:
        raise UserError(f"image not found: {path}") from None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 -- PIL reports a corrupt file with many types (OSError, SyntaxError, ...)
        raise UserError(f"image {path}: cannot be decoded ({type(exc).__name__}: {exc})") from None


def check_image(path: str) -> None:
    """Check, without decoding its pixels, that ``path`` is an image PIL can open: its header, and for formats PIL
    can verify (PNG: every chunk's checksum) its structure. Cheap enough to run on every image of a run before it
    starts, whatever the adapter; :func:`decode_image` (and ``lamm-bench data check``) decode in full.

    Raises:
        UserError: as :func:`decode_image`.
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.verify()
    except FileNotFoundError:
        raise UserError(f"image not found: {path}") from None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 -- as decode_image: PIL reports a corrupt file with many types
        raise UserError(f"image {path}: cannot be decoded ({type(exc).__name__}: {exc})") from None


@dataclass(frozen=True)
class Media:
    """A batch's decoded media, by path. Treat them as read-only (PIL's ``convert``/``resize`` return new images).

    The accessors fall back to decoding on the spot for a path that is not here, so an adapter called directly
    (without the runner, or with ``media=None``) behaves the same.
    """

    images: Mapping[str, Any] = field(default_factory=dict)
    """Image path -> decoded PIL image, in the file's own mode."""
    point_clouds: Mapping[str, Any] = field(default_factory=dict)
    """Point-cloud path -> the validated array as stored (every point; subsampled per request by
    :meth:`point_cloud`)."""

    def image(self, path: str):
        """The decoded image at ``path``.

        Raises:
            UserError: naming the file, when it is missing or not a decodable image (see :func:`decode_image`).
        """
        found = self.images.get(path)
        return found if found is not None else decode_image(path)

    def point_cloud(self, path: str, *, num_points: int, seed: int, corruption: PointCorruption | None = None):
        """The model's input for a request: ``num_points`` points drawn with ``seed``, exactly as
        :func:`lamm_bench.pointcloud.load_point_cloud` returns them, then the request's ``corruption`` (if any)
        applied to them with the same ``seed`` (:func:`lamm_bench.pointcorrupt.apply_corruption`, keyed on the
        file's name).

        Raises:
            UserError: naming the file, when it is missing or not a valid point cloud.
        """
        from lamm_bench.pointcloud import read_point_cloud, sample_point_cloud

        points = self.point_clouds.get(path)
        if points is None:
            points = read_point_cloud(path)
        sampled = sample_point_cloud(points, num_points=num_points, seed=seed, path=path)
        if corruption is None:
            return sampled
        from lamm_bench.pointcorrupt import apply_corruption

        return apply_corruption(sampled, corruption, seed=seed, scene=PurePath(path).name)


def decode_media(requests: Iterable[Request]) -> Media:
    """Decode every image and read every point cloud of ``requests`` (each file once).

    Raises:
        UserError: naming the sample and the file, for the first one that is missing or corrupt.
    """
    images: dict[str, Any] = {}
    clouds: dict[str, Any] = {}
    for request in requests:
        try:
            for path in request.images:
                if path not in images:
                    images[path] = decode_image(path)
            if request.point_cloud and request.point_cloud not in clouds:
                from lamm_bench.pointcloud import read_point_cloud

                clouds[request.point_cloud] = read_point_cloud(request.point_cloud)
        except UserError as exc:
            raise UserError(f"sample {request.sample_id!r}: {exc}") from None
    return Media(images, clouds)


NO_MEDIA = Media()
"""Nothing decoded ahead: every accessor decodes on the spot (for an adapter called with ``media=None``)."""
