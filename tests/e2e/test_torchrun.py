"""`torchrun --nproc-per-node 2 -m lamm_bench run ...` (gloo on CPU) gives the single-process results."""

import json
import os
import subprocess
import sys
from pathlib import Path

from cli_helpers import run_cli

TORCHRUN = str(Path(sys.executable).with_name("torchrun"))


def test_two_ranks_equal_one_process(mini_root, tmp_path):
    common = ["run", "--model", "dummy", "--task", "scienceqa,voc2012", "--data-root", str(mini_root), "--no-progress"]
    assert run_cli(*common, "--out", str(tmp_path / "one")).returncode == 0
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([TORCHRUN, "--nproc-per-node", "2", "--master-port", "29531", "-m", "lamm_bench", *common,
                           "--out", str(tmp_path / "two")], capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    for task in ("scienceqa", "voc2012"):
        one = json.loads((tmp_path / "one/results/dummy" / f"{task}.json").read_text())
        two = json.loads((tmp_path / "two/results/dummy" / f"{task}.json").read_text())
        assert two["throughput"]["world_size"] == 2
        assert (two["metrics"], two["primary"], two["paper_metric"]) == (one["metrics"], one["primary"], one["paper_metric"])
        assert (tmp_path / "two/results/dummy" / f"{task}.predictions.jsonl").read_text() == (
            tmp_path / "one/results/dummy" / f"{task}.predictions.jsonl"
        ).read_text()
    ranks = sorted(p.name.split(".")[-2] for p in (tmp_path / "two/store/dummy/scienceqa").glob("*.jsonl"))
    assert ranks == ["rank0", "rank1"]


def _pid_of_rank(rank: int) -> int | None:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"lamm_bench" in cmd and b"torchrun" not in cmd and f"RANK={rank}".encode() in env and b"LAMM_TEST_KILL=1" in env:
            return int(pid)
    return None


def test_a_killed_rank_fails_the_run_clearly_and_a_rerun_resumes(mini_root, tmp_path):
    import signal
    import time

    out = tmp_path / "lb"
    command = [TORCHRUN, "--nproc-per-node", "2", "--master-port", "29533", "-m", "lamm_bench", "run", "--model",
               "dummy", "--model-arg", "delay=0.7", "--task", "ucmerced", "--data-root", str(mini_root), "--out",
               str(out), "--no-progress", "--batch-size", "1"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "LAMM_TEST_KILL": "1"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until rank 1 has stored an answer, then kill it mid-shard
        stores = list(out.glob("store/dummy/ucmerced/*.rank1.jsonl"))
        if stores and stores[0].read_text().count("\n") >= 1 and (pid := _pid_of_rank(1)):
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.1)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "lamm-bench: error: rank 0 of 2 stopped by the launcher because another rank failed" in stderr, stderr[-3000:]
    assert "rank      : 1" in stderr  # torchrun's root cause names the killed rank
    assert not (out / "results").exists()
    stored_before = sum(p.read_text().count("\n") for p in out.glob("store/dummy/ucmerced/*.jsonl"))
    assert 1 <= stored_before < 6

    rerun = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    lines = [json.loads(x) for p in out.glob("store/dummy/ucmerced/*.jsonl") for x in p.read_text().splitlines()]
    assert len(lines) == 6 == len({x["sample_id"] for x in lines})  # every request answered once, none twice
    fresh = run_cli("run", "--model", "dummy", "--model-arg", "delay=0.7", "--task", "ucmerced", "--data-root",
                    str(mini_root), "--out", str(tmp_path / "one"), "--no-progress")  # fmt: skip
    assert fresh.returncode == 0
    assert (out / "results/dummy/ucmerced.predictions.jsonl").read_text() == (
        tmp_path / "one/results/dummy/ucmerced.predictions.jsonl").read_text()


def test_a_rerun_with_another_number_of_ranks_resumes(mini_root, tmp_path):
    common = ["run", "--model", "dummy", "--task", "scienceqa", "--data-root", str(mini_root), "--no-progress",
              "--out", str(tmp_path)]  # fmt: skip
    assert run_cli(*common, "--limit", "4").returncode == 0
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([TORCHRUN, "--nproc-per-node", "2", "--master-port", "29535", "-m", "lamm_bench", *common],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(x) for p in tmp_path.glob("store/dummy/scienceqa/*.jsonl") for x in p.read_text().splitlines()]
    assert len(lines) == 12 == len({(x["sample_id"], x["key"]) for x in lines})  # 6 samples x 2 steps, once each
