"""Bad input through the real CLI: each malformed-record kind exits 2 with one line naming the file and record."""

from __future__ import annotations

import json
import subprocess

import pytest

from train_helpers import CLI  # noqa: E402

GOOD = {"image": "images/a.png", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}
KINDS = {
    "missing media key": {"conversations": GOOD["conversations"]},
    "missing media file": {**GOOD, "image": "images/missing.png"},
    "conversations wrong type": {**GOOD, "conversations": {"from": "human"}},
    "not alternating": {**GOOD, "conversations": [GOOD["conversations"][0]] * 2},
    "starts with gpt": {**GOOD, "conversations": GOOD["conversations"][::-1]},
    "value wrong type": {**GOOD, "conversations": [{"from": "human", "value": ["q"]}, GOOD["conversations"][1]]},
    "task_type wrong type": {**GOOD, "task_type": 7},
}


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120, env={"HF_HUB_OFFLINE": "1",
                          "PATH": "/usr/bin:/bin"})  # fmt: skip


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_malformed_record_exits_2_naming_file_and_record(tmp_path, kind):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"x")
    (tmp_path / "meta_file").mkdir()
    meta = tmp_path / "meta_file" / "bad.json"
    meta.write_text(json.dumps([GOOD, GOOD, KINDS[kind]]))
    done = _run("train", "--preset", "lamm-7b", "--data", str(meta), "--model-arg", f"models_root={tmp_path}")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{meta}: record 2: " in lines[0] and "Traceback" not in done.stderr


def test_missing_weights_and_bad_settings_exit_2(tmp_path, meta):
    done = _run("train", "--preset", "tiny", "--data", str(meta), "--model-arg", f"models_root={tmp_path}")
    assert done.returncode == 2 and "LAMM weights missing: llm" in done.stderr and str(tmp_path) in done.stderr
    done = _run("train", "--preset", "tiny", "--data", str(meta), "--set", "lr=fast")
    assert done.returncode == 2 and "lr='fast'" in done.stderr
    done = _run("train", "--preset", "lamm-70b", "--data", str(meta))
    assert done.returncode == 2 and "unknown training preset" in done.stderr
