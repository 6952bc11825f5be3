"""`lamm-bench run` end to end with the dummy adapter: result files, resume, kill -9 and re-run, bad input."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from cli_helpers import CLI, run_cli

VOLATILE = ("created", "throughput", "provenance")


def _stable(result_path: Path) -> dict:
    result = json.loads(result_path.read_text())
    return {k: v for k, v in result.items() if k not in VOLATILE}


def test_run_writes_results_and_resumes_without_inference(mini_root, tmp_path):
    out = tmp_path / "lb"
    args = ("run", "--model", "dummy", "--task", "scienceqa,cifar10", "--data-root", str(mini_root), "--out", str(out), "--no-progress")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    for task in ("scienceqa", "cifar10"):
        result = json.loads((out / "results/dummy" / f"{task}.json").read_text())
        assert result["schema_version"] == 1
        assert result["task"]["name"] == task and result["task"]["n_samples"] == 6
        assert result["paper_metric"]["name"] == "Acc"
        assert result["paper_metric"]["value"] == result["metrics"]["accuracy"]
        assert result["model"]["fingerprint"] and len(result["task"]["meta_files"][0]["sha256"]) == 64
        assert result["provenance"]["lamm_bench"] and result["seed"] == 0
        low, high = result["primary"]["ci95"]
        assert low <= result["primary"]["value"] <= high
        rows = [json.loads(line) for line in (out / "results/dummy" / f"{task}.predictions.jsonl").read_text().splitlines()]
        assert len(rows) == 6 and all({"id", "prediction", "parsed", "scores"} <= set(r) for r in rows)
        assert result["metrics"]["accuracy"] == 100 * sum(r["scores"]["correct"] for r in rows) / 6
    assert json.loads((out / "results/dummy/scienceqa.json").read_text())["throughput"]["new_requests"] == 12  # 2 steps
    before = {t: _stable(out / f"results/dummy/{t}.json") for t in ("scienceqa", "cifar10")}
    second = run_cli(*args)
    assert second.returncode == 0, second.stderr
    for task in ("scienceqa", "cifar10"):
        again = json.loads((out / f"results/dummy/{task}.json").read_text())
        assert again["throughput"]["new_requests"] == 0
        assert _stable(out / f"results/dummy/{task}.json") == before[task]


def test_scoring_the_run_predictions_gives_the_same_number(mini_root, tmp_path):
    out = tmp_path / "lb"
    assert run_cli("run", "--model", "dummy", "--task", "scienceqa", "--data-root", str(mini_root), "--out", str(out)).returncode == 0
    rows = [json.loads(line) for line in (out / "results/dummy/scienceqa.predictions.jsonl").read_text().splitlines()]
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"id": r["id"], "text": r["prediction"]}) + "\n" for r in rows))
    proc = run_cli("score", "--task", "scienceqa", "--predictions", str(answers), "--data-root", str(mini_root), "--json")
    result = json.loads((out / "results/dummy/scienceqa.json").read_text())
    assert json.loads(proc.stdout)["metrics"] == result["metrics"]


def test_kill_9_mid_run_then_rerun_matches_uninterrupted(mini_root, tmp_path):
    common = ["--model", "dummy", "--task", "scienceqa", "--data-root", str(mini_root), "--batch-size", "1", "--no-progress"]
    reference = tmp_path / "ref"
    assert run_cli("run", *common, "--out", str(reference)).returncode == 0

    killed = tmp_path / "killed"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([CLI, "run", *common, "--out", str(killed), "--model-arg", "delay=0.25"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.time() + 60
    stores = []
    while time.time() < deadline:
        stores = list(killed.glob("store/**/*.jsonl"))
        if stores and len(stores[0].read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(stores[0].read_text().splitlines())
    assert 3 <= done_before < 12, "the kill should land mid-run"
    assert not (killed / "results/dummy/scienceqa.json").exists(), "no half-written result"

    # The delay does not change answers, but it is an adapter argument, so the same command must be repeated.
    resumed = run_cli("run", *common, "--out", str(killed), "--model-arg", "delay=0.25")
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads((killed / "results/dummy/scienceqa.json").read_text())
    assert result["throughput"]["new_requests"] == 12 - done_before
    ref = json.loads((reference / "results/dummy/scienceqa.json").read_text())
    assert result["metrics"] == ref["metrics"] and result["primary"] == ref["primary"]
    assert (killed / "results/dummy/scienceqa.predictions.jsonl").read_text() == (
        reference / "results/dummy/scienceqa.predictions.jsonl"
    ).read_text()


def test_bad_input_exits_2_with_one_line(mini_root, tmp_path):
    cases = [
        (("run", "--model", "dummy", "--task", "sciencqa", "--data-root", str(mini_root)), "did you mean 'scienceqa'"),
        (("run", "--model", "dumm", "--task", "scienceqa", "--data-root", str(mini_root)), "did you mean 'dummy'"),
        (("run", "--model", "dummy", "--task", "scienceqa", "--data-root", str(tmp_path / "nope")), "does not exist"),
        (("run", "--model", "dummy", "--task", "scienceqa", "--data-root", str(tmp_path)), "meta file not found"),
        (("run", "--model", "dummy", "--task", "scienceqa", "--data-root", str(mini_root), "--model-arg", "nokey"), "KEY=VALUE"),
        (("run", "--model", "dummy", "--task", "scienceqa", "--data-root", str(mini_root), "--model-arg", "colour=red"), "has no argument 'colour'"),
        # refused before any weights are looked for: CLIP cannot write ScienceQA's free-text reasoning
        (("run", "--model", "openclip", "--model-arg", "arch=ViT-B-32", "--model-arg", "weights=/nonexistent.pt",
          "--task", "scienceqa", "--data-root", str(mini_root)), "can only answer closed-set tasks"),
        (("run", "--model", "lamm-7b", "--task", "scienceqa", "--data-root", str(mini_root)), "missing"),
        # a 2D-only adapter is refused on a 3D task before it connects anywhere
        (("run", "--model", "openai", "--model-arg", "base_url=http://127.0.0.1:9/v1", "--model-arg", "model=m",
          "--task", "scanqa", "--data-root", str(mini_root)), "does not support point_cloud"),
    ]
    for args, message in cases:
        proc = run_cli(*args, "--out", str(tmp_path / "out"))
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "out" / "results").exists()


def test_failures_are_counted_not_filled_in(mini_root, tmp_path):
    out = tmp_path / "lb"
    proc = run_cli("run", "--model", "dummy", "--task", "cifar10", "--data-root", str(mini_root), "--out", str(out),
                   "--model-arg", "fail_every=2")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "results/dummy/cifar10.json").read_text())
    rows = [json.loads(line) for line in (out / "results/dummy/cifar10.predictions.jsonl").read_text().splitlines()]
    failed = [r for r in rows if r["failed"]]
    assert result["failed"] == len(failed) > 0
    assert all(r["prediction"] == "" and r["scores"]["correct"] == 0.0 for r in failed)
