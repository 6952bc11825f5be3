"""ChEF's robustness desideratum through the installed CLI: dummy runs on generated corruptions (the same seed twice:
the same predictions and numbers; another seed: another fingerprint), and ``score`` on a folder of ChEF's answer
files (``origin.json ic.json tc.json ictc.json``), whose RRM is ``eval_robust.py``'s (values derived by running its
``compute_RRM`` on these accuracies: 80 -> 62.5 on ScienceQA gives 60.40723981900453)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli
from robust_fixtures import write_root

TASK = "chef-robust-scienceqa"


def _run(root: Path, out: Path, seed: int) -> dict:
    proc = run_cli("run", "--model", "dummy", "--task", TASK, "--data-root", str(root), "--out", str(out), "--seed",
                   str(seed), "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / f"results/dummy/{TASK}.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = write_root(tmp_path_factory.mktemp("robust_root"), with_c=False)
    out = tmp_path_factory.mktemp("robust_out")
    return out, [_run(root, out / name, seed) for name, seed in (("a", 0), ("b", 0), ("c", 1))]


def test_the_same_seed_gives_the_same_predictions_and_numbers(runs):
    out, (a, b, c) = runs
    assert (out / f"a/results/dummy/{TASK}.predictions.jsonl").read_bytes() == \
        (out / f"b/results/dummy/{TASK}.predictions.jsonl").read_bytes()  # fmt: skip
    assert a["metrics"] == b["metrics"] and a["task"]["fingerprint"] == b["task"]["fingerprint"]
    assert a["task"]["settings"]["corruption_source"] == "generated (lamm-bench-corruptions-1, seed 0)"
    assert c["task"]["settings"]["corruption_source"] == "generated (lamm-bench-corruptions-1, seed 1)"
    assert c["task"]["fingerprint"] != a["task"]["fingerprint"]
    assert a["paper_metric"] == {"name": "RRM", "value": a["metrics"]["ictc/RRM"], "key": "ictc/RRM"}
    assert {k.split("/")[0] for k in a["metrics"]} == {"origin", "ic", "tc", "ictc"}
    rows = [json.loads(line) for line in (out / f"a/results/dummy/{TASK}.predictions.jsonl").open()]
    assert [r["id"] for r in rows[:4]] == ["origin/q1", "ic/q1", "tc/q1", "ictc/q1"]
    assert rows[1]["media"][0].startswith("ChEF/generated/ScienceQA_C/images/")
    assert rows[1]["target"]["clean"] == {"question": rows[0]["target"]["question"], "image": rows[0]["media"][0]}


def _answers(right: int, total: int) -> list[dict]:
    return [{"id": str(i), "answer": "(A" if i < right else "(B", "gt_choice": 0, "gt_choices": ["x", "y"],
             "gt_answers": "(A)"} for i in range(total)]  # fmt: skip


def test_score_reads_a_folder_of_chefs_answer_files(tmp_path):
    for run, (right, total) in {"origin": (4, 5), "ic": (5, 8), "tc": (1, 2), "ictc": (5, 8)}.items():
        (tmp_path / f"{run}.json").write_text(json.dumps(_answers(right, total)))
    proc = run_cli("score", "--task", TASK, "--predictions", str(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["paper_metric"] == {"name": "RRM", "value": pytest.approx(60.40723981900453, abs=1e-12)}
    assert report["metrics"]["ictc/RR"] == 78.125 and report["metrics"]["tc/ACC"] == 50.0 and report["n"] == 23
    (tmp_path / "tc.json").unlink()
    proc = run_cli("score", "--task", TASK, "--predictions", str(tmp_path), "--json")
    assert proc.returncode == 2 and "no answer file of run 'tc' (tc.json)" in proc.stderr
