"""`lamm-bench check MODEL --task T`: the batch-invariance proof, from the installed CLI on the mini data root.

It passes on the dummy (also across 2 ranks under torchrun), on a tiny random LLaVA through `hf` and on the built-in
`lamm-tiny` (trained on lamm-mini as `make demo` trains it, so from the model cache after `make demo`),
each on a generate task and a choice task; it fails, naming the first differing sample and showing both answers, on
a plugin adapter whose answers depend on what else is in the batch. Bad input is one line, exit 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cli_helpers import run_cli
from plugin_dist import write_distribution

sys.path.insert(0, str(Path(__file__).parent.parent / "adapters"))
import tiny_hf  # noqa: E402

TASKS = "cifar10-chef,chef-cifar10"
"""A generate task (ChEF's 16-token CIFAR-10 answer) and a choice task (every CIFAR-10 label scored)."""

BATCHY_ADAPTER = '''
from lamm_bench.adapter import Adapter
from lamm_bench.records import Response


class BatchyAdapter(Adapter):
    """Answers with the size of the batch and who else is in it: the bug a padded batch can hide."""

    capabilities = frozenset({"generate", "image"})

    def __init__(self, args):
        pass

    def load(self):
        pass

    def describe(self):
        return {}

    def generate(self, requests, media=None):
        together = ",".join(r.sample_id for r in requests)
        return [Response(text=f"one of {len(requests)}: {together}") for r in requests]
'''


def _check(mini_root: Path, *args: str, **kwargs):
    return run_cli("check", *args, "--data-root", str(mini_root), "--no-progress", **kwargs)


def _rows(folder: Path, model: str, task: str) -> list[dict]:
    return [json.loads(line) for line in (folder / "results" / model / f"{task}.predictions.jsonl").open()]


def test_dummy_is_identical_at_batch_1_and_8_and_leaves_no_leaderboard(mini_root, tmp_path):
    proc = _check(mini_root, "dummy", "--task", "scienceqa,chef-cifar10", "--limit", "5", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # scienceqa asks twice per sample (reasoning, then the answer), chef-cifar10 once
    assert proc.stdout.splitlines() == ["15 requests (10 samples) identical at batch 1 and batch 8"]
    assert list(tmp_path.iterdir()) == []  # a temporary folder, removed: no ./leaderboard, no store


def test_dummy_is_identical_on_two_ranks(mini_root, tmp_path):
    out = tmp_path / "check"
    proc = _check(mini_root, "dummy", "--task", "scienceqa,chef-cifar10", "--limit", "4", "--ranks", "2",
                  "--out", str(out), env={"OMP_NUM_THREADS": "1"})  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["12 requests (8 samples) identical at batch 1, batch 8 and 2 ranks"]
    assert sorted(p.name for p in out.iterdir()) == ["batch-1", "batch-8", "ranks-2"]  # never one store for two runs
    ranks = sorted(p.name.split(".")[-2] for p in (out / "ranks-2/store/dummy/scienceqa").glob("*.jsonl"))
    assert ranks == ["rank0", "rank1"]
    scored = [r["requests"][0]["option_scores"] for r in _rows(out / "ranks-2", "dummy", "chef-cifar10")]
    assert len(scored) == 4 and all(len(s) == 10 for s in scored)  # the option scores were there to compare


def test_tiny_llava_through_hf_is_identical_at_batch_1_and_3(mini_root, tmp_path):
    model_dir = tiny_hf.build_tiny_llava(tmp_path / "llava")
    out = tmp_path / "check"
    proc = _check(mini_root, "hf", "--model-arg", f"path={model_dir}", "--task", TASKS, "--limit", "3",
                  "--batch-size", "3", "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["6 requests (6 samples) identical at batch 1 and batch 3"]
    generated = [r["prediction"] for r in _rows(out / "batch-3", "hf", "cifar10-chef")]
    assert len(generated) == 3 and all(generated)  # random weights still write text: the check compared it
    scored = [r["requests"][0]["option_scores"] for r in _rows(out / "batch-3", "hf", "chef-cifar10")]
    assert len(scored) == 3 and all(len(s) == 10 and len(set(s)) > 1 for s in scored)


def test_lamm_tiny_is_identical_at_batch_1_and_3(mini_root, demo_mini_root, tmp_path):
    out = tmp_path / "check"
    proc = _check(mini_root, "lamm-tiny", "--task", TASKS, "--limit", "3", "--batch-size", "3", "--out", str(out),
                  "--model-arg", f"data_root={demo_mini_root}", timeout=900)  # trained as make demo trains it
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["6 requests (6 samples) identical at batch 1 and batch 3"]
    scored = [r["requests"][0]["option_scores"] for r in _rows(out / "batch-3", "lamm-tiny", "chef-cifar10")]
    assert len(scored) == 3 and all(len(s) == 10 for s in scored)


def test_answers_that_depend_on_the_batch_fail_naming_the_sample(mini_root, tmp_path):
    site = tmp_path / "site"
    write_distribution(site, "lamm-bench-batchy-plugin", "lamm_batchy_plugin", {"adapter.py": BATCHY_ADAPTER},
                       {"lamm_bench.adapters": {"batchy": "lamm_batchy_plugin.adapter:BatchyAdapter"}})  # fmt: skip
    out = tmp_path / "check"
    proc = _check(mini_root, "batchy", "--task", "cifar10-chef", "--limit", "3", "--batch-size", "3", "--out", str(out),
                  env={"PYTHONPATH": str(site)})  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    ids = [r["id"] for r in _rows(out / "batch-1", "batchy", "cifar10-chef")]
    first = ids[0]
    together = ",".join(r["id"] for r in _rows(out / "batch-3", "batchy", "cifar10-chef"))
    assert proc.stdout.splitlines() == [
        f"answers differ between batch 1 and batch 3: task cifar10-chef, sample {first!r}, request '' (answer)",
        f'  batch 1: "one of 1: {first}"',
        f'  batch 3: "one of 3: {_batch_of_three(out, first)}"',
    ]  # fmt: skip
    assert sorted(together.split(",")) == sorted(ids)


def _batch_of_three(out: Path, sample_id: str) -> str:
    """The ids the batch-3 run put in one batch with ``sample_id`` (length-sorted, so not the data order)."""
    row = next(r for r in _rows(out / "batch-3", "batchy", "cifar10-chef") if r["id"] == sample_id)
    return row["prediction"].split(": ", 1)[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dumy", "--task", "cifar10"], "unknown model 'dumy'; did you mean 'dummy'?"),
        (["dummy", "--task", "cifar1"], "unknown task 'cifar1'"),
        (["dummy", "--task", "cifar10", "--batch-size", "1"], "--batch-size must be an integer at least 2, got 1"),
        (["dummy", "--task", "cifar10", "--ranks", "0"], "--ranks must be an integer at least 1, got 0"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2(mini_root, args, message):
    proc = _check(mini_root, *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and proc.stdout == ""


def test_an_earlier_checks_folder_is_refused(mini_root, tmp_path):
    (tmp_path / "batch-1").mkdir()
    (tmp_path / "batch-1/kept.txt").write_text("mine")
    proc = _check(mini_root, "dummy", "--task", "cifar10", "--out", str(tmp_path))
    assert proc.returncode == 2 and f"{tmp_path / 'batch-1'} already holds files" in proc.stderr
    assert (tmp_path / "batch-1/kept.txt").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["batch-1"]
