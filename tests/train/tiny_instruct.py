"""A tiny LAMM instruction set in the real layout (``root/meta_file/instruct.json`` + ``root/images/*.png``).

Records are multi-turn conversations about coloured-square images, with task types that select different system
messages; the answers depend on the image, so a model can only lower its loss by learning. ``write_point_clouds``
adds ``pcl`` records for 3D runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 220), "yellow": (230, 220, 30)}


def records(n: int = 8) -> list[dict]:
    """``n`` records (multi-turn ones every other record), images named ``images/<i>.png``."""
    names = list(COLOURS)
    out = []
    for i in range(n):
        colour = names[i % len(names)]
        conversations = [
            {"from": "human", "value": "<image>\nWhat is in the image?"},
            {"from": "gpt", "value": f"A {colour} square."},
        ]
        if i % 2:
            conversations += [
                {"from": "human", "value": "Which colour is it?"},
                {"from": "gpt", "value": f"It is {colour}."},
            ]
        out.append({"id": str(i), "image": f"images/{i}.png", "conversations": conversations,
                    "task_type": ("conversation", "detection", "normal", "VQA")[i % 4], "src_image": "tiny"})
    return out


def write_instruct(root: Path, n: int = 8) -> Path:
    """Write the images and ``meta_file/instruct.json`` under ``root``; returns the meta file."""
    from PIL import Image

    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "meta_file").mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    data = records(n)
    for i, record in enumerate(data):
        colour = COLOURS[list(COLOURS)[i % len(COLOURS)]]
        pixels = rng.integers(0, 40, (64, 80, 3), dtype=np.uint8)
        pixels[12:52, 20:60] = colour
        Image.fromarray(pixels).save(root / record["image"])
    meta = root / "meta_file" / "instruct.json"
    meta.write_text(json.dumps(data, indent=1))
    return meta


def write_point_clouds(root: Path, n: int = 4) -> Path:
    """Write ``n`` point-cloud records (``pcls/<i>.npy``, boxes or spheres) and ``meta_file/instruct3d.json``."""
    (root / "pcls").mkdir(parents=True, exist_ok=True)
    (root / "meta_file").mkdir(exist_ok=True)
    rng = np.random.default_rng(1)
    data = []
    for i in range(n):
        shape = ("box", "sphere")[i % 2]
        points = rng.uniform(-1, 1, (3000, 3)).astype(np.float32)
        if shape == "sphere":
            points /= np.linalg.norm(points, axis=1, keepdims=True)
        np.save(root / "pcls" / f"{i}.npy", points + 2.0)
        data.append({"pcl": f"pcls/{i}.npy", "task_type": "classification3d", "src_dataset": "tiny",
                     "conversations": [{"from": "human", "value": "<pcl>\nWhat shape is this?"},
                                       {"from": "gpt", "value": f"A {shape}."}]})
    meta = root / "meta_file" / "instruct3d.json"
    meta.write_text(json.dumps(data, indent=1))
    return meta
