"""The instruction-following tasks' requests (``tasks/chef_insfollow.py``) against ChEF's dataset classes.

The literals below are what ``ScienceQADataset.__getitem__`` (``vqa_dataset.py``) and ``MMBenchDataset.__getitem__``
(``MMBench_dataset.py``, ``ppl_cfg={'content_only': False}``, hint) of ``OpenGVLab/LAMM@d01093c`` return for the
very records :func:`_root` writes (one ScienceQA record, one MMBench row: a circular copy with three options), run
with the project's venv python with ``option_map=None`` (origin) and each of the driver's six ``{'type', 'ids'}``:
the ``question`` is the origin question followed by the run's map text, the same for both datasets.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from chef_data_fixtures import png
from lamm_bench.metrics.chef_insfollow import INSFOLLOW_RUNS
from lamm_bench.tasks.chef_insfollow import CHEF_INSFOLLOW_MMBENCH, CHEF_INSFOLLOW_SCIENCEQA, mapped_options

QUESTIONS = {
    "scienceqa": "Question: Which organelle is shown? Options: (A) nucleus (B) ribosome (C) vacuole\n\n",
    "mmbench": (
        "Two shapes are shown. Which shape is red? There are several options:\n(A) circle\n(B) square\n(C) star\n"
    ),
}
MAP_TEXT = {
    "origin": "",
    "natural_0": (
        'If the answer is "(A)", you need to output "1". '
        'If the answer is "(B)", you need to output "2". '
        'If the answer is "(C)", you need to output "3". '
    ),
    "natural_1": (
        'If the answer is "(A)", you need to output "I". '
        'If the answer is "(B)", you need to output "II". '
        'If the answer is "(C)", you need to output "III". '
    ),
    "natural_2": (
        'If the answer is "(A)", you need to output "first". '
        'If the answer is "(B)", you need to output "second". '
        'If the answer is "(C)", you need to output "third". '
    ),
    "neutral_0": (
        'If the answer is "(A)", you need to output "Smith". '
        'If the answer is "(B)", you need to output "Johnson". '
        'If the answer is "(C)", you need to output "Williams". '
    ),
    "neutral_1": (
        'If the answer is "(A)", you need to output "foo". '
        'If the answer is "(B)", you need to output "dog". '
        'If the answer is "(C)", you need to output "hip". '
    ),
    "unnatural_0": (
        'If the answer is "(A)", you need to output "(B". '
        'If the answer is "(B)", you need to output "(C". '
        'If the answer is "(C)", you need to output "(A". '
    ),
}  # fmt: skip
OPTIONS = {
    "origin": ["(A", "(B", "(C"], "natural_0": ["1", "2", "3"], "natural_1": ["I", "II", "III"],
    "natural_2": ["first", "second", "third"], "neutral_0": ["Smith", "Johnson", "Williams"],
    "neutral_1": ["foo", "dog", "hip"], "unnatural_0": ["(B", "(C", "(A"],
}  # fmt: skip
REFERENCE = {  # dataset: (ChEF id, gt_choice, gt_answers), the same in every run
    "scienceqa": ("7", 2, "(C)"),
    "mmbench": ("1000042", 1, "(B)"),
}
SPECS = {"scienceqa": CHEF_INSFOLLOW_SCIENCEQA, "mmbench": CHEF_INSFOLLOW_MMBENCH}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("insfollow")
    meta = root / "2D_Benchmark/meta_file/VQA_SQAimage.json"
    meta.parent.mkdir(parents=True)
    (root / "2D_Benchmark/sqaimage_images").mkdir()
    (root / "2D_Benchmark/sqaimage_images/7.png").write_bytes(png())
    meta.write_text(json.dumps([{
        "id": 7, "image": "sqaimage_images/7.png", "gt_choice": 2, "gt_choices": ["nucleus", "ribosome", "vacuole"],
        "query": (
            "Which organelle is shown? Context: A picture of a cell.\nOptions: (A) nucleus (B) ribosome (C) vacuole\n"
        ),
    }]))  # fmt: skip
    tsv = root / "MMBench/mmbench_dev_20230712.tsv"
    tsv.parent.mkdir()
    header = ["index", "question", "hint", "A", "B", "C", "D", "E", "answer", "category", "image", "l2-category"]
    row = ["1000042", "Which shape is red?", "Two shapes are shown.", "circle", "square", "star", "", "", "B", "c",
           base64.b64encode(png()).decode(), "l"]  # fmt: skip
    tsv.write_text("\t".join(header) + "\n" + "\t".join(row) + "\n")
    return root


@pytest.mark.parametrize("dataset", ["scienceqa", "mmbench"])
def test_each_runs_question_and_options_are_chefs(root, dataset):
    spec = SPECS[dataset]
    samples, _ = spec.reader(root)
    chef_id, gt_choice, gt_answers = REFERENCE[dataset]
    assert [s.id for s in samples] == [f"{run}/{chef_id}" for run in INSFOLLOW_RUNS]
    query = "The answer is"
    template = {"scienceqa": "The answer is {}", "mmbench": "The correct option for the question is {}"}
    for run, sample in zip(INSFOLLOW_RUNS, samples):
        question = QUESTIONS[dataset] + MAP_TEXT[run]
        (cot,) = spec.stages[0](sample, {}, 0)
        (answer,) = spec.stages[1](sample, {"cot": "Because."}, 0)
        assert cot.kind == "generate" and cot.text == question + "\nLet's think step by step."
        assert answer.kind == "choice" and answer.text == question + query and answer.assistant_prefix == "Because.\n"
        assert list(answer.options) == OPTIONS[run] and answer.option_template == template[dataset]
        assert spec.correct_option(sample, answer) == gt_choice
        right, wrong = (spec.score_sample(sample, OPTIONS[run][k]) for k in (gt_choice, 0))
        assert (right.values["correct"], wrong.values["correct"]) == (1.0, 0.0)  # the origin run's rows too
        parsed = right.parsed
        assert (parsed["options"], parsed["gt_choice"], parsed["gt_answers"]) == (OPTIONS[run], gt_choice, gt_answers)


def test_reading_is_deterministic(root):
    for spec in SPECS.values():
        first, second = spec.reader(root)[0], spec.reader(root)[0]
        assert first == second
        plans = [[(r.text, r.options) for s in samples for stage in spec.stages for r in stage(s, {"cot": "c"}, 0)]
                 for samples in (first, second)]  # fmt: skip
        assert plans[0] == plans[1]


def test_a_run_with_too_few_labels_is_refused():
    with pytest.raises(ValueError, match="7 options, but run natural_2 has only 6 labels"):
        mapped_options("natural_2", [f"({c}" for c in "ABCDEFG"])
    assert mapped_options("unnatural_0", ["(A", "(B"]) == ["(B", "(A"]
