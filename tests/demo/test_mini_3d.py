"""lamm-mini's 3D data (scenes of pyvista's example meshes): the sources the 3D tasks name, a build that passes
``data check``, boxes that hold their objects, turns that score as right, disjoint splits, unambiguous captions."""

from __future__ import annotations

import hashlib
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

from lamm_bench import registry
from lamm_bench.demo import scenes3d, sources3d
from lamm_bench.demo.build import INSTRUCT_FILES, build_lamm_mini
from lamm_bench.demo.contract import MiniContext
from lamm_bench.demo.questions3d import COUNT_CHOICES, grounding_captions
from lamm_bench.demo.sources import SOURCES
from lamm_bench.records import Sample
from lamm_bench.train.system_messages import SYSTEM_MESSAGES

TASKS_3D = ("scannet-det", "scannet-det-chef", "scanrefer", "scanrefer-chef", "scanqa", "scanqa-chef")
WRITERS = {
    "Detection_ScanNet": sources3d.write_detection,
    "VG_ScanRefer": sources3d.write_grounding,
    "VQA_ScanQA_multiplechoice": sources3d.write_scanqa,
}
PALETTE = np.array([scenes3d.FLOOR_COLOUR, *scenes3d.COLOURS.values()], dtype=np.float64)
NAMES = ["floor", *scenes3d.COLOURS]


def _tasks():
    return [registry.get_task(name) for name in TASKS_3D]


def _build(root: Path, scale: float, seed: int = 0) -> tuple[dict[str, int], float]:
    start = time.perf_counter()
    counts = build_lamm_mini(root, _tasks(), seed=seed, scale=scale)
    return counts, time.perf_counter() - start


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mini3d") / "full"
    counts, seconds = _build(root, 1.0)
    assert seconds < 20, f"a full 3D build took {seconds:.1f} s"
    assert counts["3D_Benchmark/meta_file/Detection_ScanNet.json"] == 30
    return root


def _records(root: Path, stem: str) -> list[dict]:
    return json.loads((root / "3D_Benchmark" / "meta_file" / f"{stem}.json").read_text())


def _cloud(root: Path, record: dict) -> np.ndarray:
    return np.load(root / "3D_Benchmark" / record["pcl"][2:])


def _inside(points: np.ndarray, box) -> np.ndarray:
    center, size = np.asarray(box[:3]), np.asarray(box[3:])
    return np.all((points[:, :3] >= center - size / 2) & (points[:, :3] <= center + size / 2), axis=1)


def _colour_names(points: np.ndarray) -> np.ndarray:
    """Each point's nearest palette colour (the noise added to colours is far smaller than their spacing)."""
    distance = np.linalg.norm(points[:, None, 3:6] - PALETTE[None], axis=2)
    return np.array(NAMES)[distance.argmin(axis=1)]


def run_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_every_3d_meta_file_has_a_source_with_its_instruction_type():
    for task in _tasks():
        for meta_file in task.meta_files:
            source = SOURCES[meta_file]
            assert source.n_test >= 30 and source.n_train > source.n_test, meta_file
            assert source.task_type in SYSTEM_MESSAGES and source.licence == "MIT"
    types = {SOURCES[registry.get_task(n).meta_files[0]].task_type for n in TASKS_3D[::2]}
    assert types == {"detection3d", "visual_grounding3d", "VQA3d"}


def test_meshes_come_from_the_installed_pyvista_without_importing_it():
    done = run_python(
        "import sys, numpy; from lamm_bench.demo import scenes3d as s; "
        "s.compose_scene(numpy.random.default_rng(0), 'x'); "
        "print(s.mesh_path('ant.ply').parent.parent.name, 'pyvista' in sys.modules, 'vtk' in sys.modules)"
    )
    assert done == "pyvista False False"


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_a_3d_build_passes_data_check(scale, full, tmp_path):
    root = full
    if scale != 1.0:
        root = tmp_path / "small"
        counts, _ = _build(root, scale)
        assert counts == {"3D_Benchmark/meta_file/Detection_ScanNet.json": 6,
                          "3D_Benchmark/meta_file/VG_ScanRefer.json": 6,
                          "3D_Benchmark/meta_file/VQA_ScanQA_multiplechoice.json": 6,
                          INSTRUCT_FILES["3d"]: 24 + 32 + 48}  # fmt: skip
    done = run_cli("data", "check", "--data-root", str(root), "--task", "scannet-det,scanrefer,scanqa", "--no-progress")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"scanqa\s*│\s*\d+\s*│\s*ok", done.stdout), done.stdout


