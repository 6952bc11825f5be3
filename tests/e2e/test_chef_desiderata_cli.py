"""ChEF's desiderata (``chef-calibration-*``, ``chef-pope``) through the installed CLI and the Python API: a dummy run
on lamm-mini, shared against naive scoring on the LAMM model, and ``score`` on ChEF's own answer files (one file for
calibration, a folder of ``<run>.json`` for POPE)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from cli_helpers import run_cli
from lamm_bench.metrics.chef_desiderata import POPE_RUNS, calibration_bins

CALIBRATION = ("chef-calibration-scienceqa", "chef-calibration-mmbench")


@pytest.fixture(scope="module")
def desiderata_run(mini_root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("desiderata")
    proc = run_cli("run", "--model", "dummy", "--task", "chef-desiderata", "--data-root", str(mini_root), "--out",
                   str(out), "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def _rows(out: Path, model: str, task: str) -> list[dict]:
    return [json.loads(line) for line in (out / f"results/{model}/{task}.predictions.jsonl").open()]


def _result(out: Path, model: str, task: str) -> dict:
    return json.loads((out / f"results/{model}/{task}.json").read_text())


@pytest.mark.parametrize("task", CALIBRATION)
def test_calibration_ece_is_the_top_softmax_of_the_recorded_option_scores(desiderata_run, task):
    result = _result(desiderata_run, "dummy", task)
    assert result["paper_metric"]["name"] == "ECE" and result["higher_is_better"]["ECE"] is False
    items = []
    for row in _rows(desiderata_run, "dummy", task):
        (choice,) = [r for r in row["requests"] if "options" in r]
        scores = choice["option_scores"]
        top = max(scores)
        prob = max(math.exp(s - top) for s in scores) / sum(math.exp(s - top) for s in scores)
        assert row["prediction"]["answer"] == choice["options"][scores.index(top)]
        assert row["parsed"]["prob"] == pytest.approx(prob, abs=1e-12)
        if row["scores"].get("vanilla", 1.0):  # MMBench: its circular copies are not counted
            items.append((prob, row["scores"]["correct"]))
    assert result["metrics"]["ECE"] == pytest.approx(calibration_bins(items)["ECE"], abs=1e-12)
    assert 0 < result["metrics"]["ECE"] < 1 and 0 <= result["metrics"]["brier"] <= 2


def test_pope_rows_are_one_per_run_and_question_and_accuracy_is_the_mean_of_the_splits(desiderata_run, mini_root):
    rows = _rows(desiderata_run, "dummy", "chef-pope")
    counts = {run: len((mini_root / f"coco_pope/coco_pope_{run.split('_')[-1]}.json").read_text().splitlines())
              for run in POPE_RUNS}  # fmt: skip
    assert [r["id"].split("/")[0] for r in rows] == [run for run in POPE_RUNS for _ in range(counts[run])]
    result = _result(desiderata_run, "dummy", "chef-pope")
    metrics = result["metrics"]
    for run in POPE_RUNS:
        mine = [r for r in rows if r["id"].startswith(run + "/")]
        right = sum((r["prediction"] == "No") == (r["target"]["label"] == "no") for r in mine)
        assert metrics[f"{run}/Accuracy"] == pytest.approx(right / len(mine))
    assert metrics["Accuracy"] == pytest.approx(sum(metrics[f"{run}/Accuracy"] for run in POPE_RUNS) / 3)
    assert result["paper_metric"]["value"] == metrics["Accuracy"] and result["higher_is_better"]["Accuracy"]


def test_calibration_survives_the_shared_prefix_engine(mini_root, tmp_path):
    sys.path.insert(0, str(Path(__file__).parents[1] / "adapters"))
    import tiny_lamm

    import lamm_bench
    from lamm_bench.model_adapters.lamm.adapter import LammAdapter

    models = tiny_lamm.build_tiny_lamm(tmp_path / "models")
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(models), "prompt_style": "chef"})
    found = {}
    for way in ("shared", "naive"):  # one output folder: the naive run reuses the stored CoTs, rescoring the options
        results = lamm_bench.evaluate(adapter, list(CALIBRATION), data_root=mini_root, out_dir=tmp_path / "out",
                                      name="m", limit=3, batch_size=4, choice_scoring=way)  # fmt: skip
        found[way] = {r.task.name: r.metrics for r in results}
        assert all(r.task.settings["choice_scoring"] == way for r in results)
    for task in CALIBRATION:
        shared, naive = found["shared"][task], found["naive"][task]
        assert shared.keys() == naive.keys() and shared == pytest.approx(naive, abs=1e-5), task


SQA_FILE = [
    {"id": "0", "answer": "(A", "gt_choice": 0, "gt_choices": ["yes", "no"], "prob": 0.8, "probs": [0.8, 0.2]},
    {"id": "1", "answer": "(B", "gt_choice": 0, "gt_choices": ["yes", "no"], "prob": 0.7, "probs": [0.3, 0.7]},
    {"id": "2", "answer": "(C", "gt_choice": 2, "gt_choices": ["a", "b", "c"], "prob": 0.5, "probs": [0.25, 0.25, 0.5]},
]  # fmt: skip
"""Values from ChEF's ``ScienceQA_Calibration`` at ``d01093c`` (tests/metrics/test_chef_desiderata.py)."""


