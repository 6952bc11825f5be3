"""The readers of ChEF's own datasets (``lamm_bench.chef_mmbench``, ``lamm_bench.chef_data``,
``lamm_bench.chef_omnibenchmark``) read what the ``d01093c`` dataset classes read, in their order (issue 19).

The ``REFERENCE`` literals came from running the reference's classes (``MMBenchDataset``, ``SEEDBenchDataset``,
``MMEDataset`` with sorted listings, ``OmnibenchmarkDataset`` with the default recipe's ``ppl_cfg``,
``POPE_COCO_Random_Dataset``) on the hand-made files of ``tests/chef_data_fixtures.py``:
``tests/fixtures/chef/derive_data_readers.py``. Malformed files are a one-line ``UserError`` naming the file and
the row, never another exception (hypothesis).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from chef_data_fixtures import MMBENCH_HEADER, OMNIBENCHMARK, png, write_reference_root
from lamm_bench.tasks._chef_options import letter_options, omnibenchmark_options
from lamm_bench.tasks._chef_prompts import mmbench_question

from lamm_bench.chef_data import (
    SEED_FILE,
    pope_file,
    pope_reader,
    read_mme,
    read_seedbench,
)
from lamm_bench.chef_mmbench import MMBENCH_FILE, PANDAS_NA, read_mmbench
from lamm_bench.chef_omnibenchmark import omnibenchmark_reader, read_omnibenchmark
from lamm_bench.errors import UserError

# (id, question as the reference builds it, image) per item; images relative to the data root
REFERENCE_MMBENCH = [
    ("0", "A hint. What animal is shown? There are several options:\n(A) cat\n(B) dog\n(D) bird\n", 1,
     ["(A", "(B", "(D"], (200, 10, 10)),
    ("1", 'Which "word" is\twritten\non it? There are several options:\n(A) yes\n(B) no\n', 0, ["(A", "(B"],
     (10, 200, 10)),
    ("1000000", "A hint. What animal is shown? There are several options:\n(A) dog\n(B) bird\n(D) cat\n", 0,
     ["(A", "(B", "(D"], (200, 10, 10)),
    ("2", "Count them. There are several options:\n(A) 1\n(B) 2\n(C) 3.0\n(D) 4\n(E) 5.0\n", 4,
     ["(A", "(B", "(C", "(D", "(E"], (10, 10, 200)),
]  # fmt: skip
"""(id, question, gt_choice, options, the decoded image's pixel): column C holds ``None`` (missing to pandas) and
``3``, so pandas reads it as float64 and ChEF prints ``3.0``."""
REFERENCE_SEED = [
    ("101", "What is it?", "SEED-Bench/SEED-Bench-image/1/img_1.png", ["a cat", "a dog", "a bird", "a fish"], 1),
    ("1", "How many?", "SEED-Bench/SEED-Bench-image/img_2.png", ["1", "2", "3", "4"], 3),
    ("7", "Which colour?", "SEED-Bench/SEED-Bench-image/img_3.png", ["red", "green", "blue", "black"], 2),
]
REFERENCE_MME = [
    ("0", "Is it red? Please answer yes or no.", "Yes", "color", "MME_Benchmark_release_version/color/000.png"),
    ("1", "Is it blue? Please answer yes or no.", "No", "color", "MME_Benchmark_release_version/color/000.png"),
    ("2", "Is it green? Please answer yes or no.", "No", "color", "MME_Benchmark_release_version/color/001.png"),
    ("3", "Is it black?", "Yes", "color", "MME_Benchmark_release_version/color/001.png"),
    ("4", "Are there two?", "Yes", "count", "MME_Benchmark_release_version/count/images/a.jpg"),
    ("5", "Are there three?", "No", "count", "MME_Benchmark_release_version/count/images/a.jpg"),
    ("6", "Is there one?", "No", "count", "MME_Benchmark_release_version/count/images/b.jpg"),
]
REFERENCE_OMNIBENCHMARK = [
    ("0", ["polygon", "triangle", "red triangle"], "ChEF/OmniBenchmark_Bamboo/omnibenchmark_images/0.png",
     [{"fore_label": None, "options": ["round shape", "polygon"]},
      {"fore_label": "polygon", "options": ["triangle", "rectangle", "hexagon"]},
      {"fore_label": "triangle", "options": ["blue triangle", "red triangle", "green triangle"]}]),
    ("1", ["round shape", "circle"], "ChEF/OmniBenchmark_Bamboo/omnibenchmark_images/1.png",
     [{"fore_label": None, "options": ["polygon", "round shape"]},
      {"fore_label": "round shape", "options": ["ellipse", "circle"]}]),
    ("2", ["polygon", "hexagon"], "ChEF/OmniBenchmark_Bamboo/omnibenchmark_images/2.png",
     [{"fore_label": None, "options": ["polygon", "round shape"]},
      {"fore_label": "polygon", "options": ["hexagon", "rectangle", "triangle"]}]),
]  # fmt: skip
REFERENCE_POPE = [
    ("10", "Is there a dog in the image?", "yes", "coco_pope/val2014/COCO_val2014_0.png"),
    ("1", "Is there a cat in the image?", "no", "coco_pope/val2014/COCO_val2014_0.png"),
    ("30", "Is there a car in the image?", "no", "coco_pope/val2014/COCO_val2014_1.png"),
]


@pytest.fixture
def root(tmp_path) -> Path:
    return write_reference_root(tmp_path / "data")


def _rel(root: Path, path: str) -> str:
    return Path(path).relative_to(root).as_posix()


def test_mmbench_reads_what_the_reference_reads(root):
    from PIL import Image

    samples, (meta,) = read_mmbench(root)
    assert meta.path == root / MMBENCH_FILE and len(meta.sha256) == 64
    assert all(s.source == "mmbench_dev_20230712" for s in samples)
    for sample, (sample_id, question, gt_choice, options, pixel) in zip(samples, REFERENCE_MMBENCH, strict=True):
        t = sample.target
        assert sample.id == sample_id and t["index"] == int(sample_id)
        assert mmbench_question({**t, "question": sample.query}) == question
        assert "ABCDE".index(t["answer"]) == gt_choice and letter_options(5)[gt_choice] in options
        assert [f"({c}" for c in "ABCDE" if t[c] is not None] == options
        assert _rel(root, sample.images[0]) == f"MMBench/images/mmbench_image_{sample_id}.png"
        with Image.open(sample.images[0]) as image:  # decoded from the base64 once, into ChEF HEAD's layout
            assert image.getpixel((0, 0)) == pixel and image.size == (4, 4)
    assert samples[0].target["C"] is None and samples[3].target["l2-category"] is None  # "None", "NA": missing
    assert samples[1].query == 'Which "word" is\twritten\non it?' and samples[1].target["hint"] is None
    assert set(samples[0].target) == {"hint", "A", "B", "C", "D", "E", "answer", "category", "l2-category", "index"}


def test_mmbench_uses_extracted_images_when_present_and_writes_the_others_once(root):
    images = root / "MMBench" / "images"
    images.mkdir()
    (images / "mmbench_image_0.png").write_bytes(png((1, 1, 1)))  # ChEF HEAD's own extraction: used as it is
    read_mmbench(root)
    assert (images / "mmbench_image_0.png").read_bytes() == png((1, 1, 1))
    written = {p.name: p.stat().st_mtime_ns for p in images.iterdir()}
    assert sorted(written) == [f"mmbench_image_{i}.png" for i in ("0", "1", "1000000", "2")]
    read_mmbench(root)
    assert {p.name: p.stat().st_mtime_ns for p in images.iterdir()} == written  # not written again


def test_mmbench_images_that_cannot_be_written_are_one_line(root):
    (root / "MMBench" / "images").write_text("a file where the folder should be")
    with pytest.raises(UserError) as caught:
        read_mmbench(root)
    message = str(caught.value)
    assert "\n" not in message and str(root / "MMBench" / "images") in message and "writable" in message


@pytest.mark.parametrize("na", sorted(PANDAS_NA))
def test_every_pandas_missing_value_string_is_a_missing_option(tmp_path, na):
    row = ["5", "q?", "h", "yes", "no", na, "", "", "A", "cat", "", "l2"]
    _write_tsv(tmp_path, [row])
    (tmp_path / "MMBench" / "images").mkdir()
    (tmp_path / "MMBench" / "images" / "mmbench_image_5.png").write_bytes(png())
    [sample], _ = read_mmbench(tmp_path)
    assert sample.target["C"] is None and sample.target["B"] == "no"


def _write_tsv(root: Path, rows: list[list[str]], header: list[str] = MMBENCH_HEADER) -> Path:
    path = root / MMBENCH_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n")
    return path


GOOD = ["3", "q?", "", "yes", "no", "", "", "", "A", "c", "", "l2"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([GOOD, GOOD[:-1]], "row 1 (line 3): 11 columns, the header has 12"),
        ([[*GOOD[:8], "C", *GOOD[9:]]], "row 0 (line 2): answer 'C' should be the letter of one of its options (A, B)"),
        ([[*GOOD[:8], "", *GOOD[9:]]], "row 0 (line 2): answer None should be"),
        ([["x", *GOOD[1:]]], "row 0 (line 2): index 'x' should be an integer"),
        ([GOOD, GOOD], "row 1 (line 3): duplicate sample id '3'"),
        ([[*GOOD[:10], "%%%not base64", GOOD[11]]], "row 0 (line 2): the image is not base64 of an image"),
        ([GOOD], "row 0 (line 2): the image is missing"),
        ([[GOOD[0], "NA", *GOOD[2:]]], "row 0 (line 2): the question is missing"),
    ],
)
def test_a_malformed_tsv_row_is_one_line_naming_file_and_row(tmp_path, rows, message):
    path = _write_tsv(tmp_path, rows)
    with pytest.raises(UserError) as caught:
        read_mmbench(tmp_path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_tsv_without_a_required_column_is_refused(tmp_path):
    path = _write_tsv(tmp_path, [GOOD[:8] + GOOD[9:]], [h for h in MMBENCH_HEADER if h != "answer"])
    with pytest.raises(UserError, match="no column 'answer' in the header"):
        read_mmbench(tmp_path)
    assert path.is_file()


def test_seedbench_reads_what_the_reference_reads(root):
    samples, (meta,) = read_seedbench(root)
    assert meta.path == root / SEED_FILE and [r["data_type"] for r in meta.records] == ["image"] * 3
    for sample, (sample_id, question, image, choices, gt_choice) in zip(samples, REFERENCE_SEED, strict=True):
        t = sample.target
        assert (sample.id, sample.query, _rel(root, sample.images[0])) == (sample_id, question, image)
        assert [t[f"choice_{c}"] for c in "abcd"] == choices and "ABCD".index(t["answer"]) == gt_choice
        assert sample.source == "SEED-Bench" and "question_type_id" in t and "data_id" in t


def test_mme_reads_what_the_reference_reads_with_sorted_listings(root):
    samples, metas = read_mme(root)
    got = [(s.id, s.query, s.target["answer"], s.target["task_type"], _rel(root, s.images[0])) for s in samples]
    assert got == REFERENCE_MME
    assert [s.target["image_path"] for s in samples[:3]] == ["color/000.png", "color/000.png", "color/001.png"]
    assert len(metas) == 14 and metas[5].path.name == "color" and len(metas[5].records) == 4
    assert metas[5].sha256 != metas[0].sha256  # color's question files vs an empty folder


def test_mme_hash_covers_the_question_files_read(root):
    before = {m.path.name: m.sha256 for m in read_mme(root)[1]}
    (root / "MME_Benchmark_release_version/count/questions_answers_YN/a.txt").write_text("Are there two?\tNo\n")
    (root / "MME_Benchmark_release_version/color/002.txt").write_text("changed, but skipped\tYes\n")
    after = {m.path.name: m.sha256 for m in read_mme(root)[1]}
    assert {k for k in before if before[k] != after[k]} == {"count"}


def test_mme_without_some_subtask_folders_reads_the_others(root):
    for name in ("count", "OCR", "artwork"):
        shutil.rmtree(root / "MME_Benchmark_release_version" / name)
    samples, metas = read_mme(root)
    assert [s.id for s in samples] == ["0", "1", "2", "3"] and len(metas) == 11


def test_omnibenchmark_reads_the_records_and_draws_the_reference_options(root):
    samples, metas = omnibenchmark_reader(omnibenchmark_options)(root)
    assert [m.path.relative_to(root).as_posix() for m in metas] == [
        "ChEF/OmniBenchmark_Bamboo/meta_file/Classification_Omnibenchmark.json",
        "Bamboo/sensexo_visual_add_academic_add_state_V4.visual.json",
    ]
    for sample, (sample_id, chain, image, options) in zip(samples, REFERENCE_OMNIBENCHMARK, strict=True):
        assert (sample.id, sample.target["chain"], _rel(root, sample.images[0])) == (sample_id, chain, image)
        assert sample.target["chef"] == options and sample.target["realm_name"] == "shape"
    data = read_omnibenchmark(root)
    assert data.tree["id2name"]["q"] == ["rectangle", "oblong"] and data.records == OMNIBENCHMARK
    assert "chef" not in omnibenchmark_reader()(root)[0][0].target


def test_pope_reads_json_lines_as_the_reference(root):
    for variant in ("random", "popular", "adversarial"):
        samples, (meta,) = pope_reader(variant)(root)
        assert meta.path == root / pope_file(variant)
        got = [(s.id, s.query, s.target["label"], _rel(root, s.images[0])) for s in samples]
        assert got == REFERENCE_POPE and samples[0].source == f"coco_pope_{variant}"
