"""``chef-robust-scienceqa`` and ``chef-robust-mmbench``: ChEF's corrupted copies read exactly as ``d01093c``'s
dataset classes read them with ``img_crp``/``text_crp`` (a hand-made ``ChEF_C`` layout), and the generated inputs
when they are absent: seeded, byte-identical for one seed, different (inputs and fingerprint) for another."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lamm_bench import registry
from lamm_bench.data import load_samples
from lamm_bench.errors import UserError
from lamm_bench.identity import task_fingerprint
from robust_fixtures import write_root

SQA, MMB = registry.get_task("chef-robust-scienceqa"), registry.get_task("chef-robust-mmbench")


@pytest.fixture(scope="module")
def chef_root(tmp_path_factory) -> Path:
    return write_root(tmp_path_factory.mktemp("robust_c"), with_c=True)


@pytest.fixture(scope="module")
def plain_root(tmp_path_factory) -> Path:
    return write_root(tmp_path_factory.mktemp("robust_plain"), with_c=False)


def _by_id(samples):
    return {s.id: s for s in samples}


def test_scienceqa_reads_chefs_files(chef_root):
    samples, metas = load_samples(SQA, chef_root, seed=5)
    assert [s.id for s in samples[:5]] == ["origin/q1", "ic/q1", "tc/q1", "ictc/q1", "origin/q2"]  # interleaved
    s = _by_id(samples)
    # clean_question of the corrupted query (VQA_ScienceQA_C.json), the context dropped; images under ScienceQA_C
    assert s["tc/q1"].target["question"] == "Question: Whcih colour is teh tile?\nOptions: (A) red (B) blue\n\n"
    assert s["origin/q1"].target["question"] == "Question: Which colour is the tile?\nOptions: (A) red (B) blue\n\n"
    assert s["ic/q1"].target["question"] == s["origin/q1"].target["question"]
    assert s["ictc/q2"].target["question"] == s["tc/q2"].target["question"]
    rel = {k: Path(v.images[0]).relative_to(chef_root).as_posix() for k, v in s.items() if k.endswith("q2")}
    assert rel == {"origin/q2": "2D_Benchmark/sqa/2.png", "ic/q2": "ChEF/ScienceQA_C/sqa/2.png",
                   "tc/q2": "2D_Benchmark/sqa/2.png", "ictc/q2": "ChEF/ScienceQA_C/sqa/2.png"}  # fmt: skip
    assert s["ictc/q2"].target["clean"] == {"question": s["origin/q2"].target["question"], "image": "2D_Benchmark/sqa/2.png"}
    assert [m.path.relative_to(chef_root).as_posix() for m in metas] == [
        "2D_Benchmark/meta_file/VQA_SQAimage.json", "ChEF/ScienceQA_C/VQA_ScienceQA_C.json"]
    assert metas[-1].settings == {"corruption_source": "chef-files"}


def test_mmbench_reads_chefs_files(chef_root):
    s = _by_id(load_samples(MMB, chef_root)[0])
    assert s["origin/3"].target["question"] == "A tile. What colour? There are several options:\n(A) red\n(B) blue\n"
    # MMBench_C.json's query as is, ' (X)' -> '\n(X)'; its gt_choices and gt_choice
    assert s["tc/3"].target["question"] == "A tiel. What colour? There are several options:\n(A) red\n(B) blue "
    assert (s["origin/3"].target["gt_choice"], s["tc/3"].target["gt_choice"], s["tc/7"].target["gt_choice"]) == (1, 1, 0)
    assert Path(s["ic/7"].images[0]) == chef_root / "ChEF/MMBench_C/images/1.png"  # the TSV row, not the index
    assert Path(s["ictc/3"].images[0]) == chef_root / "ChEF/MMBench_C/images/0.png"
    assert Path(s["tc/3"].images[0]) == chef_root / "MMBench/images/mmbench_image_3.png"


def test_a_copy_folder_without_its_file_or_of_the_wrong_length_is_a_user_error(tmp_path, chef_root):
    root = shutil.copytree(chef_root, tmp_path / "r")
    (root / "ChEF/ScienceQA_C/VQA_ScienceQA_C.json").unlink()
    with pytest.raises(UserError, match="has no VQA_ScienceQA_C.json"):
        load_samples(SQA, root)
    (root / "ChEF/MMBench_C/MMBench_C.json").write_text("[" + '{"query": "q", "gt_choices": ["a"], "gt_choice": 0}' + "]")
    with pytest.raises(UserError, match="1 records; it should hold one per row"):
        load_samples(MMB, root)


def _generated(root: Path, seed: int):
    out = {}
    for task in (SQA, MMB):
        samples, metas = load_samples(task, root, seed=seed)
        files = sorted((root / "ChEF/generated").rglob("*.*"))
        out[task.name] = (samples, metas, {p.relative_to(root).as_posix(): p.read_bytes() for p in files})
    return out


def test_generated_inputs_are_seeded_and_byte_identical(plain_root, tmp_path):
    first = _generated(shutil.copytree(plain_root, tmp_path / "a"), 0)
    again = _generated(shutil.copytree(plain_root, tmp_path / "b"), 0)
    other = _generated(shutil.copytree(plain_root, tmp_path / "c"), 1)
    for name in first:
        (s1, m1, f1), (s2, m2, f2), (s3, m3, f3) = first[name], again[name], other[name]
        assert f1 == f2 and [m.sha256 for m in m1] == [m.sha256 for m in m2]
        assert [(s.id, s.target, Path(s.images[0]).name) for s in s1] == [(s.id, s.target, Path(s.images[0]).name) for s in s2]
        assert m1[-1].settings == {"corruption_source": "generated (lamm-bench-corruptions-1, seed 0)"}
        assert m1[-1].path.name == "manifest-seed0.json" and m3[-1].sha256 != m1[-1].sha256
        task = registry.get_task(name)
        assert task_fingerprint(task, m1) == task_fingerprint(task, m2) != task_fingerprint(task, m3)
        images1 = {k: v for k, v in f1.items() if k.endswith(".png")}
        images3 = {k: v for k, v in f3.items() if k.endswith(".png")}
        assert images1 and images1.keys().isdisjoint(images3)  # other draws, other names: never a stale picture
    s = _by_id(first["chef-robust-scienceqa"][0])
    assert s["origin/q1"].images == s["tc/q1"].images and s["ic/q1"].images == s["ictc/q1"].images
    assert s["ic/q1"].images != s["origin/q1"].images and s["tc/q1"].target["question"] == s["ictc/q1"].target["question"]
    assert s["tc/q1"].target["question"].endswith("Options: (A) red (B) blue\n\n")  # the options are never edited
    assert s["ic/q1"].target["corruption"]["image"]["severity"] in range(1, 6)


def test_generated_inputs_differ_from_chefs_in_the_fingerprint(plain_root, chef_root, tmp_path):
    generated = load_samples(SQA, shutil.copytree(plain_root, tmp_path / "g"), seed=0)[1]
    chef = load_samples(SQA, chef_root, seed=0)[1]
    assert task_fingerprint(SQA, generated) != task_fingerprint(SQA, chef)
