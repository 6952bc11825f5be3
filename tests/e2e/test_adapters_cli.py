"""`lamm-bench run --model <adapter>` from the installed CLI on the mini data root, for every model family,
with tiny random models saved to disk in the real formats (no weights are downloaded)."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_helpers import run_cli

sys.path.insert(0, str(Path(__file__).parent.parent / "adapters"))
import tiny_hf  # noqa: E402
import tiny_lamm  # noqa: E402


def _predictions(out: Path, model: str, task: str) -> list[dict]:
    path = out / "results" / model / f"{task}.predictions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def _run(mini_root, out, *args):
    proc = run_cli("run", *args, "--data-root", str(mini_root), "--out", str(out), "--limit", "2", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    return proc


def test_hf_llava_from_a_local_folder(mini_root, tmp_path):
    model_dir = tiny_hf.build_tiny_llava(tmp_path / "llava")
    _run(mini_root, tmp_path / "out", "--model", "hf", "--model-arg", f"path={model_dir}", "--name", "tiny-llava",
         "--task", "cifar10,scienceqa", "--model-arg", "batch_size=2")  # fmt: skip
    for task in ("cifar10", "scienceqa"):
        result = json.loads((tmp_path / "out/results/tiny-llava" / f"{task}.json").read_text())
        assert result["model"]["adapter"] == "hf" and result["failed"] == 0
        assert all(isinstance(r["prediction"], str) for r in _predictions(tmp_path / "out", "tiny-llava", task))


def test_hf_llava_scores_every_chef_scenario_shared_as_naive(mini_root, tmp_path):
    """ChEF's nine scenarios through the CLI on a tiny LLaVA: every choice request keeps one score per option, and
    the shared-prefix scores equal one sequence per option (1e-4, fp32) with the same choices. The shared run also
    answers ChEF's desiderata (the first item of every run): each headline computed from its runs, or left out
    where ChEF's formula cannot be."""
    from lamm_bench.tasks.groups import GROUPS

    model_dir = tiny_hf.build_tiny_llava(tmp_path / "llava")
    scores = {}
    for way in ("shared", "naive"):
        desiderata = ["--task", "chef-desiderata", "--limit", "chef-desiderata=1"] if way == "shared" else []
        _run(mini_root, tmp_path / way, "--model", "hf", "--model-arg", f"path={model_dir}", "--name", "tiny-llava",
             "--task", "chef", *desiderata, "--choice-scoring", way, "--batch-size", "3")  # fmt: skip
        scores[way] = {}
        for task in GROUPS["chef"]:
            result = json.loads((tmp_path / way / "results/tiny-llava" / f"{task}.json").read_text())
            assert result["failed"] == 0 and result["task"]["settings"]["choice_scoring"] == way, task
            for row in _predictions(tmp_path / way, "tiny-llava", task):
                for request in (r for r in row["requests"] if "options" in r):
                    assert len(request["option_scores"]) == len(request["options"]), (task, row["id"])
                    scores[way][task, row["id"], request["key"]] = (request["option_scores"], row["prediction"])
    assert scores["shared"].keys() == scores["naive"].keys() and len(scores["shared"]) >= 2 * len(GROUPS["chef"])
    for key, (shared, prediction) in scores["shared"].items():
        assert shared == pytest.approx(scores["naive"][key][0], abs=1e-4) and prediction == scores["naive"][key][1], key
    for task in GROUPS["chef-desiderata"]:
        result = json.loads((tmp_path / "shared/results/tiny-llava" / f"{task}.json").read_text())
        runs = result["task"]["n_samples"]
        assert result["failed"] == 0 and result["task"]["limit"] == 1 and runs in (1, 3, 4, 7), task
        assert result["paper_metric"]["value"] == result["metrics"].get(result["paper_metric"]["key"]), task
        rows = _predictions(tmp_path / "shared", "tiny-llava", task)
        assert len(rows) == runs and all(
            len(r["option_scores"]) == len(r["options"]) for row in rows for r in row["requests"] if "options" in r)


