"""ChEF's scenarios (``chef-*``) through the installed CLI and the Python API: a run, what its rows record, shared
against naive scoring on the LAMM model, and ``score`` on ChEF's own answer files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cli_helpers import run_cli
from lamm_bench import registry

CHEF = list(registry.groups()["chef"])


@pytest.fixture(scope="module")
def chef_run(mini_root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("chef")
    proc = run_cli("run", "--model", "dummy", "--task", "chef", "--data-root", str(mini_root), "--out", str(out),
                   "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def _rows(out: Path, model: str, task: str) -> list[dict]:
    return [json.loads(line) for line in (out / f"results/{model}/{task}.predictions.jsonl").open()]


def test_every_chef_scenario_runs_and_records_its_options_scores_and_the_right_one(chef_run):
    for task in CHEF:
        result = json.loads((chef_run / f"results/dummy/{task}.json").read_text())
        spec = registry.get_task(task)
        assert result["paper_metric"]["name"] == spec.paper_metric[0] and result["task"]["protocol"] == "chef"
        assert result["task"]["settings"]["choice_scoring"] == "shared"
        for row in _rows(chef_run, "dummy", task):
            choices = [r for r in row["requests"] if "options" in r]
            assert choices and all(len(r["option_scores"]) == len(r["options"]) for r in choices)
            for r in choices:  # the prediction is the first best option; the right one is marked
                best = r["options"][r["option_scores"].index(max(r["option_scores"]))]
                chosen = row["prediction"] if isinstance(row["prediction"], str) else row["prediction"][r["key"]]
                assert chosen == best and r["system"] == ""
            assert all("correct" in r for r in choices) or task == "chef-cifar10"  # lamm-mini's shapes: not CIFAR's


def test_the_chef_table_shows_the_published_rows_beside_the_run(chef_run):
    assert run_cli("leaderboard", "--out", str(chef_run)).returncode == 0
    readme = (chef_run / "README.md").read_text()
    assert "## ChEF scenarios, on lamm-mini" in readme and "| dummy |" in readme
    assert "LAMM (ChEF leaderboard)" not in readme.split("## ChEF scenarios, on lamm-mini")[1]  # demo data: no paper rows


def test_shared_prefix_equals_naive_on_every_chef_scenario_with_the_lamm_model(mini_root, tmp_path):
    sys.path.insert(0, str(Path(__file__).parents[1] / "adapters"))
    import tiny_lamm

    import lamm_bench
    from lamm_bench.model_adapters.lamm.adapter import LammAdapter

    models = tiny_lamm.build_tiny_lamm(tmp_path / "models")
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(models), "prompt_style": "chef"})
    scores = {}
    for way in ("shared", "naive"):
        lamm_bench.evaluate(adapter, "chef", data_root=mini_root, out_dir=tmp_path / way, name="m", limit=3,
                            batch_size=4, choice_scoring=way)  # fmt: skip
        scores[way] = {(task, row["id"], r["key"]): (r["option_scores"], row["prediction"])
                       for task in CHEF for row in _rows(tmp_path / way, "m", task)
                       for r in row["requests"] if "options" in r}  # fmt: skip
    assert scores["shared"].keys() == scores["naive"].keys() and len(scores["shared"]) >= 3 * len(CHEF)
    for key, (shared, prediction) in scores["shared"].items():
        naive, naive_prediction = scores["naive"][key]
        assert shared == pytest.approx(naive, abs=1e-4), key
        assert prediction == naive_prediction, key


ANSWER_FILES = {
    "chef-scienceqa": ([{"id": "0", "answer": "(A", "gt_choice": 0, "gt_choices": ["yes", "no"]},
                        {"id": "1", "answer": "The answer is (B)", "gt_choice": 0, "gt_choices": ["yes", "no"]},
                        {"id": "2", "answer": "no", "gt_choice": 1, "gt_choices": ["yes", "no"]}],
                       {"ACC": 200 / 3, "match_ratio": 100.0}),
    "chef-fsc147": ([{"id": "0", "answer": "12", "gt_answers": 12}, {"id": "1", "answer": "twelve", "gt_answers": 12},
                     {"id": "2", "answer": "13", "gt_answers": 12}, {"id": "3", "answer": "none", "gt_answers": 0}],
                    {"ACC": 75.0}),
    "chef-flickr30k": ([{"id": "0", "answer": "A dog runs.", "gt_answers": ["A dog runs.", "A dog."]},
                        {"id": "1", "answer": "A cat.", "gt_answers": ["A dog."]}], {"ACC": 50.0}),
}  # fmt: skip
"""ChEF answer files with hand-computed metrics: FSC147 reads the first count (digits or a number word; 0 when none),
ScienceQA's extractor reads ``(A``, ``The answer is (B)`` and the option text ``no``."""


@pytest.mark.parametrize("task", sorted(ANSWER_FILES))
def test_score_takes_chefs_own_answer_files(task, tmp_path):
    records, metrics = ANSWER_FILES[task]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(records))
    proc = run_cli("score", "--task", task, "--predictions", str(path), "--json")  # no data root needed
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["n"] == len(records) and report["metrics"] == pytest.approx(metrics)
    assert report["paper_metric"] == {"name": "ACC", "value": pytest.approx(metrics["ACC"])}


def test_a_chef_answer_file_without_what_the_metric_reads_is_one_line(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps([{"id": "0", "answer": "(A"}]))
    proc = run_cli("score", "--task", "chef-scienceqa", "--predictions", str(path), "--json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (f"lamm-bench: error: {path}: not a chef-scienceqa answer file of the reference "
                                   "(KeyError: 'gt_choices')")  # fmt: skip
