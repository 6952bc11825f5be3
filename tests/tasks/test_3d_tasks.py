"""The LAMM 3D tasks end to end below the runner: system messages, lamm-mini's 3D files, requests, scoring."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from lamm_bench import registry
from lamm_bench.data import load_samples
from lamm_bench.demo import scenes3d
from lamm_bench.demo.build import build_lamm_mini
from lamm_bench.errors import UserError
from lamm_bench.metrics import higher_is_better
from lamm_bench.records import Sample
from lamm_bench.plan import build_stage

PAPER = ("scannet-det", "scanrefer", "scanqa")
CHEF = ("scannet-det-chef", "scanrefer-chef", "scanqa-chef")

# Transcribed independently from OpenGVLab/LAMM src/datasets/system_msg.py (paper era, stored at 83fbcb1) and
# src/ChEF/scenario/lamm_sysmsg.py (ChEF era, stored at a376289).
_HEAD = (
    "\nYou are a multimodal language model. You are able to understand the visual content that the user provides, "
    "and assist the user with a variety of tasks using natural language.\n"
)
DETECTION3D = _HEAD + (
    "You are now performing an object detection task, and your goal is to locate all instances of objects in a "
    "point cloud, such as furniture, transportations, or other objects, and give the corresponding coordinates. "
    "These coordinates are in the form of bounding boxes, represented as (x1, y1, z1, length, width, height) with "
    "floating numbers in unit of meters. These values correspond to the center x, center y, center z, bounding box "
    "length, bounding box width and bounding box height. To generate accurate answers, you must be able to "
    "understand the content of point clouds and comprehend the meaning of questions.\n"
)
VG3D = _HEAD + (
    "You are now performing an visual grounding task, and your goal is to locate the instances of objects I want "
    "with the given description in a point cloud, such as furniture, or other objects, and give the corresponding "
    "coordinates. These coordinates are in the form of bounding boxes, represented as BOX with floating numbers in "
    "unit of meters. These values correspond to the center x, center y, center z, bounding box length, bounding "
    "box width and bounding box height. To generate accurate answers, you must be able to understand the content "
    "of point clouds and comprehend the meaning of questions.\n"
)
VQA3D = _HEAD + (
    "You are now performing an visual WORD and answering task, and your goal is to generate natural language "
    "answers that accurately solve the question. In order to generate accurate answers to questions about visual "
    "content, you must be able to understand the content of point cloud, understand the meaning of questions, and "
    "perform complex reasoning processes.\n"
)
EXPECTED_SYSTEM = {
    "scannet-det": DETECTION3D,
    "scannet-det-chef": DETECTION3D,
    "scanrefer": VG3D.replace("BOX", "[x1, y1, z1, length, width, height]"),
    "scanrefer-chef": VG3D.replace("BOX", "[x, y, z, length, width, height]"),
    "scanqa": VQA3D.replace("WORD", "questioon"),
    "scanqa-chef": VQA3D.replace("WORD", "question"),
}


@pytest.fixture(scope="module")
def root(mini_root) -> Path:
    """lamm-mini at the session's small scale: 4 records in each 3D meta file."""
    return mini_root


def task(name):
    return registry.get_task(name)


def samples(name, root):
    return load_samples(task(name), root)[0]


# ---------------------------------------------------------------- registration and specs


def test_tasks_and_groups_are_registered():
    assert set(PAPER + CHEF) <= set(registry.tasks())
    assert registry.groups()["lamm3d"] == PAPER
    assert registry.groups()["lamm3d-chef"] == CHEF
    assert [t.name for t in registry.resolve_tasks(["lamm3d"])] == list(PAPER)


@pytest.mark.parametrize("name", PAPER + CHEF)
def test_spec_basics(name):
    spec = task(name)
    assert spec.modality == "3d" and spec.version == "1"
    assert spec.protocol == ("chef" if name.endswith("-chef") else "paper")
    assert spec.system_message == EXPECTED_SYSTEM[name]
    assert spec.extra["num_points"] == 40_000
    empty = spec.aggregate([])
    assert spec.paper_metric[1] in empty
    for metric in empty:
        higher_is_better(metric)  # every reported metric has a registered direction


# ---------------------------------------------------------------- lamm-mini's 3D files


def test_mini_root_loads_for_every_task(root):
    assert len(samples("scannet-det", root)) == 4  # 30 test scenes x 0.12
    refer = samples("scanrefer", root)
    qa = samples("scanqa-chef", root)
    assert refer[0].id == "vg0" and refer[0].source == "VG_ScanRefer"
    assert any(len(s.target["gt_choices"]) == 6 for s in qa)  # "how many objects": options 1 to 6, so F is offered
    for s in refer + qa:
        assert Path(s.point_cloud).is_absolute() and Path(s.point_cloud).is_file()
        assert "pcl" not in s.target and "query" not in s.target


