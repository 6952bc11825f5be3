"""Real data for lamm-mini's 2D sources (:mod:`lamm_bench.demo.sources2d`), read from files that ship inside
installed packages (never the network).

- easy-vqa (MIT): 64x64 PNGs of one coloured shape (circle, rectangle, triangle) on a pale background, with
  questions and answers; its own train and test splits feed lamm-mini's train and test splits.
- scikit-learn's digits (BSD-3; the UCI optical digits, CC BY 4.0): 8x8 handwritten digits; every fifth one is a
  test digit, the rest are train digits.
- scikit-image's ``coins`` (no known copyright restrictions): 24 coins, segmented once by a fixed watershed; even
  coins are test coins, odd ones train coins.

(The caption photos are in ``lamm_bench.demo.photos``.) Every loader is cached and returns its items in a fixed
order, so a source that samples from them with its ``MiniContext.rng`` is deterministic. Nothing is read on import.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

SHAPES = ("circle", "rectangle", "triangle")
"""easy-vqa's shape names (its answers.txt)."""
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def pick(rng: random.Random, pool: Sequence[Any], n: int) -> list[Any]:
    """``n`` items of ``pool`` without repetition while the pool lasts (then it is drawn again, reshuffled)."""
    out: list[Any] = []
    while len(out) < n:
        out += rng.sample(list(pool), min(len(pool), n - len(out)))
    return out


def bracket(values: Sequence[float]) -> str:
    """Numbers as a LAMM answer writes a box or point: ``[0.12, 0.30, 0.50, 0.90]`` (two decimals)."""
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


def split_name(split: str) -> str:
    """The easy-vqa / digits / coins pool that a lamm-mini split draws from (``test`` or ``train``)."""
    if split not in ("test", "train"):
        raise ValueError(f"unknown split {split!r}")
    return split


# ---------------------------------------------------------------------------------------------------- easy-vqa


@dataclass(frozen=True)
class EasyVqaImage:
    """One easy-vqa image with what its questions say about it."""

    index: int
    """The image's number in its easy-vqa split (``images/<index>.png``)."""
    shape: str
    """``circle``, ``rectangle`` or ``triangle``."""
    questions: tuple[tuple[str, str], ...]
    """easy-vqa's (question, answer) pairs about this image, in file order."""


def _easy_vqa_root():
    return resources.files("easy_vqa") / "data"


@functools.lru_cache(maxsize=2)
def easy_vqa_images(split: str) -> tuple[EasyVqaImage, ...]:
    """The images of an easy-vqa split whose shape its questions name, in index order.

    The shape is an answer (``what shape is in the image?`` -> ``triangle``) or is named in a colour question
    (``what color is the triangle?``); about a tenth of the images have neither and are left out.
    """
    rows = json.loads((_easy_vqa_root() / split_name(split) / "questions.json").read_text())
    questions: dict[int, list[tuple[str, str]]] = {}
    shapes: dict[int, list[str]] = {}
    for text, answer, index in rows:
        questions.setdefault(index, []).append((text, answer))
        named = [answer] if answer in SHAPES else [s for s in SHAPES if "color" in text and s in text]
        shapes.setdefault(index, []).extend(named)
    out = []
    for index in sorted(questions):
        found = sorted(set(shapes.get(index, ())))
        if len(found) == 1:
            out.append(EasyVqaImage(index, found[0], tuple(questions[index])))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def easy_vqa_answers() -> tuple[str, ...]:
    """easy-vqa's 13 answers (shapes, colours, yes/no), in file order."""
    return tuple(a.strip() for a in (_easy_vqa_root() / "answers.txt").read_text().splitlines() if a.strip())


def easy_vqa_colours() -> tuple[str, ...]:
    """The colour answers of easy-vqa."""
    return tuple(a for a in easy_vqa_answers() if a not in SHAPES and a not in ("yes", "no"))


def easy_vqa_image(split: str, index: int):
    """The RGB PIL image ``images/<index>.png`` of an easy-vqa split."""
    from PIL import Image

    with (_easy_vqa_root() / split_name(split) / "images" / f"{index}.png").open("rb") as f:
        return Image.open(f).convert("RGB")


