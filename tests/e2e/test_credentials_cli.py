"""A credential in an adapter argument (``base_url`` with ``user:pass@``, ``?api-key=``, ``#token``) never reaches a
file under OUT (results, predictions, store) nor the terminal, although the argument is recorded (issue 23)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_helpers import run_cli

SERVER = Path(__file__).parent.parent / "adapters" / "fake_openai_server.py"
SECRETS = ("s3cr3t-userpass", "s3cr3t-query", "s3cr3t-fragment", "sk-env-key-s3cr3t")


@pytest.fixture
def base(tmp_path):
    """The fake OpenAI-compatible server's ``http://127.0.0.1:PORT``."""
    port_file = tmp_path / "port"
    process = subprocess.Popen([sys.executable, str(SERVER), "--port-file", str(port_file), "--delay", "0"],
                               env={"PATH": "/usr/bin:/bin"})  # fmt: skip
    try:
        for _ in range(200):
            if port_file.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text()}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    "url",
    ["{base}/v1?api-key=s3cr3t-query#s3cr3t-fragment", "http://alice:s3cr3t-userpass@{host}/v1"],
)  # fmt: skip
def test_a_credential_in_base_url_is_recorded_nowhere(mini_root, tmp_path, base, url):
    url = url.format(base=base, host=base.removeprefix("http://"))
    out = tmp_path / "out"
    proc = run_cli("run", "--model", "openai", "--model-arg", f"base_url={url}", "--model-arg", "model=echo",
                   "--model-arg", "check_server=false", "--model-arg", "max_retries=0", "--task", "ucmerced",
                   "--limit", "2", "--data-root", str(mini_root), "--out", str(out), "--no-progress",
                   env={"OPENAI_API_KEY": "sk-env-key-s3cr3t", "no_proxy": "*"})  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((out / "results/openai/ucmerced.json").read_text())
    assert result["model"]["args"]["base_url"] == f"{base}/v1"  # scheme, host, port and path: what was asked
    assert result["model"]["args"]["model"] == "echo" and result["task"]["n_samples"] == 2
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.parent.name for p in files} >= {"openai", "ucmerced"}  # results and the store were both written
    for text in (proc.stdout, proc.stderr, *(p.read_text(errors="replace") for p in files)):
        assert not any(secret in text for secret in SECRETS)
