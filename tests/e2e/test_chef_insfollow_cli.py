"""ChEF's instruction following (``chef-insfollow-*``) through the installed CLI: a dummy run on lamm-mini (every run
of every question, the match ratio from the stored option scores), ``score`` on the run's own answer files written
as ChEF writes them (a folder of ``<run>.json``) giving the run's numbers, and a folder without a run refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli
from lamm_bench.metrics.chef_insfollow import INSFOLLOW_RUNS, item_key

TASKS = ("chef-insfollow-scienceqa", "chef-insfollow-mmbench")


@pytest.fixture(scope="module")
def insfollow_run(mini_root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("insfollow")
    proc = run_cli("run", "--model", "dummy", "--task", ",".join(TASKS), "--data-root", str(mini_root), "--out",
                   str(out), "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def _rows(out: Path, task: str) -> list[dict]:
    return [json.loads(line) for line in (out / f"results/dummy/{task}.predictions.jsonl").open()]


def _chosen_index(row: dict) -> int:
    """The chosen option's place, from the option scores the store kept (the first of the best)."""
    (choice,) = [r for r in row["requests"] if "options" in r]
    scores = choice["option_scores"]
    assert row["prediction"] == choice["options"][scores.index(max(scores))]
    return scores.index(max(scores))


@pytest.mark.parametrize("task", TASKS)
def test_the_match_ratio_compares_each_runs_chosen_place_with_the_origin_runs(insfollow_run, task):
    rows = _rows(insfollow_run, task)
    by_run = {run: [r for r in rows if r["id"].startswith(run + "/")] for run in INSFOLLOW_RUNS}
    n = len(by_run["origin"])
    assert [r["id"].split("/", 1)[0] for r in rows] == [run for run in INSFOLLOW_RUNS for _ in range(n)]
    questions = {}  # each question's first record (MMBench's circular copies are not counted)
    for k, row in enumerate(by_run["origin"]):
        questions.setdefault(item_key(row["id"].split("/", 1)[1]), k)
    metrics = json.loads((insfollow_run / f"results/dummy/{task}.json").read_text())["metrics"]
    for run in INSFOLLOW_RUNS[1:]:
        same = [_chosen_index(by_run[run][k]) == _chosen_index(by_run["origin"][k]) for k in questions.values()]
        assert metrics[f"{run}/MR"] == pytest.approx(100 * sum(same) / len(same))
        (choice,) = [r for r in by_run[run][0]["requests"] if "options" in r]
        assert by_run[run][0]["parsed"]["options"] == choice["options"]
    mr = {kind: [metrics[f"{r}/MR"] for r in INSFOLLOW_RUNS if r.startswith(kind)]
          for kind in ("natural", "neutral", "unnatural")}  # fmt: skip
    assert metrics["weighted_avg_MR"] == pytest.approx(sum(sum(v) / len(v) for v in mr.values()) / 3)
    result = json.loads((insfollow_run / f"results/dummy/{task}.json").read_text())
    headline = (result["paper_metric"]["name"], result["paper_metric"]["value"])
    assert headline == ("weighted_avg_MR", metrics["weighted_avg_MR"])


def _answer_folder(out: Path, task: str, folder: Path, runs=INSFOLLOW_RUNS) -> Path:
    """The run's answer records as ChEF's driver writes them: one file per run, ids without the run."""
    folder.mkdir()
    rows = _rows(out, task)
    for run in runs:
        records = [{**r["parsed"], "id": r["id"].split("/", 1)[1]} for r in rows if r["id"].startswith(run + "/")]
        (folder / f"{run}.json").write_text(json.dumps(records))
    return folder


def test_score_on_chefs_answer_files_gives_the_runs_numbers(insfollow_run, tmp_path):
    task = "chef-insfollow-mmbench"
    folder = _answer_folder(insfollow_run, task, tmp_path / "answers")
    proc = run_cli("score", "--task", task, "--predictions", str(folder), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    result = json.loads((insfollow_run / f"results/dummy/{task}.json").read_text())
    assert report["metrics"] == result["metrics"] and report["paper_metric"]["value"] == result["paper_metric"]["value"]
    assert report["n"] == len(_rows(insfollow_run, task))


def test_a_folder_without_a_run_is_one_line(insfollow_run, tmp_path):
    task = "chef-insfollow-scienceqa"
    folder = _answer_folder(insfollow_run, task, tmp_path / "answers", runs=INSFOLLOW_RUNS[:-1])
    proc = run_cli("score", "--task", task, "--predictions", str(folder), "--json")
    assert proc.returncode == 2 and proc.stderr.strip() == (
        f"lamm-bench: error: {folder}: no answer file of run 'unnatural_0' (unnatural_0.json)")


def test_a_second_run_gives_the_same_rows_and_numbers(insfollow_run, mini_root, tmp_path):
    task = "chef-insfollow-mmbench"
    proc = run_cli("run", "--model", "dummy", "--task", task, "--data-root", str(mini_root), "--out", str(tmp_path),
                   "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    name = f"results/dummy/{task}"
    rows = [(out / f"{name}.predictions.jsonl").read_bytes() for out in (insfollow_run, tmp_path)]
    assert rows[0] == rows[1]
    first, second = (json.loads((out / f"{name}.json").read_text()) for out in (insfollow_run, tmp_path))
    assert (second["metrics"], second["primary"], second["task"]["fingerprint"]) == (
        first["metrics"], first["primary"], first["task"]["fingerprint"])
