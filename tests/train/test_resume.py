"""Kill-and-resume: a run killed with SIGKILL after a periodic checkpoint and restarted ends with the same weights."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

torch = pytest.importorskip("torch")

from train_helpers import CLI, env, tiny_cli_args  # noqa: E402


def test_killed_and_resumed_run_equals_the_uninterrupted_one(reference_run, models_root, meta, tmp_path):
    output = tmp_path / "run"
    args = [CLI, *tiny_cli_args(models_root, meta, output)]
    first = subprocess.Popen(args, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    checkpoint = output / "checkpoints" / "step-0000005" / "state.json"
    deadline = time.monotonic() + 240
    while not checkpoint.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert checkpoint.exists(), first.stdout.read().decode()[-2000:]
    assert not (output / "pytorch_model.pt").exists()  # it really died mid-run

    second = subprocess.run(args, env=env(), capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    log = (output / "train_log.jsonl").read_text()
    assert log.count('"event": "start"') == 2 and '"event": "start", "step": 0,' not in log.splitlines()[-1]
    resumed = torch.load(output / "pytorch_model.pt", weights_only=True)
    reference = torch.load(reference_run.delta, weights_only=True)
    assert resumed.keys() == reference.keys()
    for name, value in reference.items():
        torch.testing.assert_close(resumed[name], value, rtol=0, atol=1e-6, msg=name)


def test_resume_refuses_a_folder_with_other_settings(reference_run, models_root, meta):
    output = reference_run.delta.parent
    assert any((output / "checkpoints").iterdir())  # the newest periodic checkpoint is kept
    done = subprocess.run([CLI, *tiny_cli_args(models_root, meta, output, "--set", "lr=0.5")], env=env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "different settings" in done.stderr
