"""Shared fixtures: the offline environment and the mini LAMM data root (2D and 3D)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def mini_root(tmp_path_factory) -> Path:
    """A mini LAMM data root (2D, and 3D when available), shared read-only by the session's tests."""
    from lamm_bench.demo.synthetic import write_mini_2d
    from lamm_bench.demo.synthetic3d import write_mini_3d

    root = tmp_path_factory.mktemp("lamm_data")
    write_mini_2d(root)
    write_mini_3d(root)
    return root
