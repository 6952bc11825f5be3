"""ChEF's ICL desideratum (``chef-icl-scienceqa``, ``chef-icl-mmbench``) through the installed CLI: a dummy run on
lamm-mini, run again with the same seed (byte-identical predictions), and ``score`` on a folder of ChEF answer files
``ice0.json`` .. ``ice3.json`` (the same numbers; a missing run's file named)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli
from lamm_bench.metrics.chef_icl import ICL_RUNS

TASKS = ("chef-icl-scienceqa", "chef-icl-mmbench")


def _run(root: Path, out: Path) -> Path:
    proc = run_cli("run", "--model", "dummy", "--task", ",".join(TASKS), "--data-root", str(root), "--out", str(out),
                   "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out / "results" / "dummy"


@pytest.fixture(scope="module")
def runs(mini_root, tmp_path_factory) -> tuple[Path, Path]:
    return _run(mini_root, tmp_path_factory.mktemp("icl_a")), _run(mini_root, tmp_path_factory.mktemp("icl_b"))


def _rows(folder: Path, task: str) -> list[dict]:
    return [json.loads(line) for line in (folder / f"{task}.predictions.jsonl").open()]


@pytest.mark.parametrize("task", TASKS)
def test_a_run_holds_four_runs_and_riam_of_their_accuracies(runs, task):
    rows = _rows(runs[0], task)
    n = len(rows) // 4
    assert [r["id"].split("/")[0] for r in rows] == [run for run in ICL_RUNS for _ in range(n)]
    for row in rows:
        shots = int(row["id"][3])
        cot, ppl = row["requests"]
        assert cot["key"] == "cot" and ppl["system"].startswith("You will now see some examples.")
        assert len(row["target"]["ice_ids"]) == shots and ppl["text"].startswith(row["target"]["ices"])
        assert ppl["text"].endswith("The answer is: ") and row["target"]["ices"].count("\n: (") == shots
    result = json.loads((runs[0] / f"{task}.json").read_text())
    metrics, key = result["metrics"], "vanilla_acc" if task.endswith("mmbench") else "ACC"
    acc = [metrics[f"{run}/{key}"] for run in ICL_RUNS]
    rand = 27.67 if task.endswith("mmbench") else 35.8
    assert metrics["RIAM"] == pytest.approx(((sum(acc[1:]) / 3 - acc[0]) / (acc[0] - rand)) * 50 + 50)
    assert result["paper_metric"] == {"name": "RIAM", "value": metrics["RIAM"], "key": "RIAM"}
    assert result["primary"]["name"] == f"ice0/{key}"


def test_the_same_seed_gives_byte_identical_predictions(runs):
    for task in TASKS:
        first, second = (folder / f"{task}.predictions.jsonl" for folder in runs)
        assert first.read_bytes() == second.read_bytes()


def test_score_reads_a_folder_of_chef_answer_files(runs, tmp_path):
    task = "chef-icl-mmbench"
    folder = tmp_path / "answers"
    folder.mkdir()
    for run in ICL_RUNS:  # ChEF's answer file of each run: its records, ids without the run
        records = [{**r["parsed"], "id": r["id"].split("/", 1)[1]} for r in _rows(runs[0], task)
                   if r["id"].startswith(run + "/")]  # fmt: skip
        (folder / f"{run}.json").write_text(json.dumps(records))
    scored = run_cli("score", "--task", task, "--predictions", str(folder), "--json")
    assert scored.returncode == 0, scored.stderr
    report = json.loads(scored.stdout)
    metrics = json.loads((runs[0] / f"{task}.json").read_text())["metrics"]
    assert report["metrics"] == pytest.approx(metrics) and report["paper_metric"]["value"] == metrics["RIAM"]
    (folder / "ice2.json").unlink()
    missing = run_cli("score", "--task", task, "--predictions", str(folder), "--json")
    assert missing.returncode == 2 and "ice2.json" in missing.stderr and "Traceback" not in missing.stderr
