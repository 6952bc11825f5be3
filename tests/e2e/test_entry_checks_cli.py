"""What a command is given is checked where it enters, before any weight loads (issue 23): names, every model of
``--model A,B``, numeric ranges and the output folder. Each refusal is exit 2 with one line, and nothing is written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cli_helpers import CLI, run_cli


def _refused(proc) -> str:
    """The one error line of an exit-2 refusal (no traceback)."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-1000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("lamm-bench: error:")]
    assert len(lines) == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    return lines[0]


def _run(root: Path, out: Path, *args: str):
    return run_cli("run", "--task", "scienceqa", "--data-root", str(root), "--out", str(out), "--no-progress", *args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "dummy", "--name", "media"], "--name 'media' is one of the leaderboard's own file names"),
        (["--model", "dummy", "--name", "browser.js"], "--name 'browser.js' is one of the leaderboard's own"),
        (["--model", "dummy", "--name", "x" * 300], "is 300 characters long (at most 100)"),
        (["--model", "dummy", "--name", "a\nb|c"], r"--name 'a\nb|c' may use only letters, digits and . _ + -"),
        (["--model", "dummy", "--name", "$\\foo$"], "may use only letters, digits"),
        (["--model", "dummy", "--name", "../../x"], "may use only letters, digits"),
        (["--model", "dummy,typo"], "unknown model 'typo'"),
        (["--model", "dummy,openai"], "adapter 'openai' needs --model-arg base_url=URL"),
        (["--model", "dummy", "--limit", "0"], "--limit must be an integer at least 1, got 0"),
        (["--model", "dummy", "--limit", "-2"], "--limit must be an integer at least 1, got -2"),
        (["--model", "dummy", "--limit", "cifar10=0"], "--limit cifar10=N must be an integer at least 1, got 0"),
        (["--model", "dummy", "--limit", "=3"], "--limit expects N or NAME=N (N a positive integer), got '=3'"),
        (["--model", "dummy", "--limit", "lots"], "--limit expects N or NAME=N (N a positive integer), got 'lots'"),
        (["--model", "dummy", "--seed", "-1"], "--seed must be an integer between 0 and 4294967295, got -1"),
        (["--model", "dummy", "--seed", str(2**32)], "--seed must be an integer between 0 and 4294967295"),
        (["--model", "dummy", "--model-arg", "delay=-1"], "adapter 'dummy': delay must be a finite number"),
        (["--model", "dummy", "--model-arg", "delay=nan"], "delay must be a finite number of seconds >= 0, got nan"),
    ],
)  # fmt: skip
def test_run_refuses_at_the_start_and_writes_nothing(mini_root, tmp_path, args, message):
    out = tmp_path / "out"
    line = _refused(_run(mini_root, out, *args))
    assert message in line, line
    assert not out.exists()  # not even results/dummy of the first model: nothing ran


def test_limit_0_never_replaces_a_full_result(mini_root, tmp_path):
    out = tmp_path / "out"
    assert _run(mini_root, out, "--model", "dummy").returncode == 0
    before = (out / "results/dummy/scienceqa.json").read_bytes()
    assert json.loads(before)["task"]["n_samples"] == 6
    _refused(_run(mini_root, out, "--model", "dummy", "--limit", "0"))
    assert (out / "results/dummy/scienceqa.json").read_bytes() == before


def test_an_out_that_is_a_file_or_holds_a_file_for_a_folder_is_refused(mini_root, tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("not a folder")
    assert f"--out: {plain} is a file, not a folder" in _refused(_run(mini_root, plain, "--model", "dummy"))
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    (out / "results/dummy").write_text("a file where the model's folder goes")
    line = _refused(_run(mini_root, out, "--model", "dummy"))
    assert f"--out: {out / 'results/dummy'} is a file, not a folder" in line
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["results", "results/dummy"]


def _read_only_run(root: Path, out: Path) -> subprocess.CompletedProcess:
    """``lamm-bench run`` with ``out`` read-only: a read-only bind mount in a user namespace when the system allows
    one (root ignores file modes), else the folder's mode."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    args = [CLI, "run", "--model", "dummy", "--task", "scienceqa", "--data-root", str(root), "--out", str(out),
            "--no-progress"]  # fmt: skip
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rm", "true"], capture_output=True).returncode == 0:
        script = f'mount --bind -o ro "{out}" "{out}" && exec "$@"'
        return subprocess.run([unshare, "-rm", "sh", "-c", script, "sh", *args], capture_output=True, text=True, env=env)
    if os.geteuid() == 0:
        pytest.skip("running as root without user namespaces: no way to make a folder read-only")
    out.chmod(0o555)
    try:
        return subprocess.run(args, capture_output=True, text=True, env=env)
    finally:
        out.chmod(0o755)


def test_a_read_only_out_is_refused_before_the_model_loads(mini_root, tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    line = _refused(_read_only_run(mini_root, out))
    assert f"--out: cannot write to {out}" in line and ("Read-only file system" in line or "Permission denied" in line)
    assert list(out.iterdir()) == []


def test_judge_models_cannot_name_a_folder_outside_out(tmp_path):
    out = tmp_path / "lb"
    out.mkdir()
    line = _refused(run_cli("judge", "--models", "../x,dummy", "--judge", "dummy", "--out", str(out),
                            "--data-root", str(tmp_path)))  # fmt: skip
    assert "--models '../x' may use only letters" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lb"] and list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--port", "70000"], "--port must be an integer between 0 and 65535, got 70000"),
        (["serve", "--port", "-1"], "--port must be an integer between 0 and 65535, got -1"),
        (["data", "mini", "--scale", "nan"], "data mini: --scale must be a finite number above 0, got nan"),
        (["data", "mini", "--scale", "inf"], "data mini: --scale must be a finite number above 0, got inf"),
        (["data", "mini", "--scale", "0"], "data mini: --scale must be a finite number above 0, got 0.0"),
        (["data", "mini", "--seed", "-3"], "--seed must be an integer between 0 and 4294967295, got -3"),
        (["data", "check", "--workers", "0"], "--workers must be an integer at least 1, got 0"),
        (["compare", "a", "b", "--seed", str(2**40)], "--seed must be an integer between 0 and 4294967295"),
        (["score", "--task", "cifar10", "--predictions", "p.jsonl", "--seed", "-1"], "--seed must be an integer"),
        (["run", "--model", "dummy", "--task", "cifar10", "--choice-scoring", "fast"],
         "--choice-scoring must be shared or naive, got 'fast'"),
    ],
)  # fmt: skip
def test_numbers_out_of_range_are_one_line(tmp_path, args, message):
    args = [*args, "--out", str(tmp_path / "mini")] if args[:2] == ["data", "mini"] else args
    line = _refused(run_cli(*args, cwd=tmp_path))
    assert message in line, line
    assert list(tmp_path.iterdir()) == []
