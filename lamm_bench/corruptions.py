"""Seeded image and text corruptions, for ChEF's robustness desideratum when ChEF's corrupted copies are absent.

Every choice is a pure function of ``(seed, key)`` -- the run's ``--seed`` and a stable key of the sample (its
dataset and ChEF id) -- through :func:`rng_for` (SHA-256 of the key into NumPy's ``SeedSequence``/PCG64), so the same
seed gives the same corruption, parameters and bytes whatever the process count or sample order.

Images (Hendrycks & Dietterich, "Benchmarking Neural Network Robustness to Common Corruptions and Perturbations",
ICLR 2019; the formulas and the five severities of their ImageNet-C code), on RGB values ``x`` in [0, 1]:

- ``gaussian_noise``: ``x + N(0, c)``, c = .08 .12 .18 .26 .38;
- ``shot_noise``: ``Poisson(x * c) / c``, c = 60 25 12 5 3;
- ``impulse_noise``: salt and pepper on a fraction c of the values (half each), c = .03 .06 .09 .17 .27;
- ``defocus_blur``: mean over a disk of radius c pixels (edges reflected; ImageNet-C's extra anti-alias blur
  left out), c = 3 4 6 8 10;
- ``gaussian_blur``: PIL's Gaussian blur of standard deviation c, c = 1 2 3 4 6;
- ``contrast``: ``(x - m) * c + m``, m the channel means, c = .4 .3 .2 .1 .05;
- ``brightness``: HSV value ``v + c`` (clipped to 1; hue and saturation kept), c = .1 .2 .3 .4 .5;
- ``jpeg_compression``: PIL JPEG at quality c, c = 25 18 15 10 7;
- ``pixelate``: box-downscaled by c and box-upscaled back, c = .6 .5 .4 .3 .25.

The result is clipped to [0, 1] and rounded to 8 bits. Text (character and word level, no synonyms, no model): a
fraction ``f`` of the words (at least one), f = .1 .2 .3 .4 .5 by severity, each gets one edit --
``char_typo`` (a letter becomes a QWERTY neighbour), ``char_swap`` (two adjacent characters swap), ``char_delete``,
``char_insert`` (a character is doubled), ``word_swap`` (the word swaps with the next), ``word_delete``,
``word_repeat`` (the word is said twice). Whitespace between words is kept. :data:`GENERATOR` names this version;
it is recorded with every generated input and bumped whenever any output could change.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

GENERATOR = "lamm-bench-corruptions-1"
"""The generator's name and version, recorded in results and manifests."""
SEVERITIES = (1, 2, 3, 4, 5)

IMAGE_PARAMETERS: dict[str, tuple[float, ...]] = {
    "gaussian_noise": (0.08, 0.12, 0.18, 0.26, 0.38),
    "shot_noise": (60, 25, 12, 5, 3),
    "impulse_noise": (0.03, 0.06, 0.09, 0.17, 0.27),
    "defocus_blur": (3, 4, 6, 8, 10),
    "gaussian_blur": (1, 2, 3, 4, 6),
    "contrast": (0.4, 0.3, 0.2, 0.1, 0.05),
    "brightness": (0.1, 0.2, 0.3, 0.4, 0.5),
    "jpeg_compression": (25, 18, 15, 10, 7),
    "pixelate": (0.6, 0.5, 0.4, 0.3, 0.25),
}
"""Each image corruption's parameter ``c`` at severities 1-5 (ImageNet-C's)."""
TEXT_FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5)
"""The fraction of words edited at text severities 1-5."""
TEXT_CORRUPTIONS = ("char_typo", "char_swap", "char_delete", "char_insert", "word_swap", "word_delete", "word_repeat")

_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


@dataclass(frozen=True)
class Corruption:
    """One drawn corruption: which, and how strong."""

    name: str
    severity: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "severity": self.severity}


def rng_for(seed: int, *key: str):
    """A NumPy generator seeded by ``seed`` and a key (SHA-256 of both: stable across processes and platforms)."""
    import numpy as np

    digest = hashlib.sha256("\x1f".join((str(seed), *key)).encode()).digest()
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int.from_bytes(digest[:16], "big"))))


def draw(rng, names: Sequence[str]) -> Corruption:
    """A corruption drawn uniformly from ``names``, with a severity drawn uniformly from 1-5."""
    return Corruption(str(names[int(rng.integers(len(names)))]), int(rng.integers(1, 6)))


# --- images -------------------------------------------------------------------------------------------------------


def _disk_mean(x, radius: int):
    import numpy as np

    padded = np.pad(x, ((radius, radius), (radius, radius), (0, 0)), mode="reflect")
    h, w = x.shape[:2]
    total, count = np.zeros_like(x), 0
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dy * dy + dx * dx <= radius * radius:
                total += padded[radius + dy : radius + dy + h, radius + dx : radius + dx + w]
                count += 1
    return total / count


def _brightness(x, c: float):
    import numpy as np

    value = x.max(axis=2, keepdims=True)
    lifted = np.clip(value + c, 0.0, 1.0)
    scale = np.divide(lifted, value, out=np.zeros_like(value), where=value > 0)
    return np.where(value > 0, x * scale, lifted)


def _through_pil(x, apply: Callable[[Any], Any]):
    import numpy as np
    from PIL import Image

    image = Image.fromarray(np.round(np.clip(x, 0, 1) * 255).astype(np.uint8), "RGB")
    return np.asarray(apply(image).convert("RGB"), dtype=np.float64) / 255