def shape_mask(image) -> Any:
    """Boolean mask of the shape: pixels nearer the shape's colour than the background (the corner pixel)."""
    import numpy as np

    pixels = np.asarray(image, dtype=np.int16)
    distance = np.abs(pixels - pixels[0, 0]).max(axis=2)
    return distance > distance.max() / 2  # anti-aliased edge pixels count for the side they are closer to


def mask_box(mask) -> list[float]:
    """Normalized ``[x1, y1, x2, y2]`` of a mask's pixels (the right/bottom edges of the last pixels), 3 decimals."""
    import numpy as np

    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return [round(xs.min() / w, 3), round(ys.min() / h, 3), round((xs.max() + 1) / w, 3), round((ys.max() + 1) / h, 3)]


def mask_centre(mask) -> list[float]:
    """Normalized ``[x, y]`` centroid of a mask (inside each easy-vqa shape, all convex), 2 decimals."""
    import numpy as np

    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return [round((xs.mean() + 0.5) / w, 2), round((ys.mean() + 0.5) / h, 2)]


MIN_SHAPE_PIXELS = 64
"""Smallest shape (in pixels, of 4,096) a lamm-mini record shows: easy-vqa has shapes of a few pixels, too small
to tell a circle from a square."""


@dataclass(frozen=True)
class EasyVqaScene:
    """An easy-vqa image picked for a record, with its shape's pixels."""

    item: EasyVqaImage
    image: Any
    """The RGB PIL image."""
    mask: Any
    """Boolean array of the shape's pixels (:func:`shape_mask`)."""

    @property
    def object(self) -> dict[str, Any]:
        """The VOC-style object ``{label, bbox}``: the shape and its normalized pixel box."""
        return {"label": self.item.shape, "bbox": mask_box(self.mask)}

    @property
    def centre(self) -> list[float]:
        """The shape's normalized centroid."""
        return mask_centre(self.mask)


def easy_vqa_colour(item: EasyVqaImage) -> str | None:
    """The shape's colour, as easy-vqa's own colour questions about the image answer it (None without one)."""
    answers = {a for q, a in item.questions if "color" in q and a in easy_vqa_colours()}
    return answers.pop() if len(answers) == 1 else None


def easy_vqa_scenes(rng: random.Random, split: str, n: int, keep=None) -> list[EasyVqaScene]:
    """``n`` images of an easy-vqa split in a random order, skipping shapes under ``MIN_SHAPE_PIXELS`` and, with
    ``keep``, images for which ``keep(item)`` is false (a split is drawn again, reshuffled, once exhausted)."""
    out: list[EasyVqaScene] = []
    while len(out) < n:
        before = len(out)
        for item in rng.sample(easy_vqa_images(split), len(easy_vqa_images(split))):
            if keep is not None and not keep(item):
                continue
            image = easy_vqa_image(split, item.index)
            mask = shape_mask(image)
            if mask.sum() >= MIN_SHAPE_PIXELS:
                out.append(EasyVqaScene(item, image, mask))
                if len(out) == n:
                    break
        if len(out) == before:
            raise RuntimeError(f"easy-vqa {split}: no shape of {MIN_SHAPE_PIXELS} pixels or more")
    return out


def easy_vqa_choices(rng: random.Random, answer: str) -> list[str]:
    """Two to four options of the answer's kind (yes/no, shapes, colours) with the answer among them, shuffled."""
    if answer in ("yes", "no"):
        pool = ["yes", "no"]
    else:
        kind = SHAPES if answer in SHAPES else easy_vqa_colours()
        others = [a for a in kind if a != answer]
        pool = [answer, *rng.sample(others, min(len(others), rng.randint(1, 3)))]
    return rng.sample(pool, len(pool))


