"""Shared fixtures of the trainer tests: the tiny LAMM models root, a tiny instruction set, one in-process run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "adapters"))

import tiny_instruct  # noqa: E402
import tiny_lamm  # noqa: E402

from train_helpers import STEPS  # noqa: E402


@pytest.fixture(scope="session")
def models_root(tmp_path_factory) -> Path:
    return tiny_lamm.shared_root(tmp_path_factory)


@pytest.fixture(scope="session")
def meta(tmp_path_factory) -> Path:
    return tiny_instruct.write_instruct(tmp_path_factory.mktemp("tiny_instruct"))


@pytest.fixture(scope="session")
def reference_run(models_root, meta, tmp_path_factory):
    """The tiny preset with the fixture's settings, trained in this process for ``STEPS`` steps, with the first
    step's gradients dumped."""
    pytest.importorskip("torch")
    pytest.importorskip("accelerate")
    from lamm_bench.train.cli import run_train

    output = tmp_path_factory.mktemp("reference_run")
    return run_train(
        "tiny", meta, output=output, max_steps=STEPS, model_args=[f"models_root={models_root}"],
        overrides=[*tiny_lamm.train_settings(models_root), f"debug_grads={output / 'grads.pt'}"],
        progress=False,
    )