def test_openclip_answers_closed_set_tasks_with_their_labels(mini_root, tmp_path):
    config, weights = tiny_hf.build_tiny_openclip(tmp_path / "clip")
    _run(mini_root, tmp_path / "out", "--model", "openclip", "--model-arg", f"arch={config}",
         "--model-arg", f"weights={weights}", "--task", "cifar10,ucmerced,celeba-smile,celeba-hair")  # fmt: skip
    data = mini_root / "2D_Benchmark/meta_file"
    ucmerced = {r["label"] for r in json.loads((data / "Fine-grained_Classification_UCMerced.json").read_text())}
    hair = {r["attr"] for r in json.loads((data / "Facial_Classification_CelebA(Hair).json").read_text())}
    allowed = {"cifar10": {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"},
               "ucmerced": ucmerced, "celeba-smile": {"yes", "no"}, "celeba-hair": hair}  # fmt: skip
    for task, labels in allowed.items():
        rows = _predictions(tmp_path / "out", "openclip", task)
        assert len(rows) == 2 and all(r["prediction"] in labels for r in rows), task


def test_openai_against_a_loopback_server(mini_root, tmp_path):
    server = Path(__file__).parent.parent / "adapters" / "fake_openai_server.py"
    port_file = tmp_path / "port"
    process = subprocess.Popen([sys.executable, str(server), "--port-file", str(port_file), "--delay", "0"],
                               env={"PATH": "/usr/bin:/bin"})  # fmt: skip
    try:
        for _ in range(200):
            if port_file.exists():
                break
            time.sleep(0.05)
        base_url = f"http://127.0.0.1:{port_file.read_text()}/v1"
        # Beside dummy in one run: MODEL:KEY arguments go to that model only (dummy takes no base_url, openai no seed).
        _run(mini_root, tmp_path / "out", "--model", "openai,dummy", "--model-arg", f"openai:base_url={base_url}",
             "--model-arg", "openai:model=echo", "--model-arg", "dummy:seed=7", "--task", "cifar10")  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=10)
    rows = _predictions(tmp_path / "out", "openai", "cifar10")
    assert all(r["prediction"].startswith("echo[What is the category label") for r in rows)
    args = {m: json.loads((tmp_path / "out/results" / m / "cifar10.json").read_text())["model"]["args"]
            for m in ("openai", "dummy")}  # fmt: skip
    assert args["dummy"] == {"seed": "7"} and "seed" not in args["openai"] and args["openai"]["model"] == "echo"
    wrong = run_cli("run", "--model", "dummy", "--model-arg", "dumy:seed=1", "--task", "cifar10", "--data-root",
                    str(mini_root), "--out", str(tmp_path / "wrong"))  # fmt: skip
    assert wrong.returncode == 2 and "'dumy' is not one of the models (dummy)" in wrong.stderr


@pytest.fixture(scope="module")
def tiny_lamm_root(tmp_path_factory) -> Path:
    return tiny_lamm.build_tiny_lamm(tmp_path_factory.mktemp("tiny_lamm"))


def test_native_lamm_from_its_released_file_layout(mini_root, tiny_lamm_root, tmp_path):
    # beside dummy, its arguments scoped to it (lamm:KEY=VALUE); a 2D model leaves the run's 3D task to dummy
    args = [arg for key, value in {**tiny_lamm.TINY_ARGS, "models_root": tiny_lamm_root,
                                   "clip_config_dir": tiny_lamm_root / "open_clip_configs"}.items()
            for arg in ("--model-arg", f"lamm:{key}={value}")]  # fmt: skip
    proc = _run(mini_root, tmp_path / "out", "--model", "lamm,dummy", *args, "--task", "scienceqa,cifar10-chef,scanqa")
    result = json.loads((tmp_path / "out/results/lamm/scienceqa.json").read_text())
    assert result["model"]["description"]["prompt_style"] == "auto" and result["failed"] == 0
    rows = _predictions(tmp_path / "out", "lamm", "scienceqa")
    assert all("\n The answer is " in r["prediction"] for r in rows)  # the paper's two-step answer
    done = {m: sorted(p.name for p in (tmp_path / "out/results" / m).glob("*.json")) for m in ("lamm", "dummy")}
    assert done == {"lamm": ["cifar10-chef.json", "scienceqa.json"],
                    "dummy": ["cifar10-chef.json", "scanqa.json", "scienceqa.json"]}  # fmt: skip
    assert "model lamm leaves task scanqa to the run's other models (it does not support point_cloud)" in proc.stderr
    alone = run_cli("run", "--model", "lamm", *[a.replace("lamm:", "", 1) for a in args], "--task", "scanqa",
                    "--data-root", str(mini_root), "--out", str(tmp_path / "alone"))  # fmt: skip
    assert alone.returncode == 2 and "cannot run task 'scanqa': it does not support point_cloud" in alone.stderr

