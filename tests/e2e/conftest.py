"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from untrusted_helpers import build_base


@pytest.fixture(scope="session")
def untrusted_base(mini_root, tmp_path_factory) -> Path:
    """A small real leaderboard folder (``untrusted_helpers.build_base``) that the issue-23 tests copy and break."""
    return build_base(mini_root, tmp_path_factory.mktemp("untrusted") / "board")