def test_the_same_seed_writes_the_same_bytes(tmp_path):
    def tree(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip

    _build(tmp_path / "a", 0.1)
    _build(tmp_path / "b", 0.1)
    _build(tmp_path / "c", 0.1, seed=1)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


def test_clouds_are_modest_n_by_6_float32_scenes(full):
    for record in _records(full, "Detection_ScanNet"):
        cloud = _cloud(full, record)
        n = len(record["object"])
        assert cloud.dtype == np.float32 and cloud.shape == (scenes3d.FLOOR_POINTS + n * scenes3d.OBJECT_POINTS, 6)
        # x and y positive: LAMM's box parser drops minus signs (only the floor slab lies below z = 0)
        assert cloud[:, :2].min() >= 0 and cloud[:, 2].min() >= -0.07
        assert 0 <= cloud[:, 3:].min() and cloud[:, 3:].max() <= 255
        assert 2 <= n <= 6 and {o["label"] for o in record["object"]} <= set(scenes3d.LABELS)


def test_every_box_holds_all_of_its_object_and_nothing_else(full):
    for record in _records(full, "Detection_ScanNet"):
        cloud = _cloud(full, record)
        floor = cloud[:, 2] < scenes3d.FLOOR_TOP + 0.001
        assert floor.sum() == scenes3d.FLOOR_POINTS
        inside = np.stack([_inside(cloud, o["bbox"]) for o in record["object"]])
        assert not inside[:, floor].any()
        # every object point lies in exactly one box (boxes never overlap), and each box holds one object's points
        assert (inside[:, ~floor].sum(axis=0) == 1).all()
        assert inside.sum(axis=1).tolist() == [scenes3d.OBJECT_POINTS] * len(record["object"])
        for row in inside:
            assert len(set(_colour_names(cloud[row]))) == 1
    rng = np.random.default_rng(7)
    for k in range(20):  # the same, object by object, on scenes composed directly
        for obj in scenes3d.compose_scene(rng, f"scene{k:04d}_00").objects:
            assert _inside(obj.points, obj.box).all() and min(obj.box[3:]) > 0.1


def _sample(record: dict, k: int) -> Sample:
    target = {key: v for key, v in record.items() if key not in ("id", "pcl", "query")}
    return Sample(id=str(k), source="mini", query=record["query"], target=target, point_cloud=record["pcl"])


@pytest.mark.parametrize("name", TASKS_3D)
def test_each_turn_answer_scores_as_right_under_the_tasks_own_metric(name, tmp_path):
    task = registry.get_task(name)
    stem = Path(task.meta_files[0]).stem
    letters = []
    for split, n in (("test", 30), ("train", 60)):
        ctx = MiniContext(folder=tmp_path / split, split=split, n=n, seed=0, rng=random.Random(f"{name}{split}"))
        for k, written in enumerate(WRITERS[stem](ctx)):
            (human, gpt), = written.turns
            assert human == written.record["query"]
            sample = _sample(written.record, k)
            # the paper's two-step VQA stores reasoning + "\n The answer is " + answer; a trained model says it twice
            values = task.score_sample(sample, task.assemble(sample, {"": gpt, "reasoning": gpt, "answer": gpt})).values
            if stem == "Detection_ScanNet":
                assert values["hits"] == values["gt"] == values["tp@0.5"] == len(written.record["object"]), gpt
            elif stem == "VG_ScanRefer":
                assert set(values.values()) == {1.0}, gpt
            else:
                assert values["correct"] == 1.0, gpt
                letters.append(written.record["gt_choice"])
                assert re.fullmatch(r"The answer is \([A-F]\) [a-z0-9]+\.", gpt)
    if letters:
        assert 5 in letters  # F answers are right under ChEF's A-E cascade too (through the option text)


def test_test_and_train_never_share_a_scene(full):
    test = {p.name: p.read_bytes() for p in (full / "3D_Benchmark" / "scannet_pcls").iterdir()}
    train = {p.name: p.read_bytes() for p in (full / "3D_Instruct" / "scannet_pcls").iterdir()}
    assert len(test) == 30 + 15 + 15 and len(train) == 120 + 80 + 120
    assert not set(test) & set(train)
    digests = [{hashlib.sha256(b).digest() for b in split.values()} for split in (test, train)]
    assert not digests[0] & digests[1]
    instructions = json.loads((full / INSTRUCT_FILES["3d"]).read_text())
    assert {r["pcl"][len("./scannet_pcls/"):] for r in instructions} == set(train)
    referenced = {r["pcl"][len("./scannet_pcls/"):] for s in WRITERS for r in _records(full, s)}
    assert referenced == set(test)


def _referents(caption: str, objects) -> list[int]:
    """Which objects a caption describes, read from the caption alone (independently of how it was made)."""
    if m := re.fullmatch(r"the only (\w+) in the room\.", caption):
        return [i for i, o in enumerate(objects) if o.label == m[1]]
    if m := re.fullmatch(r"the (largest|smallest) object in the room\.", caption):
        volumes = [o.volume for o in objects]
        best = max(volumes) if m[1] == "largest" else min(volumes)
        return [i for i, v in enumerate(volumes) if v == best]
    if m := re.fullmatch(r"the object nearest the (\w+) (\w+)\.", caption):
        (anchor,) = [i for i, o in enumerate(objects) if (o.colour, o.label) == (m[1], m[2])]
        d = {i: np.hypot(o.box[0] - objects[anchor].box[0], o.box[1] - objects[anchor].box[1])
             for i, o in enumerate(objects) if i != anchor}  # fmt: skip
        return [i for i, v in d.items() if v == min(d.values())]
    m = re.fullmatch(r"the (\w+) (\w+)\.", caption)
    return [i for i, o in enumerate(objects) if (o.colour, o.label) == (m[1], m[2])]


def test_a_grounding_caption_picks_exactly_its_object():
    rng = np.random.default_rng(3)
    kinds = set()
    for k in range(150):
        scene = scenes3d.compose_scene(rng, f"scene{k:04d}_00")
        for caption, index in grounding_captions(scene, rng, 2):
            assert _referents(caption, scene.objects) == [index], caption
            kinds.add(caption.split()[1])
    assert {"only", "largest", "smallest", "object"} <= kinds


def test_captions_and_counts_are_visible_in_the_written_clouds(full):
    for record in _records(full, "VG_ScanRefer"):
        cloud = _cloud(full, record)
        names = _colour_names(cloud)
        held = set(names[_inside(cloud, record["object"])])
        assert len(held) == 1 and "floor" not in held  # the box holds one object, of one colour
        if m := re.fullmatch(r".*caption\. the (\w+) (\w+)\.", record["query"]):
            assert held == {m[1]} and (names == m[1]).sum() == scenes3d.OBJECT_POINTS
    for record in _records(full, "VQA_ScanQA_multiplechoice"):
        if record["query"].startswith("How many objects"):
            assert record["gt_choices"] == list(COUNT_CHOICES)
            names = set(_colour_names(_cloud(full, record))) - {"floor"}
            assert record["gt_choices"][record["gt_choice"]] == str(len(names))
        assert 4 <= len(record["gt_choices"]) <= 6 and len(set(record["gt_choices"])) == len(record["gt_choices"])
