"""A small synthetic LAMM-layout 2D data root for the tests and benchmarks (fast, hand-checkable values).

Every 2D meta-file schema of LAMM_Dataset is written (CIFAR-10, VOC2012 detection and locating, ScienceQA,
AI2D, Flickr30k, UCMerced, FSC147, SVT, CelebA smile and hair, LSP keypoints and locating) with real PNG images
drawn so that the ground truth is true of the picture (a red box where the VOC box is, N dots for a count of N,
the words of the OCR record written on the image).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from lamm_bench.demo.images import draw_boxes, draw_dots, draw_person, draw_text, plain

CIFAR = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
JOINTS = 14


def _write(meta_dir: Path, name: str, records: list[dict]) -> None:
    meta_dir.mkdir(parents=True, exist_ok=True)
    (meta_dir / f"{name}.json").write_text(json.dumps(records, indent=1) + "\n")


def write_mini_2d(root: Path, *, n: int = 6, seed: int = 0) -> Path:
    """Write ``root/2D_Benchmark`` with ``n`` records per meta file; returns ``root``."""
    rng = random.Random(seed)
    bench = Path(root) / "2D_Benchmark"
    meta = bench / "meta_file"
    _write(meta, "Classification_CIFAR10", _cifar(bench, rng, n))
    _write(meta, "VQA_SQAimage", _vqa(bench, rng, n, "sqaimage_images"))
    _write(meta, "VQA_AI2D", _vqa(bench, rng, n, "ai2d_images"))
    detection = _voc(bench, rng, n)
    _write(meta, "Detection_VOC2012", detection)
    _write(meta, "Locating_VOC2012", [{**r, "query": _LOCATE_Q} for r in detection])
    _write(meta, "Caption_flickr30k", _captions(bench, rng, n))
    _write(meta, "Fine-grained_Classification_UCMerced", _ucmerced(bench, rng, n))
    _write(meta, "Counting_FSC147", _counting(bench, rng, n))
    _write(meta, "OCR_SVT", _ocr(bench, rng, n))
    _write(meta, "Facial_Classification_CelebA(Smile)", _celeba(bench, rng, n, "smile"))
    _write(meta, "Facial_Classification_CelebA(Hair)", _celeba(bench, rng, n, "hair"))
    lsp = _lsp(bench, rng, n)
    _write(meta, "Keypoints_Detection_LSP", lsp)
    _write(meta, "Locating_LSP", [{**r, "query": _HUMAN_LOCATE_Q} for r in lsp])
    return Path(root)


_LOCATE_Q = (
    "Identify all the objects in the image and provide their positions. Your answer needs to give the object name "
    "and the position of the object. The position should be represented as [x, y], indicating the coordinates of "
    "the object in a normalized range of 0-1. "
)
_HUMAN_LOCATE_Q = (
    "Tell me the exact location of the hip key point for human body in the image.Please express the location as "
    "[x, y]. Both x and y are ratios between 0 and 1, indicating the position relative to the entire image."
)


def _cifar(bench: Path, rng: random.Random, n: int) -> list[dict]:
    out = []
    for i in range(n):
        label = CIFAR[i % len(CIFAR)]
        path = f"cifar10_images/{i}.png"
        plain(bench / path, (32, 32), rng)
        out.append({"id": i, "image": path, "label": label, "query": "What is the category label for this image? "})
    return out


def _vqa(bench: Path, rng: random.Random, n: int, folder: str) -> list[dict]:
    out = []
    for i in range(n):
        choices = rng.sample(["red", "green", "blue", "yellow", "purple", "orange"], k=2 + i % 4)
        gt = rng.randrange(len(choices))
        path = f"{folder}/{i}.png"
        plain(bench / path, (64, 48), rng)
        options = " ".join(f"({'ABCDE'[k]}) {c}" for k, c in enumerate(choices))
        query = f"Which color is shown? \nContext: a picture.\nOptions: {options}\n"
        out.append({"id": f"{folder[:3]}{i}", "image": path, "query": query, "gt_choice": gt, "gt_choices": choices})
    return out


def _voc(bench: Path, rng: random.Random, n: int) -> list[dict]:
    labels = ("person", "dog", "cat", "car", "bird", "chair", "boat", "horse")
    out = []
    for i in range(n):
        objects = []
        for _ in range(1 + i % 3):
            x1, y1 = rng.uniform(0, 0.5), rng.uniform(0, 0.5)
            box = [round(x1, 3), round(y1, 3), round(x1 + rng.uniform(0.1, 0.45), 3), round(y1 + rng.uniform(0.1, 0.45), 3)]
            objects.append({"label": rng.choice(labels), "bbox": box})
        path = f"voc2012_images/{i}.png"
        draw_boxes(bench / path, (80, 60), [o["bbox"] for o in objects])
        query = (
            "Identify all the objects in the image and provide their positions. Your answer needs to give the object "
            "name and the bounding box of the object. The bounding box should be represented as [x1, y1, x2, y2] with "
            "floating numbers ranging from 0 to 1. These values correspond to the top left x, top left y, bottom right "
            "x, and bottom right y. "
        )
        out.append({"id": i, "image": path, "query": query, "object": objects})
    return out


def _captions(bench: Path, rng: random.Random, n: int) -> list[dict]:
    nouns = ("dog", "man", "woman", "child", "bicycle", "ball")
    out = []
    for i in range(n):
        noun = nouns[i % len(nouns)]
        sentences = [f"A {noun} is playing in the park.", f"The {noun} runs on green grass.",
                     f"A {noun} outside on a sunny day.", f"There is a {noun} in the picture.",
                     f"A happy {noun} in a park."]  # fmt: skip
        path = f"flickr30k_images/{i}.png"
        plain(bench / path, (64, 48), rng)
        out.append({"id": i, "image": path, "query": "What is the caption of this image?", "sentences": sentences})
    return out


def _ucmerced(bench: Path, rng: random.Random, n: int) -> list[dict]:
    classes = ("agricultural", "airplane", "baseballdiamond", "beach", "buildings", "forest", "harbor", "river")
    out = []
    for i in range(n):
        path = f"ucmerced_images/{i}.png"
        plain(bench / path, (64, 64), rng)
        out.append({"id": i, "image": path, "label": classes[i % len(classes)],
                    "query": "What is the fine-grained category label for this image? "})  # fmt: skip
    return out


def _counting(bench: Path, rng: random.Random, n: int) -> list[dict]:
    objects = ("apples", "birds", "cars", "bottles")
    out = []
    for i in range(n):
        num = [3, 7, 12, 1, 25, 9][i % 6]
        path = f"fsc147_images/{i}.png"
        draw_dots(bench / path, (96, 72), num, rng)
        noun = objects[i % len(objects)]
        out.append({"id": i, "image": path, "num": num,
                    "query": f"How many {noun} are there in this image?Your answer should be a numerical result."})  # fmt: skip
    return out


def _ocr(bench: Path, rng: random.Random, n: int) -> list[dict]:
    words = ("HOTEL", "PIZZA", "BANK", "COFFEE", "STREET", "PARKING", "OPEN")
    out = []
    for i in range(n):
        chosen = rng.sample(words, k=1 + i % 3)
        path = f"svt_images/{i}.png"
        draw_text(bench / path, (120, 40), " ".join(chosen))
        out.append({"id": i, "image": path, "word_list": chosen,
                    "query": "Please recognize all the words or phrases in the entire image.Your answer must be a list of words. "})  # fmt: skip
    return out


def _celeba(bench: Path, rng: random.Random, n: int, kind: str) -> list[dict]:
    out = []
    for i in range(n):
        path = f"celeba_images/{kind}_{i}.png"
        plain(bench / path, (48, 60), rng)
        if kind == "smile":
            attr, query = ("1" if i % 2 else "-1"), "Is the person in the image smiling?"
        else:
            attr, query = ("black", "blond", "brown", "gray")[i % 4], "What is the hair color of the person in the image?"
        out.append({"id": i, "image": path, "attr": attr, "query": query})
    return out


def _lsp(bench: Path, rng: random.Random, n: int) -> list[dict]:
    out = []
    for i in range(n):
        w, h = 60 + 10 * i, 90
        joints = [[round(rng.uniform(0.2, 0.8) * w, 1), round(rng.uniform(0.1, 0.9) * h, 1), 1] for _ in range(JOINTS)]
        path = f"lsp_images/{i}.png"
        draw_person(bench / path, (w, h), [(x, y) for x, y, _ in joints])
        query = (
            "Tell me the exact location of the {} key point for human body in the image.Please express the location "
            "as [x, y]. Both x and y are ratios between 0 and 1, indicating the position relative to the entire image."
        )
        out.append({"id": i, "image": path, "query": query, "gt_joints": joints})
    return out
