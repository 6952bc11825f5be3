"""Shared fixtures: offline environment, the mini LAMM data root, and a runner for the installed CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CLI = shutil.which("lamm-bench", path=str(Path(sys.executable).parent)) or "lamm-bench"


@pytest.fixture(scope="session")
def mini_root(tmp_path_factory) -> Path:
    """A mini LAMM data root (2D, and 3D when available), shared read-only by the session's tests."""
    from lamm_bench.mini import write_mini_2d

    root = tmp_path_factory.mktemp("lamm_data")
    write_mini_2d(root)
    try:
        from lamm_bench.mini3d import write_mini_3d
    except ImportError:
        return root
    write_mini_3d(root)
    return root


def run_cli(*args: str, env: dict | None = None, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run the installed ``lamm-bench`` in a subprocess, as a user would."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=full_env, timeout=timeout, **kwargs)


@pytest.fixture
def cli():
    """The CLI runner as a fixture."""
    return run_cli
