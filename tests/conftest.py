"""Shared fixtures: the offline environment and the mini LAMM data root (lamm-mini at a small scale, 2D and 3D)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


MINI_SCALE = 0.12
"""lamm-mini at this scale has 6 records in each 2D meta file and 4 in each 3D one (a few seconds to write)."""


@pytest.fixture(scope="session")
def mini_root(tmp_path_factory) -> Path:
    """lamm-mini (seed 0) at :data:`MINI_SCALE`, every 2D and 3D meta file, written once by its real builder and
    shared read-only by the session's tests."""
    from lamm_bench import registry
    from lamm_bench.demo.build import build_lamm_mini

    root = tmp_path_factory.mktemp("lamm_data")
    build_lamm_mini(root, list(registry.builtin_tasks().values()), scale=MINI_SCALE)
    return root


@pytest.fixture(scope="session")
def demo_mini_root(tmp_path_factory) -> Path:
    """lamm-mini as ``make demo`` writes it (``lamm-bench data mini``, full scale: byte-identical on every build).
    The built-in tiny cards given it as ``--model-arg data_root=`` are keyed on its bytes, so after ``make demo``
    their trained deltas come from the model cache instead of being trained again."""
    from cli_helpers import run_cli

    root = tmp_path_factory.mktemp("demo_mini") / "lamm-mini"
    built = run_cli("data", "mini", "--out", str(root), "--no-progress")
    assert built.returncode == 0, built.stderr[-3000:]
    return root
