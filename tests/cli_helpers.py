"""Running the installed ``lamm-bench`` CLI in a subprocess, as a user would (imported by tests as
``from cli_helpers import run_cli``; ``tests/`` is on ``sys.path`` through the root conftest)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CLI = shutil.which("lamm-bench", path=str(Path(sys.executable).parent)) or "lamm-bench"


def run_cli(*args: str, env: dict | None = None, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run the installed ``lamm-bench`` in a subprocess, as a user would."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=full_env, timeout=timeout, **kwargs)
