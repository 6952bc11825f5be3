"""Data parallelism: two gloo processes (torchrun) give the first step's gradients of one process with double
accumulation, dropout included (its masks are seeded by the micro batch's global position)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from train_helpers import env, tiny_cli_args  # noqa: E402


def test_two_processes_match_one_process_with_twice_the_accumulation(reference_run, models_root, meta, tmp_path):
    output = tmp_path / "ddp"
    args = tiny_cli_args(models_root, meta, output, "--set", f"debug_grads={output / 'grads.pt'}")
    args[args.index("--max-steps") + 1] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "-m", "lamm_bench", *args],
        env=env(), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    info = json.loads((output / "training_args.json").read_text())
    reference = json.loads((reference_run.delta.parent / "training_args.json").read_text())
    assert (info["world_size"], info["accumulation"]) == (2, 1)
    assert (reference["world_size"], reference["accumulation"]) == (1, 2)
    two = torch.load(output / "grads.pt", weights_only=True)
    one = torch.load(reference_run.delta.parent / "grads.pt", weights_only=True)
    assert two.keys() == one.keys() and len(one) == 2 * 2 * 4 + 2  # LoRA A/B x 2 layers x q,k,v,o + llama_proj
    # At step 0 LoRA B is zero, so A gets no gradient; B and llama_proj do.
    assert all(g.abs().max() > 0 for n, g in one.items() if "lora_A" not in n)
    for name, grad in one.items():
        torch.testing.assert_close(two[name], grad, rtol=0, atol=1e-6, msg=name)