def _jpeg(image, quality: int):
    from PIL import Image

    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(quality))
    return Image.open(io.BytesIO(buffer.getvalue()))


def _pixelate(image, c: float):
    from PIL import Image

    w, h = image.size
    small = image.resize((max(1, int(w * c)), max(1, int(h * c))), Image.Resampling.BOX)
    return small.resize((w, h), Image.Resampling.BOX)


def _apply(x, name: str, c: float, rng):
    from PIL import ImageFilter

    if name == "gaussian_noise":
        return x + rng.normal(size=x.shape, scale=c)
    if name == "shot_noise":
        return rng.poisson(x * c) / c
    if name == "impulse_noise":
        u = rng.random(x.shape)
        return (x * (u >= c)) + (u >= c / 2) * (u < c)
    if name == "defocus_blur":
        return _disk_mean(x, int(c))
    if name == "gaussian_blur":
        return _through_pil(x, lambda im: im.filter(ImageFilter.GaussianBlur(radius=c)))
    if name == "contrast":
        means = x.mean(axis=(0, 1), keepdims=True)
        return (x - means) * c + means
    if name == "brightness":
        return _brightness(x, c)
    if name == "jpeg_compression":
        return _through_pil(x, lambda im: _jpeg(im, int(c)))
    if name == "pixelate":
        return _through_pil(x, lambda im: _pixelate(im, c))
    raise ValueError(f"unknown image corruption {name!r} (known: {', '.join(IMAGE_PARAMETERS)})")


def corrupt_image(image, corruption: Corruption, rng):
    """The image (PIL, any mode; read as RGB) with the corruption applied: an RGB PIL image of the same size."""
    import numpy as np
    from PIL import Image

    x = np.asarray(image.convert("RGB"), dtype=np.float64) / 255
    c = IMAGE_PARAMETERS[corruption.name][corruption.severity - 1]
    out = np.clip(_apply(x, corruption.name, c, rng), 0.0, 1.0)
    return Image.fromarray(np.round(out * 255).astype(np.uint8), "RGB")


def png_bytes(image) -> bytes:
    """PNG bytes of a PIL image, without metadata (the same pixels give the same bytes)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


# --- text ---------------------------------------------------------------------------------------------------------

_WORD = re.compile(r"\S+")


def _neighbour(ch: str, rng) -> str:
    lower = ch.lower()
    for row_index, row in enumerate(_KEYBOARD):
        col = row.find(lower)
        if col < 0:
            continue
        near = [r[k] for r_i, r in enumerate(_KEYBOARD) if abs(r_i - row_index) <= 1
                for k in (col - 1, col, col + 1) if 0 <= k < len(r) and r[k] != lower]  # fmt: skip
        pick = near[int(rng.integers(len(near)))]
        return pick.upper() if ch.isupper() else pick
    return ch


def _edit_word(word: str, name: str, rng) -> str:
    if name == "char_typo":
        letters = [i for i, ch in enumerate(word) if ch.lower() in "".join(_KEYBOARD)]
        if not letters:
            return word
        i = letters[int(rng.integers(len(letters)))]
        return word[:i] + _neighbour(word[i], rng) + word[i + 1 :]
    if len(word) < 2 and name in ("char_swap", "char_delete"):
        return word
    if name == "char_swap":
        i = int(rng.integers(len(word) - 1))
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if name == "char_delete":
        i = int(rng.integers(len(word)))
        return word[:i] + word[i + 1 :]
    if name == "char_insert":
        i = int(rng.integers(len(word)))
        return word[: i + 1] + word[i] + word[i + 1 :]
    raise ValueError(f"unknown text corruption {name!r} (known: {', '.join(TEXT_CORRUPTIONS)})")


def corrupt_text(text: str, corruption: Corruption, rng) -> str:
    """The text with a severity-dependent share of its words edited (see the module docstring); text without
    words comes back as it is."""
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return text
    words = [text[a:b] for a, b in spans]
    gaps = [text[: spans[0][0]], *(text[spans[i][1] : spans[i + 1][0]] for i in range(len(spans) - 1)),
            text[spans[-1][1] :]]  # fmt: skip
    name = corruption.name
    count = min(max(1, round(TEXT_FRACTIONS[corruption.severity - 1] * len(words))),
                len(words) - (name == "word_delete"))  # never every word deleted
    if count < 1:
        return text
    chosen = sorted(int(i) for i in rng.choice(len(words), size=count, replace=False))
    if name.startswith("char_"):
        for i in chosen:
            words[i] = _edit_word(words[i], name, rng)
    elif name == "word_swap":
        for i in chosen:
            if i + 1 < len(words):
                words[i], words[i + 1] = words[i + 1], words[i]
    elif name == "word_delete":
        words = [w if i not in chosen else "" for i, w in enumerate(words)]
    elif name == "word_repeat":
        words = [f"{w} {w}" if i in chosen else w for i, w in enumerate(words)]
    else:
        raise ValueError(f"unknown text corruption {name!r} (known: {', '.join(TEXT_CORRUPTIONS)})")
    out = gaps[0]
    for word, gap in zip(words, gaps[1:]):
        if word or gap.strip(" "):  # a deleted word's spaces go with it; a line break stays
            out += word + gap
    return out
