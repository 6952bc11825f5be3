"""The 3D desiderata (``desiderata3d``: ``robust3d-scanqa``, ``robust3d-scanrefer``, ``pope3d-scannet``,
``calibration3d-scanqa``) through the
installed CLI with ``dummy`` on lamm-mini: every run's rows and numbers recomputed from the rows, the same seed giving
byte-identical rows and numbers, another seed stored apart and recorded, and ``score`` on a run's own answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli
from lamm_bench.metrics.chef_desiderata import calibration_bins
from lamm_bench.tasks.desiderata3d import BOX_ROBUST_RUNS, ROBUST_RUNS
from lamm_bench.tasks.pope3d import RUNS as POPE_RUNS


def _run(root: Path, out: Path, seed: int) -> Path:
    proc = run_cli("run", "--model", "dummy", "--task", "desiderata3d", "--data-root", str(root), "--out", str(out),
                   "--seed", str(seed), "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def runs(mini_root, tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("desiderata3d")
    return {name: _run(mini_root, base / name, seed) for name, seed in (("a", 0), ("b", 0), ("c", 1))}


def _rows(out: Path, task: str) -> list[dict]:
    return [json.loads(line) for line in (out / f"results/dummy/{task}.predictions.jsonl").open()]


def _result(out: Path, task: str) -> dict:
    return json.loads((out / f"results/dummy/{task}.json").read_text())


def test_robustness_has_every_run_and_its_ratios_against_the_clean_run(runs, mini_root):
    rows, result = _rows(runs["a"], "robust3d-scanqa"), _result(runs["a"], "robust3d-scanqa")
    n = len(json.loads((mini_root / "3D_Benchmark/meta_file/VQA_ScanQA_multiplechoice.json").read_text()))
    assert [r["id"].split("/")[0] for r in rows] == [run for run in ROBUST_RUNS for _ in range(n)]
    metrics = result["metrics"]
    chance = 100 * sum(1 / len(r["target"]["gt_choices"]) for r in rows[:n]) / n
    acc = {run: 100 * sum(r["scores"]["correct"] for r in rows if r["id"].startswith(run + "/")) / n
           for run in ROBUST_RUNS}  # fmt: skip
    assert metrics["acc_rand"] == pytest.approx(chance)
    for run in ROBUST_RUNS[1:]:
        assert metrics[f"{run}/accuracy"] == pytest.approx(acc[run])
        assert metrics[f"{run}/RRM"] == pytest.approx((acc[run] - chance) / (acc["clean"] - chance) * 100)
    assert result["paper_metric"] == {"name": "RRM", "value": pytest.approx(
        sum(metrics[f"{run}/RRM"] for run in ROBUST_RUNS[1:]) / 5), "key": "RRM"}
    assert result["task"]["settings"]["corruptions"]["jitter"] == {"kind": "jitter", "severity": 0.02}


def test_grounding_robustness_has_every_run_but_the_rotation_and_its_ratios(runs, mini_root):
    rows, result = _rows(runs["a"], "robust3d-scanrefer"), _result(runs["a"], "robust3d-scanrefer")
    n = len(json.loads((mini_root / "3D_Benchmark/meta_file/VG_ScanRefer.json").read_text()))
    assert BOX_ROBUST_RUNS == ("clean", "jitter", "dropout", "density", "colour")
    assert [r["id"].split("/")[0] for r in rows] == [run for run in BOX_ROBUST_RUNS for _ in range(n)]
    assert all(r["scores"]["correct"] == r["scores"]["acc@0.5"] for r in rows)
    metrics = result["metrics"]
    for run in BOX_ROBUST_RUNS:
        assert metrics[f"{run}/accuracy"] == pytest.approx(
            100 * sum(r["scores"]["correct"] for r in rows if r["id"].startswith(run + "/")) / n)
    assert "rotate_z/accuracy" not in metrics and metrics["acc_rand"] == 0.0
    assert result["paper_metric"]["key"] == "RRM" and set(result["task"]["settings"]["corruptions"]) == set(
        BOX_ROBUST_RUNS[1:])  # fmt: skip


def test_a_limit_is_per_run_of_the_grounding_robustness(mini_root, tmp_path):
    proc = run_cli("run", "--model", "dummy", "--task", "robust3d-scanrefer", "--limit", "2", "--data-root",
                   str(mini_root), "--out", str(tmp_path), "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = _rows(tmp_path, "robust3d-scanrefer")
    assert [r["id"].split("/")[0] for r in rows] == [run for run in BOX_ROBUST_RUNS for _ in range(2)]
    assert set(_result(tmp_path, "robust3d-scanrefer")["metrics"]) >= {f"{run}/accuracy" for run in BOX_ROBUST_RUNS}


def test_pope3d_is_balanced_per_run_and_accuracy_is_the_mean_of_the_runs(runs):
    rows, metrics = _rows(runs["a"], "pope3d-scannet"), _result(runs["a"], "pope3d-scannet")["metrics"]
    for run in POPE_RUNS:
        mine = [r for r in rows if r["id"].startswith(run + "/")]
        assert mine and [r["target"]["label"] for r in mine] == ["yes", "no"] * (len(mine) // 2)
        right = sum((r["prediction"] == "No") == (r["target"]["label"] == "no") for r in mine)
        assert metrics[f"{run}/Accuracy"] == pytest.approx(right / len(mine))
        assert all(r["requests"][0]["text"] == f"Is there a {r['target']['object']} in the scene?" for r in mine)
    assert metrics["Accuracy"] == pytest.approx(sum(metrics[f"{run}/Accuracy"] for run in POPE_RUNS) / 3)


def test_calibration3d_ece_is_the_top_softmax_of_the_recorded_scores(runs):
    rows, metrics = _rows(runs["a"], "calibration3d-scanqa"), _result(runs["a"], "calibration3d-scanqa")["metrics"]
    items = [(max(r["parsed"]["probs"]), r["scores"]["correct"]) for r in rows]
    assert metrics["ECE"] == pytest.approx(calibration_bins(items)["ECE"], abs=1e-12)
    assert metrics["accuracy"] == pytest.approx(100 * sum(c for _, c in items) / len(items))


def test_the_same_seed_gives_identical_rows_and_numbers_another_seed_is_stored_apart(runs):
    for task in ("robust3d-scanqa", "robust3d-scanrefer", "pope3d-scannet", "calibration3d-scanqa"):
        a, b, c = (runs[k] / f"results/dummy/{task}.predictions.jsonl" for k in "abc")
        assert a.read_bytes() == b.read_bytes()
        assert _result(runs["a"], task)["metrics"] == _result(runs["b"], task)["metrics"]
        assert _result(runs["c"], task)["seed"] == 1 and _result(runs["a"], task)["seed"] == 0
        stores = [sorted(p.name for p in (runs[k] / f"store/dummy/{task}").iterdir()) for k in "abc"]
        assert stores[0] == stores[1] and stores[0] != stores[2]


@pytest.mark.parametrize("task", ["robust3d-scanqa", "robust3d-scanrefer"])
def test_score_takes_a_runs_answers_with_run_prefixed_ids(runs, mini_root, tmp_path, task):
    rows = _rows(runs["a"], task)
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps({"id": r["id"], "text": r["prediction"]}) + "\n" for r in rows))
    proc = run_cli("score", "--task", task, "--predictions", str(path), "--data-root", str(mini_root), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["metrics"] == pytest.approx(_result(runs["a"], task)["metrics"])


def test_the_leaderboard_shows_a_3d_desiderata_table_without_published_rows(runs):
    proc = run_cli("leaderboard", "--out", str(runs["a"]))
    assert proc.returncode == 0, proc.stderr
    text = (runs["a"] / "README.md").read_text()
    table = text.split("## 3D desiderata (beyond ChEF), on lamm-mini\n", 1)[1].split("\n## ", 1)[0]
    assert ("| model | robust3d-scanqa<br>RRM ↑ | robust3d-scanrefer<br>RRM ↑ | pope3d-scannet<br>Accuracy ↑ "
            "| calibration3d-scanqa<br>ECE ↓ |") in table
    assert "| dummy |" in table and "*" not in table.split("| column |")[0]  # no published (italic) row
