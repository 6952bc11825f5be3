"""lamm-mini's builder: every built-in task has a source for each of its meta files, two builds are byte-identical,
and a build never leaves a half-written data root or overwrites a folder that is not lamm-mini."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from cli_helpers import run_cli

from lamm_bench import registry
from lamm_bench.demo.build import INSTRUCT_FILES, build_into, plan
from lamm_bench.errors import UserError
from lamm_bench.mini import MiniRecord, MiniSource


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


def test_every_builtin_task_has_a_mini_source_for_each_meta_file():
    missing = [(t.name, m) for t in registry.builtin_tasks().values() for m in t.meta_files if m not in t.mini]
    assert missing == []
    for item in plan(list(registry.builtin_tasks().values())):
        floor = 50 if item.modality == "2d" else 30
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
            records = json.loads((first / meta_file).read_text())
            assert len(records) == task.mini[meta_file].n_test
    for modality, name in INSTRUCT_FILES.items():
        instructions = json.loads((first / name).read_text())
        key = "image" if modality == "2d" else "pcl"
        assert instructions and all(key in r and r["conversations"][0]["from"] == "human" for r in instructions)
        media_root = (first / name).parent.parent
        assert all((media_root / r[key]).is_file() for r in instructions)
    checked = run_cli("data", "check", "--data-root", str(first), "--no-progress")
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]


def _task_with(source: MiniSource):
    task = registry.get_task("cifar10")
    return dataclasses.replace(task, name="cifar10-copy", mini={task.meta_files[0]: source})


def _source(write) -> MiniSource:
    return MiniSource(write=write, task_type="classification", source="test", licence="none", n_test=2, n_train=2)


def _two(ctx):
    return [MiniRecord(record={"image": ctx.save_image(f"x/{i}.png", _pixel()), "query": "q", "label": "cat"},
                       turns=(("q", "cat"),)) for i in range(ctx.n)]  # fmt: skip


def _pixel():
    from PIL import Image

    return Image.new("RGB", (2, 2), (1, 2, 3))


def test_two_different_sources_for_one_meta_file_are_refused():
    one, other = _task_with(_source(_two)), _task_with(_source(lambda ctx: _two(ctx)))
    assert len(plan([one, one])) == 1  # the same source twice (a ChEF twin inherits it) is one meta file
    with pytest.raises(UserError, match="two different mini sources write 2D_Benchmark/meta_file/Classification_CIFAR10"):
        plan([one, other])


def test_an_interrupted_build_leaves_no_data_root_and_no_staging_folder(tmp_path):
    def broken(ctx):
        if ctx.split == "train":
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C halfway
        return _two(ctx)

    out = tmp_path / "mini"
    with pytest.raises(KeyboardInterrupt):
        build_into(out, [_task_with(_source(broken))])
    assert list(tmp_path.iterdir()) == []


def test_a_build_replaces_an_earlier_lamm_mini_but_never_another_folder(tmp_path):
    out = tmp_path / "mini"
    build_into(out, [_task_with(_source(_two))])
    (out / "stale.txt").write_text("from an earlier build")
    build_into(out, [_task_with(_source(_two))])
    assert not (out / "stale.txt").exists() and (out / "2D_Benchmark/x/0.png").is_file()
    data = tmp_path / "LAMM"
    data.mkdir()
    (data / "precious.json").write_text("[]")
    done = run_cli("data", "mini", "--out", str(data), "--no-progress")
    assert done.returncode == 2 and "is not a lamm-mini data root" in done.stderr and "Traceback" not in done.stderr
    assert [p.name for p in data.iterdir()] == ["precious.json"]
