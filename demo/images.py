"""Drawing the mini benchmark's PNG images (PIL only, deterministic)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw


def _save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")


def plain(path: Path, size: tuple[int, int], rng: random.Random) -> None:
    """A flat random colour with a lighter square in the middle."""
    colour = tuple(rng.randrange(256) for _ in range(3))
    image = Image.new("RGB", size, colour)
    w, h = size
    ImageDraw.Draw(image).rectangle([w // 4, h // 4, 3 * w // 4, 3 * h // 4], fill=tuple(min(255, c + 60) for c in colour))
    _save(image, path)


def draw_boxes(path: Path, size: tuple[int, int], boxes: Sequence[Sequence[float]]) -> None:
    """Red outlines at normalized [x1, y1, x2, y2] boxes."""
    w, h = size
    image = Image.new("RGB", size, (235, 235, 235))
    draw = ImageDraw.Draw(image)
    for x1, y1, x2, y2 in boxes:
        draw.rectangle([x1 * w, y1 * h, x2 * w, y2 * h], outline=(220, 20, 20), width=2)
    _save(image, path)


def draw_dots(path: Path, size: tuple[int, int], count: int, rng: random.Random) -> None:
    """``count`` dark dots on white."""
    w, h = size
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for _ in range(count):
        x, y = rng.uniform(4, w - 4), rng.uniform(4, h - 4)
        draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(20, 20, 20))
    _save(image, path)


def draw_text(path: Path, size: tuple[int, int], text: str) -> None:
    """Black text on white, PIL's default font."""
    image = Image.new("RGB", size, (255, 255, 255))
    ImageDraw.Draw(image).text((4, 4), text, fill=(0, 0, 0))
    _save(image, path)


def draw_person(path: Path, size: tuple[int, int], joints: Sequence[tuple[float, float]]) -> None:
    """Dots at pixel joint positions, joined in order."""
    image = Image.new("RGB", size, (250, 250, 240))
    draw = ImageDraw.Draw(image)
    draw.line(list(joints), fill=(30, 30, 160), width=1)
    for x, y in joints:
        draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=(160, 30, 30))
    _save(image, path)
