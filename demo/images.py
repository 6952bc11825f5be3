"""lamm-mini's drawn scenes (faces, stick figures, sign words) as PIL images, drawn from a seeded generator only; the
sources save them through ``MiniContext.save_image``."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from PIL import Image, ImageDraw

HAIR_COLOURS = {"black": (28, 24, 22), "blond": (232, 204, 120), "brown": (112, 72, 36), "gray": (165, 165, 165)}
"""CelebA-style hair colour words and the colour a face's hair is painted in."""
_SKIN = ((241, 200, 170), (224, 172, 130), (190, 140, 100), (141, 95, 65))


def draw_face(rng: random.Random, *, smiling: bool, hair: str, size: tuple[int, int] = (64, 80)) -> Image.Image:
    """A cartoon head and shoulders: hair of colour ``hair`` (a ``HAIR_COLOURS`` key), two eyes, and a mouth that
    is an upward arc when ``smiling`` else a straight or drooping line."""
    w, h = size
    image = Image.new("RGB", size, tuple(rng.randrange(150, 256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    cx, cy = w / 2 + rng.uniform(-4, 4), h * 0.45 + rng.uniform(-3, 3)
    rx, ry = w * rng.uniform(0.26, 0.31), h * rng.uniform(0.27, 0.31)
    hair_rgb, skin = HAIR_COLOURS[hair], rng.choice(_SKIN)
    draw.ellipse([cx - rx - 10, h - 14, cx + rx + 10, h + 20], fill=tuple(rng.randrange(40, 200) for _ in range(3)))
    long_hair = rng.random() < 0.5
    draw.ellipse([cx - rx - 4, cy - ry - 6, cx + rx + 4, cy + ry * 0.2], fill=hair_rgb)
    if long_hair:  # falls beside the face to the shoulders, not under the chin
        draw.rectangle([cx - rx - 4, cy - ry * 0.2, cx + rx + 4, cy + ry * 0.9], fill=hair_rgb)
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=skin)
    draw.chord([cx - rx, cy - ry - 2, cx + rx, cy + ry * 0.1], 180, 360, fill=hair_rgb)  # the fringe
    eye_y, eye_dx = cy + ry * 0.15, rx * 0.42
    for ex in (cx - eye_dx, cx + eye_dx):
        draw.ellipse([ex - 2.5, eye_y - 2.5, ex + 2.5, eye_y + 2.5], fill=(30, 30, 30))
    mouth_y, mouth_w = cy + ry * 0.55, rx * rng.uniform(0.45, 0.6)
    if smiling:
        draw.chord([cx - mouth_w, mouth_y - 5, cx + mouth_w, mouth_y + 5], 0, 180, fill=(150, 30, 40))
    else:
        droop = rng.choice((0.0, 2.0))
        line = [cx - mouth_w, mouth_y + droop, cx, mouth_y, cx + mouth_w, mouth_y + droop]
        draw.line(line, fill=(120, 40, 40), width=2)
    return image


STICK_FIGURE_SIZE = (96, 128)
"""(width, height) of a stick-figure image."""
_BONES = ((0, 1), (1, 2), (3, 4), (4, 5), (6, 7), (7, 8), (9, 10), (10, 11), (2, 3), (8, 9))  # the head is a circle
_RIGHT, _LEFT = (200, 30, 30), (30, 60, 200)  # the person's right side red, left side blue (image left is their right)


def stick_figure_joints(rng: random.Random, size: tuple[int, int] = STICK_FIGURE_SIZE) -> list[tuple[float, float]]:
    """The 14 LSP joints (LSP order: right ankle ... head top) of a random upright person facing the viewer, px."""
    w, h = size
    cx, neck_y = rng.uniform(0.38, 0.62) * w, rng.uniform(0.24, 0.3) * h
    head = (cx + rng.uniform(-3, 3), neck_y - rng.uniform(16, 20))
    pelvis_y = neck_y + rng.uniform(30, 36)
    shoulders = [(cx - side * rng.uniform(9, 12), neck_y + 2) for side in (1, -1)]
    hips = [(cx - side * rng.uniform(6, 8), pelvis_y) for side in (1, -1)]

    def limb(start, side, lengths, spread):
        points, (x, y) = [], start
        for length in lengths:
            angle = math.radians(rng.uniform(*spread))  # from straight down, outwards for positive
            x, y = x - side * length * math.sin(angle), y + length * math.cos(angle)
            points.append((min(max(x, 2.0), w - 2.0), min(max(y, 2.0), h - 2.0)))
        return points

    arms = [limb(shoulders[k], side, (14, 13), (5, 80)) for k, side in enumerate((1, -1))]
    legs = [limb(hips[k], side, (20, 19), (0, 25)) for k, side in enumerate((1, -1))]
    (r_knee, r_ankle), (l_knee, l_ankle) = legs
    (r_elbow, r_wrist), (l_elbow, l_wrist) = arms
    return [r_ankle, r_knee, hips[0], hips[1], l_knee, l_ankle, r_wrist, r_elbow, shoulders[0],
            shoulders[1], l_elbow, l_wrist, (cx, neck_y), head]  # fmt: skip


def draw_stick_figure(joints: Sequence[tuple[float, float]], size: tuple[int, int] = STICK_FIGURE_SIZE) -> Image.Image:
    """A stick figure through the 14 LSP joints: right limbs red, left limbs blue, trunk and head black."""
    image = Image.new("RGB", size, (246, 244, 236))
    draw = ImageDraw.Draw(image)
    neck, top = joints[12], joints[13]
    pelvis = ((joints[2][0] + joints[3][0]) / 2, joints[2][1])
    draw.line([neck, pelvis], fill=(20, 20, 20), width=3)
    for a, b in _BONES:
        colour = _RIGHT if a in (0, 1, 6, 7) else _LEFT if a in (3, 4, 9, 10) else (20, 20, 20)
        draw.line([joints[a], joints[b]], fill=colour, width=3)
    r = math.dist(neck, top) / 2
    centre = ((neck[0] + top[0]) / 2, (neck[1] + top[1]) / 2)
    draw.ellipse([centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r], outline=(20, 20, 20), width=2)
    return image


def draw_words(words: Sequence[str], rng: random.Random, size: tuple[int, int] = (160, 48)) -> Image.Image:
    """``words`` on one line in Pillow's bundled font, dark on a pale sign colour, at a random offset."""
    from PIL import ImageFont

    font = ImageFont.load_default(size=16)
    image = Image.new("RGB", size, tuple(rng.randrange(200, 256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    text = " ".join(words)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = rng.uniform(2, max(2.0, size[0] - (right - left) - 4)) - left
    y = rng.uniform(2, max(2.0, size[1] - (bottom - top) - 4)) - top
    draw.text((x, y), text, fill=tuple(rng.randrange(0, 90) for _ in range(3)), font=font)
    return image
