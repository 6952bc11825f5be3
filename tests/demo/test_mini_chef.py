"""lamm-mini's sources for ChEF's own formats (``demo/sources_chef.py``, ``demo/sources_pope.py``): built for real,
they pass ``data check`` through lamm-bench's ChEF readers, their ground truth is easy-vqa's own for the pictures,
their train turns are ChEF's human turns and answer templates, two builds are byte-identical, train never shows a
test image, and adding them changes no byte of the other sources' files."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from lamm_bench.tasks import _chef_options as options
from lamm_bench.tasks import _chef_prompts as prompts
from PIL import Image

from lamm_bench import registry
from lamm_bench.chef_data import pope_reader, read_mme, read_seedbench
from lamm_bench.chef_mmbench import read_mmbench
from lamm_bench.chef_omnibenchmark import omnibenchmark_reader, read_omnibenchmark
from lamm_bench.data import load_samples
from lamm_bench.datacheck import check_data
from lamm_bench.demo import packaged
from lamm_bench.demo.build import INSTRUCT_FILES, build_lamm_mini
from lamm_bench.demo.contract import MiniContext
from lamm_bench.demo.sources import SOURCES
from lamm_bench.demo.sources_chef import SOURCES_CHEF
from lamm_bench.demo.sources_pope import POPE_SOURCES

READERS = {"MMBench/mmbench_dev_20230712.tsv": read_mmbench, "SEED-Bench/SEED-Bench.json": read_seedbench,
           "MME_Benchmark_release_version": read_mme,
           "ChEF/OmniBenchmark_Bamboo/meta_file/Classification_Omnibenchmark.json": omnibenchmark_reader(
               options.omnibenchmark_options),
           **{path: pope_reader(path.split("_")[-1][:-5]) for path in POPE_SOURCES}}  # fmt: skip
"""Each data path -> the reader the ``chef-*`` tasks read it with."""
_BASE = registry.get_task("cifar10")
TASKS = [dataclasses.replace(_BASE, name=f"x-{Path(p).stem.lower()}", protocol="chef", meta_files=(p,), reader=r)
         for p, r in READERS.items()]  # fmt: skip
"""Stand-ins for the ``chef-*`` tasks: a 2D task reading each path with its reader."""


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """The ChEF sources and POPE's at full scale (a few hundred 64-px PNGs)."""
    out = tmp_path_factory.mktemp("mini_chef")
    build_lamm_mini(out, TASKS, seed=0, sources={**SOURCES_CHEF, **POPE_SOURCES})
    return out


def _digest(image: Image.Image) -> str:
    image = image.convert("RGB")
    return hashlib.sha256(repr(image.size).encode() + image.tobytes()).hexdigest()


@pytest.fixture(scope="module")
def easy_vqa() -> dict[str, packaged.EasyVqaImage]:
    """easy-vqa's test images by pixel digest."""
    return {_digest(packaged.easy_vqa_image("test", item.index)): item for item in packaged.easy_vqa_images("test")}


def test_the_build_passes_data_check_with_the_declared_counts(root):
    report = check_data(root, TASKS, workers=1)
    assert report.ok, report
    declared = {**SOURCES_CHEF, **POPE_SOURCES}
    assert {t.task: t.samples for t in report.tasks} == {t.name: declared[t.meta_files[0]].n_test for t in TASKS}
    assert {p: s.n_test for p, s in SOURCES_CHEF.items()} == dict.fromkeys(SOURCES_CHEF, 40)
    assert set(SOURCES_CHEF) <= set(SOURCES) and set(POPE_SOURCES) <= set(SOURCES)
    assert all(SOURCES[p].n_train == 0 for p in POPE_SOURCES)  # lamm-mini's train split is unchanged by POPE


def _item(easy_vqa, path: str) -> packaged.EasyVqaImage:
    with Image.open(path) as image:
        return easy_vqa[_digest(image)]  # a real easy-vqa test image


