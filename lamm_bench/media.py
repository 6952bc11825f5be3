"""Decoded images, shared between the runner's prefetch thread and the adapters.

The runner decodes the next batch's images in a background thread while the model works on the current batch
(PIL releases the GIL while decoding, torch while computing), and adapters read them through
:func:`load_image`, which returns the decoded image from a small bounded cache or decodes it on the spot. The
cache holds a few batches' worth of images and evicts the oldest; images in it must be treated as read-only
(``convert``/``resize`` return new images, as adapters use them).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from lamm_bench.errors import UserError

_CAPACITY = 256
_cache: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()


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


def load_image(path: str):
    """The decoded image at ``path`` (in its own mode), from the prefetch cache when it is there.

    Raises:
        UserError: naming the file, when it is missing or not a decodable image (see :func:`decode_image`).
    """
    with _lock:
        if path in _cache:
            _cache.move_to_end(path)
            return _cache[path]
    image = decode_image(path)
    _remember(path, image)
    return image


def _remember(path: str, image: object) -> None:
    with _lock:
        _cache[path] = image
        _cache.move_to_end(path)
        while len(_cache) > _CAPACITY:
            _cache.popitem(last=False)


def prefetch(paths: Iterable[str]) -> None:
    """Decode images into the cache; unreadable files are skipped (the adapter reports them properly)."""
    for path in paths:
        with _lock:
            if path in _cache:
                continue
        try:
            _remember(path, decode_image(path))
        except UserError:  # load_image raises it again, in the adapter, where the request is known
            continue


def clear() -> None:
    """Empty the cache."""
    with _lock:
        _cache.clear()