def test_mini_gt_boxes_contain_their_objects(root):
    for sample in samples("scannet-det", root):
        points = np.load(sample.point_cloud)
        objects = sample.target["object"]
        # the cloud is the floor's points, then each object's, in the order of the ground truth
        assert points.shape == (scenes3d.FLOOR_POINTS + len(objects) * scenes3d.OBJECT_POINTS, 6)
        assert points[:, 3:].min() >= 0 and points[:, 3:].max() <= 255
        assert {o["label"] for o in objects} <= set(scenes3d.LABELS)
        xyz = points[:, :3].astype(np.float64)
        covered = np.zeros(len(xyz), dtype=bool)
        for k, obj in enumerate(objects):
            c, s = np.array(obj["bbox"][:3]), np.array(obj["bbox"][3:])
            inside = np.all(np.abs(xyz - c) <= s / 2 + 1e-5, axis=1)  # float32 storage: 1e-5 slack
            start = scenes3d.FLOOR_POINTS + k * scenes3d.OBJECT_POINTS
            assert inside[start : start + scenes3d.OBJECT_POINTS].all(), obj["label"]  # all of the object is in its box
            covered |= inside
        floor = xyz[:, 2] < scenes3d.FLOOR_TOP + 0.001
        assert floor.sum() == scenes3d.FLOOR_POINTS
        assert covered[~floor].all()  # every object point is inside some ground-truth box
        assert not covered[floor].any()  # and no floor point is


def _digest(path: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file())).hexdigest()


def test_mini_root_is_deterministic(tmp_path, root):
    tasks = [task(name) for name in PAPER]
    build_lamm_mini(tmp_path / "a", tasks, seed=0, scale=0.12)
    build_lamm_mini(tmp_path / "b", tasks, seed=1, scale=0.12)
    assert _digest(tmp_path / "a/3D_Benchmark") == _digest(root / "3D_Benchmark")
    assert _digest(tmp_path / "b/3D_Benchmark") != _digest(root / "3D_Benchmark")


# ---------------------------------------------------------------- requests


@pytest.mark.parametrize(("name", "tokens"), [("scannet-det", 800), ("scanrefer", 800), ("scannet-det-chef", 128),
                                              ("scanrefer-chef", 128), ("scanqa-chef", 128)])  # fmt: skip
def test_single_stage_requests(root, name, tokens):
    spec = task(name)
    sample = samples(name, root)[0]
    assert len(spec.stages) == 1
    (request,) = build_stage(spec, 0, sample, {}, 11)
    assert request.kind == "generate" and request.text == sample.query
    assert request.system == spec.system_message
    assert request.point_cloud == sample.point_cloud and request.images == ()
    assert request.num_points == 40_000 and request.seed == 11
    assert request.generation.max_new_tokens == tokens and not request.generation.do_sample


def test_scanqa_paper_two_step_plan(root):
    spec = task("scanqa")
    sample = samples("scanqa", root)[1]
    (reasoning,) = build_stage(spec, 0, sample, {}, 2)
    assert (reasoning.key, reasoning.text, reasoning.num_points) == ("reasoning", sample.query, 40_000)
    (answer,) = build_stage(spec, 1, sample, {"reasoning": "The ball is red."}, 2)
    assert answer.key == "answer" and answer.num_points == 40_000
    assert answer.text == sample.query + "The ball is red." + " ###\nANSWER:"
    assert answer.generation.max_new_tokens == 800
    prediction = spec.assemble(sample, {"reasoning": "The ball is red.", "answer": " (F)"})
    assert prediction == "The ball is red.\n The answer is  (F)"


# ---------------------------------------------------------------- scoring


def _box_text(objects, labels=True):
    return " ".join(f"{o['label'] if labels else 'thing'} [{', '.join(map(str, o['bbox']))}]." for o in objects)


def test_scannet_scores_a_perfect_answer(root):
    paper, chef = task("scannet-det"), task("scannet-det-chef")
    scores_p, scores_c = [], []
    # lamm-mini's scenes (airplane, ant, nut, ball) and one ScanNet object whose label, "garbagebin", has no WordNet
    # entry and never matches in either protocol (protocol §9)
    garbage = Sample(id="g", source="Detection_ScanNet", query="q",
                     target={"object": [{"label": "garbagebin", "bbox": [1.0, 1.0, 0.3, 0.4, 0.4, 0.6]}]})  # fmt: skip
    scored = [*samples("scannet-det", root), garbage]
    for sample in scored:
        answer = _box_text(sample.target["object"])
        scores_p.append(paper.score_sample(sample, answer))
        scores_c.append(chef.score_sample(sample, answer))
    n = sum(len(s.target["object"]) for s in scored)
    assert n == 18  # 3 + 5 + 4 + 5 objects in lamm-mini's four scenes, and the garbage bin
    assert paper.aggregate(scores_p)["recall_reference@0.5"] == pytest.approx(100 * 17 / 18)
    assert chef.aggregate(scores_c)["recall_reference@0.5"] == pytest.approx(100 * 17 / 18)
    assert paper.aggregate(scores_p)["recall_without_category@0.5"] == 100.0
    assert paper.aggregate(scores_p)["precision@0.25"] == pytest.approx(100 * 17 / 18)
    assert paper.aggregate(scores_p)["unparsed_rate"] == 0.0


