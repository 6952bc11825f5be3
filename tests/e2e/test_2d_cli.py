"""The 2D task groups through the installed ``lamm-bench`` command on the mini root, as a user runs them.

``run --model dummy --task lamm2d`` (and ``lamm2d-chef``) must write a result per task with the LAMM table's
label, and ``score --json`` on the run's own per-sample predictions must give back the run's metrics exactly --
for every 2D task, including LSP, whose predictions are joint -> answer objects. The re-scoring runs the installed
command in a subprocess for one task of each kind (mapping, pooled, corpus metric, WordNet, raw counts) and the
same ``score`` command in-process for the others, so WordNet is loaded once instead of once per task.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_helpers import run_cli
from lamm_bench.cli import app

PAPER = {  # task -> the LAMM table's column label
    "cifar10": "Acc", "voc2012": "mAP", "scienceqa": "Acc", "ai2d": "Acc", "flickr30k": "BLEU4",
    "ucmerced": "Acc", "fsc147": "MAE", "svt": "Word Acc", "celeba-smile": "Acc", "celeba-hair": "Acc",
    "lsp": "PCK", "binary-loc": "Binary-Loc",
}  # fmt: skip
CHEF = {
    "cifar10-chef": "ACC", "voc2012-chef": "recall@0.50", "scienceqa-chef": "vision_acc", "ai2d-chef": "vision_acc",
    "flickr30k-chef": "CIDEr", "ucmerced-chef": "ACC", "fsc147-chef": "MAE", "svt-chef": "ACC",
    "celeba-smile-chef": "ACC", "celeba-hair-chef": "ACC", "locating-voc2012-chef": "ACC",
    "locating-lsp-chef": "ACC",
}  # fmt: skip

SUBPROCESS = {"lsp", "binary-loc", "flickr30k-chef", "fsc147-chef", "voc2012"}


def _run(group: str, mini_root: Path, out: Path) -> Path:
    proc = run_cli("run", "--model", "dummy", "--task", group, "--data-root", str(mini_root), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out / "results" / "dummy"


@pytest.fixture(scope="module")
def results(mini_root, tmp_path_factory) -> Path:
    """One run of both groups (one process: the word resources load once)."""
    return _run("lamm2d,lamm2d-chef", mini_root, tmp_path_factory.mktemp("run2d"))


def _check(results: Path, task: str, label: str, mini_root: Path, tmp_path: Path) -> None:
    result = json.loads((results / f"{task}.json").read_text())
    assert result["task"]["name"] == task and result["paper_metric"]["name"] == label
    assert result["paper_metric"]["value"] == result["metrics"][result["paper_metric"]["key"]]
    rows = [json.loads(line) for line in (results / f"{task}.predictions.jsonl").read_text().splitlines()]
    assert len(rows) == result["task"]["n_samples"] > 0
    if task == "lsp":
        assert all(isinstance(r["prediction"], dict) and len(r["prediction"]) == 14 for r in rows)
    if task == "binary-loc":
        assert {r["id"].split(":")[0] for r in rows} == {"Locating_VOC2012", "Locating_LSP"}
    answers = tmp_path / f"{task}.jsonl"
    answers.write_text("".join(json.dumps({"id": r["id"], "text": r["prediction"]}) + "\n" for r in rows))
    args = ("score", "--task", task, "--predictions", str(answers), "--data-root", str(mini_root), "--json")
    if task in SUBPROCESS:
        proc = run_cli(*args)
        assert proc.returncode == 0, proc.stderr[-2000:]
        stdout = proc.stdout
    else:
        done = CliRunner().invoke(app, list(args[0:]))
        assert done.exit_code == 0, done.output
        stdout = done.stdout
    report = json.loads(stdout)
    assert report["metrics"] == result["metrics"]
    assert report["paper_metric"] == {"name": label, "value": result["paper_metric"]["value"]}
    assert report["unparsed"] == result["unparsed"]


@pytest.mark.parametrize("task", list(PAPER))
def test_lamm2d_run_and_rescore(task, results, mini_root, tmp_path):
    _check(results, task, PAPER[task], mini_root, tmp_path)


@pytest.mark.parametrize("task", list(CHEF))
def test_lamm2d_chef_run_and_rescore(task, results, mini_root, tmp_path):
    _check(results, task, CHEF[task], mini_root, tmp_path)


def test_groups_produce_exactly_their_tasks(results):
    assert sorted(p.stem for p in results.glob("*.json")) == sorted({**PAPER, **CHEF})


def test_score_rejects_a_string_for_lsp(mini_root, tmp_path):
    answers = tmp_path / "lsp.jsonl"
    answers.write_text(json.dumps({"id": "0", "text": "[0.5, 0.5]"}) + "\n")
    proc = run_cli("score", "--task", "lsp", "--predictions", str(answers), "--data-root", str(mini_root),
                   "--json", "--partial")  # fmt: skip
    assert proc.returncode == 2 and "should be an object" in proc.stderr and "Traceback" not in proc.stderr
