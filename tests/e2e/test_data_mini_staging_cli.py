"""A ``data mini`` killed mid-build leaves its staging folder beside OUT; the next build of the same OUT removes it,
and nothing else (issue 23)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from cli_helpers import CLI, run_cli


def test_the_next_build_removes_the_staging_folder_of_a_killed_one(tmp_path):
    out = tmp_path / "mini"
    build = subprocess.Popen([CLI, "data", "mini", "--out", str(out), "--scale", "0.12", "--no-progress"],
                             env={**os.environ, "HF_HUB_OFFLINE": "1"}, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        staging = []
        while not staging and time.monotonic() < deadline and build.poll() is None:
            staging = [p for p in tmp_path.glob(".mini.*") if (p / "2D_Benchmark").is_dir()]
            time.sleep(0.02)
        assert staging, "the build never started writing"
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=10)
    assert staging[0].is_dir() and not out.exists()  # what the kill left
    kept = [tmp_path / ".mini.notmine", tmp_path / ".other.abcdefgh", tmp_path / ".mini.fresh000"]
    for folder in kept:
        folder.mkdir()
    (tmp_path / ".mini.file0000").write_text("a file is never removed")
    old = tmp_path / ".mini.old00000"  # lock-free (an older lamm-bench's) and two hours old: stale
    old.mkdir()
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    done = run_cli("data", "mini", "--out", str(out), "--scale", "0.12", "--no-progress")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "lamm_bench_dataset.json").is_file() and not (out / ".lamm-bench-building").exists()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["mini", ".mini.file0000", *(p.name for p in kept)])
    assert "removed 2 staging folder(s) of an earlier build that was killed" in done.stderr
