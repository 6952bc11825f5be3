"""Small helpers shared by the adapters: cutting text at stop strings, chunking, images, weight-file identity.

Pure functions over plain Python except ``open_rgb`` and ``file_identity`` (which read files); no heavy imports
at module level, so the import-light registration modules may use them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from lamm_bench.errors import UserError

if TYPE_CHECKING:
    from lamm_bench.media import Media

T = TypeVar("T")


def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut ``text`` before the earliest occurrence of any non-empty stop string.

    Args:
        text: Generated text.
        stops: Stop strings (empty ones are ignored).

    Returns:
        The text up to (not including) the first stop string; the whole text when none occurs.
    """
    cut = len(text)
    for stop in stops:
        if stop:
            found = text.find(stop)
            if 0 <= found < cut:
                cut = found
    return text[:cut]


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items (``size`` < 1 is treated as 1)."""
    size = max(1, size)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def open_rgb(path: str, *, sample_id: str, media: Media | None = None):
    """An image as RGB, or ``UserError`` naming the sample and the file.

    ``media``: the batch's images decoded by the runner (for an adapter with ``media = "decoded"``); an image that
    is not there is decoded here.
    """
    from lamm_bench.media import NO_MEDIA

    try:
        return (media or NO_MEDIA).image(path).convert("RGB")
    except UserError as exc:  # missing or corrupt: decode_image names the file
        raise UserError(f"sample {sample_id!r}: {exc}") from None


_SAMPLE_BYTES = 1 << 16


def file_identity(path: Path) -> str:
    """A cheap identity of a (possibly multi-gigabyte) weight file: name, size and a hash of its first and last
    64 KiB. Hashing whole checkpoints on every run would take minutes; the sampled bytes still tell apart two
    fine-tunes of one base model, which have the same names and sizes but different tensor data."""
    if not path.is_file():
        return f"{path.name}:missing"
    size = path.stat().st_size
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        digest.update(handle.read(_SAMPLE_BYTES))
        handle.seek(max(0, size - _SAMPLE_BYTES), os.SEEK_SET)
        digest.update(handle.read(_SAMPLE_BYTES))
    return f"{path.name}:{size}:{digest.hexdigest()[:16]}"
