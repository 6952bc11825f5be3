"""lamm-mini's caption photos: twelve pictures shipped in scikit-image (CC0 / public domain, per its docstrings)
and matplotlib (``grace_hopper.jpg``, a US Navy photograph, public domain), each with five captions written by hand
from the picture and true of any large crop or mirror image of it. Nothing is read on import."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

from lamm_bench.demo.packaged import split_name


@dataclass(frozen=True)
class Photo:
    """A photo shipped in a package, with five captions true of any large crop or mirror image of it."""

    name: str
    captions: tuple[str, str, str, str, str]


PHOTOS = (
    Photo("astronaut", ("An astronaut in an orange suit smiles for a portrait.",
                        "A smiling woman in an orange space suit.",
                        "An astronaut poses in front of an American flag.",
                        "A woman astronaut with short hair wearing an orange suit.",
                        "Portrait of a smiling astronaut next to a helmet.")),
    Photo("chelsea", ("A close up of a tabby cat looking at the camera.",
                      "A cat with green eyes stares ahead.",
                      "The face of a striped brown cat.",
                      "A tabby cat with pointed ears and long whiskers.",
                      "A cat looks straight at the viewer.")),
    Photo("coffee", ("A cup of coffee on a red saucer.",
                     "A small cup of espresso with a spoon on a wooden table.",
                     "A red and white coffee cup on a saucer.",
                     "Coffee served in a cup with a spoon on the saucer.",
                     "A cup of espresso on a wooden table.")),
    Photo("rocket", ("A rocket stands on the launch pad at dusk.",
                     "A white rocket between launch towers under a blue sky.",
                     "A rocket ready for launch with lights on the ground.",
                     "Launch towers and a rocket in the evening.",
                     "A tall white rocket on a launch pad.")),
    Photo("camera", ("A man looks through a camera on a tripod.",
                     "A black and white photo of a man with a camera.",
                     "A photographer in a dark coat stands in a field.",
                     "A man taking a picture with a camera on a tripod.",
                     "A man in a coat films with an old camera.")),
    Photo("horse", ("A black silhouette of a horse.",
                    "A horse drawn in black on a white background.",
                    "The shape of a standing horse.",
                    "A black horse shape with a long tail.",
                    "A silhouette of a horse standing still.")),
    Photo("coins", ("Many old coins laid out in rows.",
                    "A black and white photo of ancient coins.",
                    "Rows of silver coins on a dark background.",
                    "A collection of old coins in a grid.",
                    "Coins of different sizes on a dark surface.")),
    Photo("hubble_deep_field", ("Many galaxies in a dark sky.",
                                "A deep view of space full of small galaxies.",
                                "Colourful points of light on a black background.",
                                "A telescope image of distant galaxies.",
                                "Hundreds of tiny galaxies in deep space.")),
    Photo("retina", ("A photo of the back of a human eye.",
                     "An orange retina with red blood vessels.",
                     "A round image of a retina on a black background.",
                     "Blood vessels spread across the retina of an eye.",
                     "A medical image of the inside of an eye.")),
    Photo("grace_hopper", ("A portrait of an older woman in a navy uniform.",
                           "A woman with glasses wearing a military cap.",
                           "An officer in a dark uniform in front of a flag.",
                           "A smiling woman in uniform with medals.",
                           "A navy officer with glasses and a white cap.")),
    Photo("brick", ("A grey brick wall.",
                    "Rows of long bricks seen from the front.",
                    "A black and white photo of a brick pavement.",
                    "Bricks laid in a regular pattern.",
                    "A close view of grey bricks and mortar.")),
    Photo("grass", ("A close up of short grass.",
                    "A black and white photo of grass.",
                    "Blades of grass covering the ground.",
                    "A lawn seen from above.",
                    "Grass and small leaves on the ground.")),
)  # fmt: skip
"""The caption photos: scikit-image's data (CC0 or public domain, per its docstrings) and matplotlib's
``grace_hopper.jpg`` (US Navy, public domain)."""


@functools.lru_cache(maxsize=16)
def photo(name: str):
    """A caption photo as an RGB PIL image, at most 256 px on its long side."""
    from PIL import Image

    if name == "grace_hopper":
        import matplotlib.cbook

        with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
            image = Image.open(f).convert("RGB")
    else:
        import numpy as np
        from skimage import data

        pixels = np.asarray(getattr(data, name)())
        if pixels.dtype == bool:
            pixels = np.where(pixels, 0, 255).astype(np.uint8)  # skimage's horse is True on the silhouette
        image = Image.fromarray(pixels).convert("RGB")
    image.thumbnail((256, 256), Image.LANCZOS)
    return image


def photo_crop(image, rng: random.Random, split: str, width: int = 128):
    """A crop keeping 80-95% of each side (left edge at an even pixel for test, odd for train, so the two splits
    never share a crop), mirrored half of the time, resized to ``width`` px wide."""
    from PIL import Image

    w, h = image.size
    cw, ch = round(w * rng.uniform(0.8, 0.95)), round(h * rng.uniform(0.8, 0.95))
    x0 = 2 * rng.randrange(max(1, (w - cw) // 2)) + (0 if split_name(split) == "test" else 1)
    y0 = rng.randrange(h - ch + 1)
    crop = image.crop((x0, y0, x0 + cw, y0 + ch))
    if rng.random() < 0.5:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
    return crop.resize((width, max(1, round(width * crop.size[1] / crop.size[0]))), Image.LANCZOS)
