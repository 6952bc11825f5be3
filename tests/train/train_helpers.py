"""Helpers of the trainer tests: the reference run's length and its command line."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

STEPS = 24
"""Optimizer steps of the reference run (the loss test, resume and gradient comparisons all use it)."""
CLI = shutil.which("lamm-bench", path=str(Path(sys.executable).parent)) or "lamm-bench"


def tiny_cli_args(models_root: Path, meta: Path, output: Path, *extra: str) -> list[str]:
    """``train`` arguments of the reference run (``extra`` appended)."""
    import tiny_lamm

    settings = [arg for pair in tiny_lamm.train_settings(models_root) for arg in ("--set", pair)]
    return ["train", "--preset", "tiny", "--data", str(meta), "--output", str(output), "--max-steps", str(STEPS),
            *settings, "--model-arg", f"models_root={models_root}", "--no-progress", *extra]


def env() -> dict[str, str]:
    """Subprocess environment: offline, and the CPU thread count of this process (same arithmetic)."""
    import torch

    return {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": str(torch.get_num_threads())}
