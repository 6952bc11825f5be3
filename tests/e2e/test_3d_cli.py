"""The 3D tasks through the installed ``lamm-bench`` command, on lamm-mini's 3D files, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = Path(sys.executable).parent / "lamm-bench"


def lamm_bench(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("LAMM_BENCH_DATA", None)
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, env=env, timeout=300)


def score(task: str, predictions: Path, root: Path) -> subprocess.CompletedProcess:
    return lamm_bench("score", "--task", task, "--predictions", str(predictions), "--data-root", str(root), "--json")


@pytest.fixture(scope="module")
def root(mini_root) -> Path:
    """lamm-mini at the session's small scale: 4 records in each 3D meta file."""
    return mini_root


def _box(values) -> str:
    return "[" + ", ".join(repr(round(v, 4)) for v in values) + "]"


def test_score_scanrefer_predictions(root, tmp_path):
    records = json.loads((root / "3D_Benchmark/meta_file/VG_ScanRefer.json").read_text())
    boxes = {r["id"]: r["object"] for r in records}
    cx, cy, cz, l, w, h = boxes["vg1"]
    sx, sy, sz, sl, sw, sh = boxes["vg3"]
    answers = {
        "vg0": f"The chair is at {_box(boxes['vg0'])}.",  # exact
        "vg1": f"It is {_box([cx + 1.8 * l, cy + 1.8 * w, cz, l, w, h])}.",  # disjoint in x, y: paper IoU 0.47
        "vg2": "I cannot find it.",  # no box
        "vg3": f"{_box([sx + sl / 2, sy, sz, sl, sw, sh])}",  # half overlap in x: IoU 1/3
    }
    predictions = tmp_path / "answers.jsonl"
    predictions.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in answers.items()))
    done = score("scanrefer", predictions, root)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["task"], report["protocol"], report["version"], report["n"]) == ("scanrefer", "paper", "1", 4)
    assert report["paper_metric"] == {"name": "Acc@0.5", "value": 25.0}
    m = report["metrics"]
    assert m["acc_reference@0.25"] == 75.0 and m["acc_reference@0.5"] == 25.0
    assert m["acc@0.25"] == 50.0 and m["acc@0.5"] == 25.0
    assert report["unparsed"] == 1

    chef = score("scanrefer-chef", predictions, root)
    assert chef.returncode == 0, chef.stderr
    assert json.loads(chef.stdout)["paper_metric"] == {"name": "mAR", "value": 25.0}


def test_score_needs_the_3d_meta_file(tmp_path):
    predictions = tmp_path / "answers.jsonl"
    predictions.write_text('{"id": "0", "text": "[0, 0, 0, 1, 1, 1]"}\n')
    done = lamm_bench("score", "--task", "scanrefer", "--predictions", str(predictions), "--data-root", str(tmp_path))
    assert done.returncode == 2
    assert "VG_ScanRefer.json" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_run_dummy_on_lamm3d_matches_score(root, tmp_path):
    out = tmp_path / "out"
    done = lamm_bench("run", "--model", "dummy", "--task", "lamm3d,lamm3d-chef", "--data-root", str(root),
                      "--out", str(out), "--no-progress")  # fmt: skip
    assert done.returncode == 0, done.stderr
    counts = {"scannet-det": 4, "scanrefer": 4, "scanqa": 4}  # 30 test records x 0.12 in each file
    for name in ("scannet-det", "scanrefer", "scanqa", "scannet-det-chef", "scanrefer-chef", "scanqa-chef"):
        result = json.loads((out / "results/dummy" / f"{name}.json").read_text())
        assert result["task"]["protocol"] == ("chef" if name.endswith("-chef") else "paper")
        assert result["task"]["n_samples"] == counts[name.removesuffix("-chef")]
        assert result["task"]["settings"]["num_points"] == 40_000
        lines = (out / "results/dummy" / f"{name}.predictions.jsonl").read_text().splitlines()
        rows = [json.loads(line) for line in lines]
        # re-scoring the run's own answers with `lamm-bench score` gives the run's numbers
        answers = tmp_path / f"{name}.jsonl"
        answers.write_text("".join(json.dumps({"id": r["id"], "text": r["prediction"]}) + "\n" for r in rows))
        rescored = score(name, answers, root)
        assert rescored.returncode == 0, rescored.stderr
        report = json.loads(rescored.stdout)
        assert report["paper_metric"]["value"] == result["paper_metric"]["value"]
        assert report["metrics"] == result["metrics"]
    # the dummy's answers hold 2D boxes only: no 3D box can be read from them
    detection = json.loads((out / "results/dummy/scannet-det.json").read_text())
    assert detection["unparsed"] == 4 and detection["paper_metric"]["value"] == 0.0
    scanqa = json.loads((out / "results/dummy/scanqa.json").read_text())
    assert scanqa["task"]["settings"]["letters"] == "ABCDEF"
