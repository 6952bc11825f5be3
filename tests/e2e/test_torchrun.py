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