def test_score_takes_chefs_calibration_answer_file(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(SQA_FILE))
    proc = run_cli("score", "--task", "chef-calibration-scienceqa", "--predictions", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["n"] == 3 and report["paper_metric"] == {"name": "ECE", "value": pytest.approx(0.4666666666666666)}
    assert report["metrics"]["ACC"] == pytest.approx(200 / 3) and report["metrics"]["Prob_bins@2"] == 0.8


def _pope_folder(folder: Path, runs=POPE_RUNS) -> Path:
    answers = [("Yes", "yes"), ("No", "yes"), ("No", "no"), ("Yes", "no")]
    folder.mkdir()
    for k, run in enumerate(runs):  # the k-th run answers its first k+1 questions' way, the rest "Yes"
        records = [{"id": str(i), "answer": a if i <= k else "Yes", "gt_answers": g, "options": ["Yes", "No"]}
                   for i, (a, g) in enumerate(answers)]  # fmt: skip
        (folder / f"{run}.json").write_text(json.dumps(records))
    return folder


def test_score_takes_a_folder_of_chefs_pope_answer_files(tmp_path):
    folder = _pope_folder(tmp_path / "pope")
    proc = run_cli("score", "--task", "chef-pope", "--predictions", str(folder), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    # random: Yes Yes Yes Yes -> 2/4; popular: Yes No Yes Yes -> 1/4; adversarial: Yes No No Yes -> 2/4
    accuracies = {"POPE_COCO_random": 0.5, "POPE_COCO_popular": 0.25, "POPE_COCO_adversarial": 0.5}
    assert report["n"] == 12 and {r: report["metrics"][f"{r}/Accuracy"] for r in POPE_RUNS} == accuracies
    assert report["metrics"]["POPE_COCO_popular/Yes ratio"] == 0.75
    assert report["paper_metric"] == {"name": "Accuracy", "value": pytest.approx(1.25 / 3)}


def test_a_pope_folder_without_a_run_or_a_single_file_is_one_line(tmp_path):
    folder = _pope_folder(tmp_path / "pope", POPE_RUNS[:2])
    proc = run_cli("score", "--task", "chef-pope", "--predictions", str(folder), "--json")
    assert proc.returncode == 2 and proc.stderr.strip() == (
        f"lamm-bench: error: {folder}: no answer file of run 'POPE_COCO_adversarial' (POPE_COCO_adversarial.json)")
    single = folder / "POPE_COCO_random.json"
    proc = run_cli("score", "--task", "chef-pope", "--predictions", str(single), "--json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith(f"lamm-bench: error: {single}: a reference answer file; this task takes a folder")


def test_a_limit_can_name_a_task_or_group_and_is_per_run(mini_root, tmp_path):
    # --limit 3 for every task, chef-desiderata's tasks 2: in a task of several runs, 2 of each run's items
    proc = run_cli("run", "--model", "dummy", "--task", "svt,chef-pope,chef-calibration-scienceqa", "--data-root",
                   str(mini_root), "--out", str(tmp_path), "--limit", "3", "--limit", "chef-desiderata=2",
                   "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    found = {t: _result(tmp_path, "dummy", t)["task"] for t in ("svt", "chef-pope", "chef-calibration-scienceqa")}
    assert {t: (v["limit"], v["n_samples"]) for t, v in found.items()} == {
        "svt": (3, 3), "chef-pope": (2, 6), "chef-calibration-scienceqa": (2, 2)}
    ids = [row["id"] for row in _rows(tmp_path, "dummy", "chef-pope")]
    assert [i.split("/")[0] for i in ids] == [run for run in POPE_RUNS for _ in range(2)]
    wrong = run_cli("run", "--model", "dummy", "--task", "svt", "--data-root", str(mini_root), "--out",
                    str(tmp_path / "wrong"), "--limit", "chef-pope=2")  # fmt: skip
    assert wrong.returncode == 2 and "'chef-pope' is not one of the run's tasks or groups" in wrong.stderr
