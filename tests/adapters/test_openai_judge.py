"""`lamm-bench judge` end to end: two models' stored answers ranked by an OpenAI-compatible judge on loopback."""

import json
import sys
from pathlib import Path

import lamm_bench

sys.path.insert(0, str(Path(__file__).parent))
from test_openai import KEY, server  # noqa: E402,F401 -- the fixture starting the fake server

sys.path.insert(0, str(Path(__file__).parent.parent))
from cli_helpers import run_cli  # noqa: E402


def test_judge_through_the_cli(server, mini_root, tmp_path):  # noqa: F811
    for name, seed in (("model-a", "0"), ("model-b", "1")):
        lamm_bench.evaluate("dummy", ["cifar10", "svt"], data_root=mini_root, out_dir=tmp_path,
                            model_args={"seed": seed}, name=name)  # fmt: skip
    proc = run_cli("judge", "--models", "model-a,model-b", "--judge", "openai", "--judge-arg", f"base_url={server}",
                   "--judge-arg", "model=ranker", "--task", "cifar10", "--task", "svt",
                   "--data-root", str(mini_root), "--out", str(tmp_path), env={"OPENAI_API_KEY": KEY})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary == {"models": ["model-a", "model-b"], "score": {"model-a": 0.0, "model-b": 100.0},
                       "judged": 12, "unparsed": 0, "failed": 0}  # fmt: skip
    report = json.loads((tmp_path / "judge/model-a_vs_model-b.json").read_text())
    assert report["judge"]["model"] == "ranker"
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="ignore"), path


def test_judge_needs_both_models_answers(mini_root, tmp_path):
    proc = run_cli("judge", "--models", "x,y", "--judge", "dummy", "--task", "cifar10",
                   "--data-root", str(mini_root), "--out", str(tmp_path))  # fmt: skip
    assert proc.returncode == 2 and "no answers of model 'x' for task 'cifar10'" in proc.stderr