def test_mmbench_rows_are_true_of_their_pictures_with_circular_copies(root, easy_vqa):
    samples, _ = load_samples(TASKS[0], root)
    by_index = {s.target["index"]: s for s in samples}
    mains = [s for s in samples if s.target["index"] < 1_000_000]
    copies = [k * 1_000_000 + main for main in range(5) for k in (1, 2)]  # two copies of each of the first five
    assert len(mains) == 30 and [s.target["index"] for s in samples] == [*range(30), *copies]
    assert 0 < sum(s.target["hint"] is not None for s in mains) < 30
    for sample in samples:
        t = sample.target
        listed = [t[c] for c in "ABCDE" if t[c] is not None]
        item, right = _item(easy_vqa, sample.images[0]), t[t["answer"]]
        assert len(listed) in (4, 5) and len(set(listed)) == len(listed)
        assert right == (item.shape if t["category"] == "shape_recognition" else packaged.easy_vqa_colour(item))
        assert {a for q, a in item.questions if q == sample.query[0].lower() + sample.query[1:]} == {right}
        main = by_index[t["index"] % 1_000_000]
        k = t["index"] // 1_000_000
        assert listed == [main.target[c] for c in "ABCDE" if main.target[c] is not None][k:] + [
            main.target[c] for c in "ABCDE" if main.target[c] is not None][:k]  # fmt: skip


def test_mmbench_base64_images_are_the_extracted_ones(root):
    import base64
    import csv
    import io

    text = (root / "MMBench/mmbench_dev_20230712.tsv").read_text()
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        with Image.open(io.BytesIO(base64.b64decode(row["image"]))) as decoded:
            with Image.open(root / f"MMBench/images/mmbench_image_{row['index']}.png") as extracted:
                assert _digest(decoded) == _digest(extracted)


def test_seed_mme_and_omnibenchmark_are_true_of_their_pictures(root, easy_vqa):
    seed, (meta,) = read_seedbench(root)
    assert [q["data_type"] for q in json.loads(meta.path.read_text())["questions"]].count("video") == 2
    for sample in seed:
        item, t = _item(easy_vqa, sample.images[0]), sample.target
        right = t[f"choice_{t['answer'].lower()}"]
        assert right == (item.shape if t["question_type_id"] == 2 else packaged.easy_vqa_colour(item))
    mme, _ = read_mme(root)
    pairs: dict[str, list[str]] = {}
    for sample in mme:
        item, t = _item(easy_vqa, sample.images[0]), sample.target
        pairs.setdefault(t["image_path"], []).append(t["answer"])
        named = (packaged.easy_vqa_colour(item) if t["task_type"] == "color" else item.shape
                 if t["task_type"] == "existence" else "one")  # fmt: skip
        assert bool(re.search(rf"\b{named}\b", sample.query)) == (t["answer"] == "Yes"), sample.query
    assert sorted(map(sorted, pairs.values())) == [["No", "Yes"]] * 20
    assert {s.target["image_path"].split("/")[0] for s in mme} == {"color", "count", "existence"}
    assert any("/images/" in s.target["image_path"] for s in mme)  # both layouts
    omni = read_omnibenchmark(root)
    for sample in omni.samples:
        item, chain = _item(easy_vqa, sample.images[0]), sample.target["chain"]
        assert chain[1] == item.shape and chain[-1] in (item.shape, f"{packaged.easy_vqa_colour(item)} {item.shape}")
    assert {len(s.target["chain"]) for s in omni.samples} == {2, 3}
    levels = [lv for s in load_samples(TASKS[3], root)[0] for lv in s.target["chef"]]
    assert min(len(lv["options"]) for lv in levels) >= 3  # every level has siblings to draw from


def _chef_turn(path: str, record: dict) -> tuple[tuple[str, str], ...]:
    """The turns a record should have: ChEF's human turn(s) and answer template filled with the right option."""
    if path.startswith("MMBench"):
        return ((prompts.mmbench_turn(record), prompts.VQA_TEMPLATES[1].format(f"({record['answer']})")),)
    if path.startswith("SEED"):
        right = record[f"choice_{record['answer'].lower()}"]
        return ((prompts.seedbench_turn(record["question"]), prompts.VQA_TEMPLATES[0].format(right)),)
    if path.startswith("MME"):
        return ((prompts.mme_turn(record["question"]), prompts.VQA_TEMPLATES[0].format(record["answer"])),)
    chain = record["chain"]
    return tuple((prompts.omnibenchmark_turn(level, chain), prompts.FINE_GRAINED_TEMPLATE.format(label))
                 for level, label in enumerate(chain))  # fmt: skip


@pytest.mark.parametrize("split", ["test", "train"])
def test_the_turns_are_chef_turns_answered_with_its_templates(tmp_path, split):
    for path, source in SOURCES_CHEF.items():
        ctx = MiniContext(folder=tmp_path / split, split=split, n=12, seed=0, rng=random.Random(path))
        for item in source.write(ctx):
            assert item.turns == _chef_turn(path, dict(item.record)), path
            assert (ctx.folder / item.record["image"]).is_file()