# ---------------------------------------------------------------------------------------------------- digits


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[Any, Any]:
    """The 1,797 digits as (8x8 images 0-16, labels), read from the file ``load_digits`` reads, without importing
    scikit-learn (1.5 s)."""
    import gzip
    import importlib.util
    from pathlib import Path

    import numpy as np

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("lamm-mini's digits need scikit-learn: pip install 'lamm-bench[demo]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(int)


def digits(split: str) -> tuple[tuple[int, int], ...]:
    """``(index, digit)`` of the split's digits: every fifth of the 1,797 for test, the others for train."""
    images, targets = _digits()
    test = split_name(split) == "test"
    return tuple((i, int(targets[i])) for i in range(len(targets)) if (i % 5 == 0) == test)


def digit_image(index: int, size: int = 64, ink: tuple[int, int, int] = (20, 20, 20)):
    """Digit ``index`` drawn ``size`` px square: its 17 grey levels from white paper to ``ink``, blocky (nearest)."""
    import numpy as np
    from PIL import Image

    images, _ = _digits()
    level = images[index] / 16.0  # 0 = paper, 1 = full ink
    paper = np.array([255.0, 255.0, 255.0])
    rgb = paper + level[..., None] * (np.array(ink, dtype=float) - paper)
    small = Image.fromarray(np.round(rgb).astype(np.uint8), "RGB")
    return small.resize((size, size), Image.NEAREST)


# ---------------------------------------------------------------------------------------------------- coins

COIN_BACKGROUND = (48, 48, 48)
"""The canvas colour of the counting images (about the dark cloth the coins lie on)."""


@functools.lru_cache(maxsize=1)
def _coins() -> tuple[Any, ...]:
    """The 24 coins of ``skimage.data.coins()`` as (grey patch, mask) pairs, in reading order (top to bottom)."""
    import numpy as np
    from scipy import ndimage as ndi
    from skimage import data, filters
    from skimage.segmentation import watershed

    image = data.coins()
    markers = np.zeros_like(image)
    markers[image < 30], markers[image > 150] = 1, 2  # sure background, sure coin (scikit-image's coins tutorial)
    mask = ndi.binary_fill_holes(watershed(filters.sobel(image), markers) == 2)
    labels, n = ndi.label(mask)
    found = []
    for k, box in enumerate(ndi.find_objects(labels), 1):
        if (labels[box] == k).sum() >= 500:  # the coins are 1,000-3,000 px; drops a 2-px speck
            found.append((box[0].start // 60, box[1].start, image[box], labels[box] == k))
    found.sort(key=lambda f: (f[0], f[1]))  # rows of coins ~70 px apart, then left to right
    return tuple((patch, m) for _, _, patch, m in found)


def coins(split: str) -> tuple[int, ...]:
    """Indices of the split's coins: even ones for test, odd ones for train."""
    test = split_name(split) == "test"
    return tuple(i for i in range(len(_coins())) if (i % 2 == 0) == test)


def coin_count_image(rng: random.Random, split: str, count: int, size: int = 128, scale: float = 0.45):
    """``count`` (at most 9) whole coins of the split, each pasted once, shrunk to ``scale``, apart from each other,
    on a plain canvas; returns the RGB PIL image and the coins' pixel boxes ``[x1, y1, x2, y2]``."""
    import numpy as np
    from PIL import Image

    tiles = []
    for index in pick(rng, coins(split), count):
        patch, mask = _coins()[index]
        w, h = max(1, round(patch.shape[1] * scale)), max(1, round(patch.shape[0] * scale))
        alpha = Image.fromarray(np.where(mask, 255, 0).astype(np.uint8)).resize((w, h), Image.NEAREST)
        tiles.append((Image.fromarray(patch).resize((w, h), Image.LANCZOS).convert("RGB"), alpha))
    boxes = _layout(rng, [t.size for t, _ in tiles], size)
    canvas = Image.new("RGB", (size, size), COIN_BACKGROUND)
    for (tile, alpha), box in zip(tiles, boxes):
        canvas.paste(tile, (box[0], box[1]), alpha)
    return canvas, boxes


def _layout(rng: random.Random, sizes: Sequence[tuple[int, int]], size: int, cells: int = 3) -> list[list[int]]:
    """Boxes of the given sizes, one per random cell of a ``cells x cells`` grid, each at a random place in its
    cell: boxes in different cells never touch (the cell is wider than any coin plus a gap)."""
    cell = size // cells
    if len(sizes) > cells * cells or any(max(w, h) + 4 > cell for w, h in sizes):
        raise ValueError(f"{len(sizes)} coins do not fit a {cells}x{cells} grid of {cell}-px cells")
    boxes = []
    for slot, (w, h) in zip(rng.sample(range(cells * cells), len(sizes)), sizes):
        x = (slot % cells) * cell + 2 + rng.randrange(cell - w - 3)
        y = (slot // cells) * cell + 2 + rng.randrange(cell - h - 3)
        boxes.append([x, y, x + w, y + h])
    return boxes
