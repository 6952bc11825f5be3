"""``lamm-bench data check`` on ChEF's own dataset formats, through the installed CLI: a good root passes with every
image decoded (MMBench's base64 ones included); a malformed TSV row, a missing image and a missing hierarchy entry
are exit 2, each one line naming the file and the row. The tasks come from a plugin that reads the data with
lamm-bench's ChEF readers (``TaskSpec.reader``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from chef_data_fixtures import OMNIBENCHMARK, write_reference_root
from cli_helpers import run_cli
from plugin_dist import write_distribution

READER_TASKS = '''
import dataclasses

from lamm_bench.chef_data import read_mme, read_seedbench
from lamm_bench.chef_mmbench import read_mmbench
from lamm_bench.chef_omnibenchmark import omnibenchmark_reader
from lamm_bench.records import SampleScore
from lamm_bench.task import TaskSpec


def score(sample, prediction):
    return SampleScore(values={"right": 0.0})


BASE = TaskSpec(
    name="x-mmbench", version="1", protocol="chef", modality="2d", meta_files=("MMBench/mmbench_dev_20230712.tsv",),
    required_fields={}, system_message="", stages=(), score_sample=score, aggregate=lambda scores: {"right": 0.0},
    paper_metric=("Right", "right"), metrics={"right": "higher"}, reader=read_mmbench,
)
TASKS = (
    BASE,
    dataclasses.replace(BASE, name="x-seed", meta_files=("SEED-Bench/SEED-Bench.json",), reader=read_seedbench),
    dataclasses.replace(BASE, name="x-mme", meta_files=("MME_Benchmark_release_version",), reader=read_mme),
    dataclasses.replace(BASE, name="x-omni", reader=omnibenchmark_reader(),
                        meta_files=("ChEF/OmniBenchmark_Bamboo/meta_file/Classification_Omnibenchmark.json",)),
)
'''
TASKS = "x-mmbench,x-seed,x-mme,x-omni"


@pytest.fixture
def site(tmp_path) -> dict[str, str]:
    write_distribution(tmp_path / "site", "lamm-bench-chef-readers", "lamm_chef_readers", {"tasks.py": READER_TASKS},
                       {"lamm_bench.tasks": {"readers": "lamm_chef_readers.tasks"}})  # fmt: skip
    return {"PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(Path(__file__).parents[1])])}


def test_data_check_decodes_every_image_of_the_chef_formats(tmp_path, site):
    root = write_reference_root(tmp_path / "data")
    done = run_cli("data", "check", "--data-root", str(root), "--task", TASKS, "--no-progress", env=site)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "decoded 14 media files" in done.stdout  # MMBench 4 (extracted), SEED 3, MME 4 (7 questions), Omni 3
    assert len(list((root / "MMBench" / "images").glob("mmbench_image_*.png"))) == 4


def test_a_bad_tsv_row_a_missing_image_and_a_missing_hierarchy_entry_are_exit_2_in_one_line(tmp_path, site):
    root = write_reference_root(tmp_path / "data")
    tsv = root / "MMBench" / "mmbench_dev_20230712.tsv"
    lines = tsv.read_text().split("\n")
    tsv.write_text("\n".join([lines[0], lines[1].rsplit("\t", 1)[0], *lines[2:]]))  # row 0 loses a column
    (root / "SEED-Bench" / "SEED-Bench-image" / "img_2.png").unlink()
    omni = root / "ChEF/OmniBenchmark_Bamboo/meta_file/Classification_Omnibenchmark.json"
    omni.write_text(json.dumps([*OMNIBENCHMARK, {**OMNIBENCHMARK[1], "chain": ["round shape", "oval"]}]))
    done = run_cli("data", "check", "--data-root", str(root), "--task", TASKS, "--no-progress", env=site)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
    problems = [line for line in done.stdout.splitlines() if str(root) in line and "Data root" not in line]
    assert problems == [
        f"{tsv}: row 0 (line 2): 11 columns, the header has 12",
        (f"{omni}: record 3, chain level 1: label 'oval' is not in the Bamboo hierarchy "
         f"{root / 'Bamboo/sensexo_visual_add_academic_add_state_V4.visual.json'}"),
        f"SEED-Bench: sample '1': image not found: {root / 'SEED-Bench/SEED-Bench-image/img_2.png'} (tasks x-seed)",
    ]
    [error] = [line for line in done.stderr.splitlines() if line.startswith("lamm-bench: error:")]
    assert error.endswith(f"2 of 4 tasks have an unusable meta file, 1 media files are bad; first: {problems[0]}")