def test_the_train_split_is_in_the_instruction_file(tmp_path):
    build_lamm_mini(tmp_path, TASKS[:4], seed=1, scale=0.2, sources=SOURCES_CHEF)
    instructions = json.loads((tmp_path / INSTRUCT_FILES["2d"]).read_text())
    counts = Counter(r["id"].split(":")[0] for r in instructions)
    one_turn = ("mmbench_dev_20230712", "SEED-Bench", "MME_Benchmark_release_version")  # 120 train records x 0.2
    assert {k: counts[k] for k in one_turn} == dict.fromkeys(one_turn, 24)
    assert 2 * 16 <= counts["Classification_Omnibenchmark"] <= 3 * 16  # 80 x 0.2 records, a turn per chain level
    assert all((tmp_path / "2D_Instruct" / r["image"]).is_file() for r in instructions)


def test_builds_are_byte_identical_and_train_never_shows_a_test_image(tmp_path):
    trees = []
    for name in ("a", "b"):
        build_lamm_mini(tmp_path / name, TASKS, seed=3, scale=0.25, sources={**SOURCES_CHEF, **POPE_SOURCES})
        trees.append({p.relative_to(tmp_path / name).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                      for p in sorted((tmp_path / name).rglob("*")) if p.is_file()})  # fmt: skip
    assert trees[0] == trees[1] and len(trees[0]) > 100
    root = tmp_path / "a"
    test = {_digest(Image.open(p)) for p in root.rglob("*.png") if "2D_Instruct" not in p.parts}
    train = {_digest(Image.open(p)) for p in (root / "2D_Instruct").rglob("*.png")}
    assert test and train and not test & train


def test_adding_the_chef_sources_changes_no_byte_of_the_others(tmp_path):
    lamm = [t for t in registry.builtin_tasks().values() if not set(t.meta_files) & set(SOURCES_CHEF)]
    build_lamm_mini(tmp_path / "before", lamm, seed=0, scale=0.1)
    build_lamm_mini(tmp_path / "after", [*lamm, *TASKS[:4]], seed=0, scale=0.1)
    for path in sorted((tmp_path / "before").rglob("*")):
        relative = path.relative_to(tmp_path / "before").as_posix()
        if path.is_file() and relative not in (INSTRUCT_FILES["2d"], "lamm_bench_dataset.json"):
            assert path.read_bytes() == (tmp_path / "after" / relative).read_bytes(), relative
    before, after = (json.loads((tmp_path / d / INSTRUCT_FILES["2d"]).read_text()) for d in ("before", "after"))
    assert after[: len(before)] == before and len(after) > len(before)  # the new instructions come after


def test_pope_negatives_are_absent_from_their_scenes(root, easy_vqa):
    for variant in ("random", "popular", "adversarial"):
        samples, _ = pope_reader(variant)(root)
        assert len(samples) == 40 and [s.target["label"] for s in samples[:4]] == ["yes", "no", "yes", "no"]
        for sample in samples:
            with Image.open(sample.images[0]) as scene:
                tiles = [scene.crop((x, y, x + 64, y + 64)) for y in (0, 64) for x in (0, 64)]
            shown = {f"{packaged.easy_vqa_colour(i)} {i.shape}" for t in tiles if (i := easy_vqa.get(_digest(t)))}
            named = sample.query.removeprefix("Is there a ").removesuffix(" in the image?")
            assert (named in shown) == (sample.target["label"] == "yes"), (variant, sample.id)
            if variant == "adversarial" and sample.target["label"] == "no":
                assert set(named.split()) & {part for o in shown for part in o.split()}


def test_the_tiny_cards_train_on_the_chef_turns_as_chef_asks_them(tmp_path, monkeypatch):
    from lamm_bench.demo.tiny_data import evaluation_form

    build_lamm_mini(tmp_path, TASKS[:4], seed=0, scale=0.05, sources=SOURCES_CHEF)
    instruct = tmp_path / INSTRUCT_FILES["2d"]
    builtin = registry.builtin_tasks()
    monkeypatch.setattr(registry, "builtin_tasks", lambda: {**builtin, **{t.name: t for t in TASKS}})
    out = evaluation_form(instruct, tmp_path / "2D_Instruct", tmp_path / "train.json")
    records, written = json.loads(instruct.read_text()), json.loads(out.read_text())
    assert [r["conversations"] for r in written] == [r["conversations"] for r in records]  # the question alone
    assert all(Path(r["image"]).is_absolute() and Path(r["image"]).is_file() for r in written)
