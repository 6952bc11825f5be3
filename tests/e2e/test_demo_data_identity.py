"""Results on the mini demo benchmark can never be mistaken for LAMM results: the data root says what it is, every
result records it, and the leaderboard shows those results in a section of their own, without the paper's rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli_helpers import run_cli

from lamm_bench.demo.contract import MINI_VERSION

FIXTURES = Path(__file__).parents[1] / "fixtures" / "leaderboard"


def test_mini_results_carry_the_data_identity_and_get_their_own_section(tmp_path):
    data, out = tmp_path / "data", tmp_path / "lb"
    assert run_cli("data", "mini", "--out", str(data)).returncode == 0
    identity = json.loads((data / "lamm_bench_dataset.json").read_text())
    assert identity["name"] == "lamm-mini" and identity["version"] == f"{MINI_VERSION}+seed0"
    done = run_cli("run", "--model", "dummy", "--task", "cifar10,scanqa", "--data-root", str(data), "--out", str(out),
                   "--no-progress")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "results/dummy/cifar10.json").read_text())
    assert result["task"]["dataset"] == identity
    shutil.copytree(FIXTURES / "results", out / "results", dirs_exist_ok=True)  # LAMM results beside them
    assert run_cli("leaderboard", "--out", str(out)).returncode == 0
    readme = (out / "README.md").read_text()
    real, demo = readme.split("# Demo data: not the LAMM benchmark\n")
    assert real.rstrip("\n") + "\n" == (FIXTURES / "README.golden.md").read_text()  # LAMM tables as without demo data
    assert "## 2D tasks, LAMM paper protocol, on lamm-mini" in demo
    assert "## 3D tasks, LAMM paper protocol, on lamm-mini" in demo
    assert "| dummy |" in demo and "dummy" not in real
    assert "*LAMM-13B (paper)*" not in demo  # no published row beside demo numbers


def test_a_malformed_identity_file_is_a_user_error(mini_root, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(mini_root, data)
    (data / "lamm_bench_dataset.json").write_text("[1, 2]")
    done = run_cli("run", "--model", "dummy", "--task", "cifar10", "--data-root", str(data), "--out", str(tmp_path / "o"),
                   "--no-progress")  # fmt: skip
    assert done.returncode == 2 and "lamm_bench_dataset.json" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()  # found while preparing: nothing asked, nothing stored
