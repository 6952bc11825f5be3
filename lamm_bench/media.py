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

_CAPACITY = 256
_cache: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()


def _decode(path: str):
    from PIL import Image

    with Image.open(path) as image:
        return image.copy()  # decodes; the copy outlives the closed file


def load_image(path: str):
    """The decoded image at ``path`` (in its own mode), from the prefetch cache when it is there.

    Raises:
        FileNotFoundError, PIL.UnidentifiedImageError, OSError: as ``PIL.Image.open`` does.
    """
    with _lock:
        if path in _cache:
            _cache.move_to_end(path)
            return _cache[path]
    image = _decode(path)
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
            _remember(path, _decode(path))
        except Exception:  # noqa: BLE001 -- the adapter raises the user-facing error when it opens the file
            continue


def clear() -> None:
    """Empty the cache."""
    with _lock:
        _cache.clear()
