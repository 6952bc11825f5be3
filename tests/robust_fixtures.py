"""A hand-made data root for ChEF's robustness tasks: two ScienceQA records and two MMBench rows, with or without
ChEF's corrupted copies (``ChEF/ScienceQA_C``, ``ChEF/MMBench_C``) laid out as ``d01093c`` reads them."""

from __future__ import annotations

import json
from pathlib import Path

SQA_RECORDS = [
    {"id": "q1", "image": "sqa/1.png", "query": "Which colour is the tile?\nContext: a tile.\nOptions: (A) red (B) blue\n",
     "gt_choice": 0, "gt_choices": ["red", "blue"]},
    {"id": "q2", "image": "sqa/2.png", "query": "Which shape is it?\nOptions: (A) circle (B) square (C) star\n",
     "gt_choice": 2, "gt_choices": ["circle", "square", "star"]},
]
SQA_C_RECORDS = [
    {"id": "q1", "image": "sqa/1.png", "query": "Whcih colour is teh tile?\nContext: a tile.\nOptions: (A) red (B) blue\n",
     "gt_choice": 0, "gt_choices": ["red", "blue"]},
    {"id": "q2", "image": "sqa/2.png", "query": "shape Which is it?\nOptions: (A) circle (B) square (C) star\n",
     "gt_choice": 2, "gt_choices": ["circle", "square", "star"]},
]
MMBENCH_TSV = ("index\tquestion\thint\tA\tB\tC\tanswer\timage\n"
               "3\tWhat colour?\tA tile.\tred\tblue\t\tB\tx\n"
               "7\tWhat shape?\t\tcircle\tsquare\tstar\tA\tx\n")  # fmt: skip
MMBENCH_C = [
    {"query": "A tiel. What colour? There are several options: (A) red (B) blue ", "gt_choices": ["red", "blue"],
     "gt_choice": 1},
    {"query": "What shaep? There are several options: (A) circle (B) square (C) star ",
     "gt_choices": ["circle", "square", "star"], "gt_choice": 0},
]


def _png(path: Path, colour: tuple[int, int, int]) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (24, 16), colour)
    image.putpixel((3, 4), (255, 255, 255))
    image.save(path, format="PNG")


def write_root(root: Path, *, with_c: bool) -> Path:
    """The data root (every image a different colour, so a path mix-up shows)."""
    meta = root / "2D_Benchmark/meta_file/VQA_SQAimage.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps(SQA_RECORDS))
    for i, record in enumerate(SQA_RECORDS):
        _png(root / "2D_Benchmark" / record["image"], (200, 20 * i, 10))
    (root / "MMBench/images").mkdir(parents=True)
    (root / "MMBench/mmbench_dev_20230712.tsv").write_text(MMBENCH_TSV)
    for i, index in enumerate((3, 7)):
        _png(root / f"MMBench/images/mmbench_image_{index}.png", (10, 200, 30 * i))
    if with_c:
        (root / "ChEF/ScienceQA_C").mkdir(parents=True)
        (root / "ChEF/ScienceQA_C/VQA_ScienceQA_C.json").write_text(json.dumps(SQA_C_RECORDS))
        for i, record in enumerate(SQA_C_RECORDS):
            _png(root / "ChEF/ScienceQA_C" / record["image"], (90, 90, 20 * i))
        (root / "ChEF/MMBench_C").mkdir(parents=True)
        (root / "ChEF/MMBench_C/MMBench_C.json").write_text(json.dumps(MMBENCH_C))
        for row in range(2):
            _png(root / f"ChEF/MMBench_C/images/{row}.png", (40, 40, 100 + row))
    return root
