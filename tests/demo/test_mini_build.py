"""lamm-mini's builder: every built-in task's meta files have a source (``lamm_bench.demo.sources.SOURCES``), two
builds are byte-identical, and a build never leaves a half-written data root or overwrites a folder that is not
lamm-mini."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cli_helpers import run_cli

from lamm_bench import registry
from lamm_bench.demo.build import INSTRUCT_FILES, build_into, build_lamm_mini, plan
from lamm_bench.demo.contract import MiniRecord, MiniSource
from lamm_bench.demo.sources import SOURCES
from lamm_bench.errors import UserError


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


def test_every_builtin_task_meta_file_has_a_demo_source():
    missing = [(t.name, m) for t in registry.builtin_tasks().values() for m in t.meta_files if m not in SOURCES]
    assert missing == []
    read = {m for t in registry.builtin_tasks().values() for m in t.meta_files}
    assert sorted(set(SOURCES) - read) == []  # and no source writes a file that no task reads
    for item in plan(list(registry.builtin_tasks().values())):
        floor = 40 if item.source.own_format else 50 if item.modality == "2d" else 30  # ChEF's formats: 40
        assert item.source.n_test >= floor, item.meta_file
        assert item.source.source and item.source.licence, item.meta_file


def test_lamm_mini_builds_byte_identically_twice(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        done = run_cli("data", "mini", "--out", str(out), "--no-progress")
        assert done.returncode == 0, done.stderr[-3000:]
    tree = _tree(first)
    assert tree == _tree(second)
    identity = json.loads((first / "lamm_bench_dataset.json").read_text())
    assert identity["name"] == "lamm-mini"
    for task in registry.builtin_tasks().values():
        for meta_file in task.meta_files:
            if SOURCES[meta_file].own_format:  # ChEF's own formats, counted by their readers in test_mini_chef.py
                continue
            records = json.loads((first / meta_file).read_text())
            assert len(records) == SOURCES[meta_file].n_test
    for modality, name in INSTRUCT_FILES.items():
        instructions = json.loads((first / name).read_text())
        key = "image" if modality == "2d" else "pcl"
        assert instructions and all(key in r and r["conversations"][0]["from"] == "human" for r in instructions)
        media_root = (first / name).parent.parent
        assert all((media_root / r[key]).is_file() for r in instructions)
    checked = run_cli("data", "check", "--data-root", str(first), "--no-progress")
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]


CIFAR10 = "2D_Benchmark/meta_file/Classification_CIFAR10.json"


def _sources(write) -> dict[str, MiniSource]:
    """One source, for CIFAR-10's meta file, in place of lamm-mini's own."""
    return {CIFAR10: MiniSource(write=write, task_type="classification", source="test", licence="none", n_test=2,
                                n_train=2)}  # fmt: skip


def _two(ctx):
    return [MiniRecord(record={"image": ctx.save_image(f"x/{i}.png", _pixel()), "query": "q", "label": "cat"},
                       turns=(("q", "cat"),)) for i in range(ctx.n)]  # fmt: skip


def _pixel():
    from PIL import Image

    return Image.new("RGB", (2, 2), (1, 2, 3))


def test_the_plan_writes_each_meta_file_the_tasks_read_once_and_only_those(tmp_path):
    cifar10, cifar10_chef, scanqa = (registry.get_task(n) for n in ("cifar10", "cifar10-chef", "scanqa"))
    [item] = plan([cifar10, cifar10_chef])  # the paper task and its ChEF twin read one file
    assert (item.meta_file, item.modality, item.source) == (CIFAR10, "2d", SOURCES[CIFAR10])
    assert [p.meta_file for p in plan([scanqa, cifar10], _sources(_two))] == [CIFAR10]  # scanqa's file has none
    assert build_lamm_mini(tmp_path, [cifar10], sources=_sources(_two)) == {CIFAR10: 2, INSTRUCT_FILES["2d"]: 2}
    with pytest.raises(UserError, match="no task reads a meta file that lamm-mini has a source for"):
        build_lamm_mini(tmp_path / "none", [scanqa], sources=_sources(_two))


def test_an_interrupted_build_leaves_no_data_root_and_no_staging_folder(tmp_path):
    def broken(ctx):
        if ctx.split == "train":
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C halfway
        return _two(ctx)

    out = tmp_path / "mini"
    with pytest.raises(KeyboardInterrupt):
        build_into(out, [registry.get_task("cifar10")], sources=_sources(broken))
    assert list(tmp_path.iterdir()) == []


def test_a_build_replaces_an_earlier_lamm_mini_but_never_another_folder(tmp_path):
    out = tmp_path / "mini"
    build_into(out, [registry.get_task("cifar10")], sources=_sources(_two))
    (out / "stale.txt").write_text("from an earlier build")
    build_into(out, [registry.get_task("cifar10")], sources=_sources(_two))
    assert not (out / "stale.txt").exists() and (out / "2D_Benchmark/x/0.png").is_file()
    data = tmp_path / "LAMM"
    data.mkdir()
    (data / "precious.json").write_text("[]")
    done = run_cli("data", "mini", "--out", str(data), "--no-progress")
    assert done.returncode == 2 and "is not a lamm-mini data root" in done.stderr and "Traceback" not in done.stderr
    assert [p.name for p in data.iterdir()] == ["precious.json"]
