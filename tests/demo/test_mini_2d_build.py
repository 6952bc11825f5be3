"""lamm-mini's 2D half, built for real: it loads through the engine (``lamm-bench data check``) with the declared
counts, its ground truth is true of the pictures where that can be checked from pixels, and the train split never
shows a test image."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli
from PIL import Image

from lamm_bench import registry
from lamm_bench.demo.build import INSTRUCT_FILES, build_lamm_mini, plan

TASKS_2D = [t for t in registry.builtin_tasks().values()
            if t.modality == "2d" and all(m.startswith("2D_Benchmark/") for m in t.meta_files)]  # fmt: skip
"""The 2D tasks on LAMM's meta files (ChEF's own formats: ``tests/demo/test_mini_chef.py``)."""
META = "2D_Benchmark/meta_file/"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """The full-scale 2D lamm-mini (about 3,000 small PNGs; a few seconds)."""
    out = tmp_path_factory.mktemp("mini2d")
    build_lamm_mini(out, TASKS_2D, seed=0)
    return out


def _records(root: Path, stem: str) -> list[dict]:
    return json.loads((root / META / f"{stem}.json").read_text())


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def _digest(path: Path) -> str:
    image = Image.open(path).convert("RGB")
    return hashlib.sha256(repr(image.size).encode() + image.tobytes()).hexdigest()


def test_a_small_build_passes_data_check_with_the_scaled_counts(tmp_path):
    counts = build_lamm_mini(tmp_path, TASKS_2D, seed=3, scale=0.1)
    assert {k: v for k, v in counts.items() if k.startswith(META)} == {p.meta_file: 5 for p in plan(TASKS_2D)}
    names = ",".join(t.name for t in TASKS_2D)
    done = run_cli("data", "check", "--data-root", str(tmp_path), "--task", names, "--no-progress")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert all(t.name in done.stdout for t in TASKS_2D)


def test_the_full_build_has_the_declared_counts_and_loads_for_every_task(root):
    from lamm_bench.data import load_samples

    for item in plan(TASKS_2D):
        assert len(json.loads((root / item.meta_file).read_text())) == item.source.n_test == 50
    for task in TASKS_2D:
        samples, _ = load_samples(task, root)
        # a desideratum of several runs asks each run about the same 50 items
        assert len(samples) == 50 * (len(task.answer_runs) or len(task.meta_files)), task.name
    instructions = json.loads((root / INSTRUCT_FILES["2d"]).read_text())
    lsp, vqa = 60 * 14, 2 * 200 * 2  # 14 joints per figure; VQA: the paper's two requests per question
    assert len(instructions) == lsp + vqa + 200 * 10  # the other 10 files: one turn per record
    assert all((root / "2D_Instruct" / r["image"]).is_file() for r in instructions)
    done = run_cli("data", "check", "--data-root", str(root), "--task", ",".join(t.name for t in TASKS_2D),
                   "--no-progress")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_train_and_test_share_no_image(root):
    test = {_digest(p) for p in (root / "2D_Benchmark").rglob("*.png")}
    train = {_digest(p) for p in (root / "2D_Instruct").rglob("*.png")}
    assert len(test) > 500 and len(train) > 2000
    assert test & train == set()


def _box(mask: np.ndarray) -> list[float]:
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return [xs.min() / w, ys.min() / h, (xs.max() + 1) / w, (ys.max() + 1) / h]


def test_detection_and_locating_boxes_are_the_shape_pixels(root):
    for stem in ("Detection_VOC2012", "Locating_VOC2012"):
        for record in _records(root, stem):
            pixels = _pixels(root / "2D_Benchmark" / record["image"])
            contrast = np.abs(pixels - pixels[0, 0]).max(axis=2)
            outer = _box(contrast > 0)  # every pixel touched by the shape, its faint anti-aliased rim included
            core = _box(contrast > 0.9 * contrast.max())  # the shape's full-colour pixels
            (obj,) = record["object"]
            x1, y1, x2, y2 = obj["bbox"]
            assert obj["label"] in ("circle", "rectangle", "triangle")
            eps = 0.001  # the box is written with 3 decimals
            assert outer[0] - eps <= x1 <= core[0] + eps and outer[1] - eps <= y1 <= core[1] + eps, record["id"]
            assert core[2] - eps <= x2 <= outer[2] + eps and core[3] - eps <= y2 <= outer[3] + eps, record["id"]


def test_classification_labels_and_vqa_answers_are_easy_vqa_own(root):
    from lamm_bench.demo import packaged

    by_digest = {}
    for item in packaged.easy_vqa_images("test"):
        image = packaged.easy_vqa_image("test", item.index)
        by_digest[hashlib.sha256(repr(image.size).encode() + image.tobytes()).hexdigest()] = item
    for record in _records(root, "Classification_CIFAR10"):
        item = by_digest[_digest(root / "2D_Benchmark" / record["image"])]  # a real easy-vqa test image
        said = {answer for _, answer in item.questions if answer in packaged.SHAPES}
        assert said <= {record["label"]} and record["label"] == item.shape
    for record in _records(root, "VQA_SQAimage"):
        item = by_digest[_digest(root / "2D_Benchmark" / record["image"])]
        question = record["query"].split(" \nOptions:")[0]
        answers = {a for q, a in item.questions if q == question[0].lower() + question[1:]}
        assert answers == {record["gt_choices"][record["gt_choice"]]}


def test_digit_labels_are_the_digits_drawn(root):
    from lamm_bench.demo import packaged

    _, targets = packaged._digits()
    ink = {"VQA_AI2D": (20, 20, 20), "Fine-grained_Classification_UCMerced": (24, 70, 32)}
    for stem, colour in ink.items():
        by_digest = {}
        for index, _ in packaged.digits("test"):
            image = packaged.digit_image(index, ink=colour)
            by_digest[hashlib.sha256(repr(image.size).encode() + image.tobytes()).hexdigest()] = index
        for record in _records(root, stem):
            digit = int(targets[by_digest[_digest(root / "2D_Benchmark" / record["image"])]])
            shown = record.get("label") or record["gt_choices"][record["gt_choice"]]
            assert shown == (packaged.DIGIT_WORDS[digit] if "label" in record else str(digit))


def test_a_counting_image_shows_that_many_coins(root):
    from scipy import ndimage as ndi

    from lamm_bench.demo.packaged import COIN_BACKGROUND

    for record in _records(root, "Counting_FSC147"):
        pixels = _pixels(root / "2D_Benchmark" / record["image"])
        coin = ndi.binary_fill_holes((pixels != COIN_BACKGROUND).any(axis=2))
        labels, n = ndi.label(coin)
        sizes = np.bincount(labels.ravel())[1:]
        assert int((sizes >= 20).sum()) == record["num"], record["id"]
        assert 1 <= record["num"] <= 9


def test_faces_show_the_attribute_asked_about(root):
    from lamm_bench.demo.images import HAIR_COLOURS

    smile_mouth = np.array((150, 30, 40))
    smiles = _records(root, "Facial_Classification_CelebA(Smile)")
    assert {r["attr"] for r in smiles} == {"1", "-1"}
    for record in smiles:
        pixels = _pixels(root / "2D_Benchmark" / record["image"])
        assert (pixels == smile_mouth).all(axis=2).any() == (record["attr"] == "1"), record["id"]
    for record in _records(root, "Facial_Classification_CelebA(Hair)"):
        pixels = _pixels(root / "2D_Benchmark" / record["image"])
        area = {name: int((pixels == np.array(rgb)).all(axis=2).sum()) for name, rgb in HAIR_COLOURS.items()}
        assert max(area, key=area.get) == record["attr"] and area[record["attr"]] > 50, record["id"]


def test_stick_figure_joints_lie_on_the_drawn_limbs_of_their_side(root):
    from lamm_bench.metrics.keypoints import LSP_JOINTS

    for stem in ("Keypoints_Detection_LSP", "Locating_LSP"):
        for record in _records(root, stem):
            pixels = _pixels(root / "2D_Benchmark" / record["image"])
            for name, (x, y, _) in zip(LSP_JOINTS, record["gt_joints"]):
                near = pixels[max(0, round(y) - 2): round(y) + 3, max(0, round(x) - 2): round(x) + 3].reshape(-1, 3)
                red = ((near[:, 0] > 150) & (near[:, 2] < 80)).any()
                blue = ((near[:, 2] > 150) & (near[:, 0] < 80)).any()
                dark = (near.max(axis=1) < 60).any()
                if name.split()[-1] in ("ankle", "knee", "wrist", "elbow"):
                    assert red if name.startswith("right") else blue, (record["id"], name)
                else:
                    assert red or blue or dark, (record["id"], name)