def test_scannet_rejects_a_malformed_ground_truth():
    bad = Sample(id="7", source="Detection_ScanNet", query="q", target={"object": [{"label": "chair", "bbox": [1, 2]}]})
    with pytest.raises(UserError, match=r"Detection_ScanNet: sample 7: object 0 'bbox'"):
        task("scannet-det").score_sample(bad, "chair [1, 2, 3, 4, 5, 6]")


def test_scanrefer_paper_and_chef(root):
    paper, chef = task("scanrefer"), task("scanrefer-chef")
    sample = samples("scanrefer", root)[0]
    cx, cy, cz, l, w, h = sample.target["object"]
    exact = f"The chair is at [{cx}, {cy}, {cz}, {l}, {w}, {h}]."
    # disjoint in x and y by 0.8 of the size: paper IoU 0.47, true IoU 0
    far = f"[{cx + 1.8 * l}, {cy + 1.8 * w}, {cz}, {l}, {w}, {h}]"
    scores = [paper.score_sample(sample, exact), paper.score_sample(sample, far), paper.score_sample(sample, "no")]
    metrics = paper.aggregate(scores)
    assert metrics["acc_reference@0.25"] == pytest.approx(200 / 3)
    assert metrics["acc_reference@0.5"] == pytest.approx(100 / 3)
    assert metrics["acc@0.25"] == pytest.approx(100 / 3)
    assert metrics["unparsed_rate"] == pytest.approx(100 / 3)
    chef_metrics = chef.aggregate([chef.score_sample(sample, exact), chef.score_sample(sample, far)])
    assert chef_metrics["acc@0.5"] == 50.0 and "acc_reference@0.5" not in chef_metrics


@pytest.mark.parametrize("obj", [[1, 2, 3, 1, 1, 1], {"bbox": [1, 2, 3, 1, 1, 1]}, [[1, 2, 3, 1, 1, 1]]])
def test_scanrefer_accepts_box_shapes(obj):
    sample = Sample(id="0", source="VG_ScanRefer", query="q", target={"object": obj})
    assert task("scanrefer").score_sample(sample, "[1, 2, 3, 1, 1, 1]").values["acc@0.5"] == 1.0


def test_scanrefer_rejects_bad_box():
    sample = Sample(id="3", source="VG_ScanRefer", query="q", target={"object": [1, 2, 3]})
    with pytest.raises(UserError, match="sample 3"):
        task("scanrefer").score_sample(sample, "[1, 2, 3, 1, 1, 1]")


def _qa(gt=5):
    choices = ["blue", "green", "white", "black", "yellow", "red"]
    target = {"gt_choice": gt, "gt_choices": choices}
    return Sample(id="1", source="VQA_ScanQA_multiplechoice", query="q", target=target)


@pytest.mark.parametrize(
    ("answer", "paper", "chef"),
    [
        ("It is that one.\n The answer is (F)", True, False),  # F only exists in the paper's A-F patterns
        ("The answer is (F) red.", True, True),  # ChEF falls back to the option text
        ("The answer is (E) yellow.", False, False),
        ("ANSWER: F", True, False),
        ("It looks red or maybe blue.", False, False),  # two option texts: no fallback credit
        ("(A) (F)", False, False),  # every (X) must be the right letter
        ("I do not know.", False, False),
    ],
)
def test_scanqa_cascade_with_letter_f(answer, paper, chef):
    assert task("scanqa").score_sample(_qa(), answer).values["correct"] == float(paper)
    assert task("scanqa-chef").score_sample(_qa(), answer).values["correct"] == float(chef)


def test_scanqa_aggregate_and_assembled_paper_answer(root):
    spec = task("scanqa")
    sample = _qa()
    # a bare letter at the very end has no non-word character after it: pattern 1 misses, the text decides
    bare = spec.assemble(sample, {"reasoning": "The ball is red.", "answer": "F"})
    wrong = spec.assemble(sample, {"reasoning": "The ball is blue.", "answer": "A"})
    scores = [spec.score_sample(sample, bare), spec.score_sample(sample, wrong), spec.score_sample(sample, "?")]
    assert [s.values["correct"] for s in scores] == [1.0, 0.0, 0.0]
    assert spec.aggregate(scores)["accuracy"] == pytest.approx(100 / 3)
    assert scores[2].unparsed and not scores[0].unparsed


def test_mini_meta_files_are_valid_json(root):
    for name in ("Detection_ScanNet", "VG_ScanRefer", "VQA_ScanQA_multiplechoice"):
        records = json.loads((root / "3D_Benchmark" / "meta_file" / f"{name}.json").read_text())
        assert records and all(r["pcl"].startswith("./scannet_pcls/") for r in records)
