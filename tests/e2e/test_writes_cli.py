"""Every write under OUT is atomic and a failed one leaves nothing behind; a full disk is exit 2 with one line saying
so and where (issue 23)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys

import pytest

from cli_helpers import CLI
from lamm_bench.errors import UserError
from lamm_bench.files import atomic_write_bytes, atomic_write_text
from lamm_bench.records import Response
from lamm_bench.store import PredictionStore, StoredResponse


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_full_disk_leaves_the_old_file_and_no_temporary_one(tmp_path, monkeypatch, where):
    path = tmp_path / "results/m/t.json"
    atomic_write_text(path, "old\n")
    monkeypatch.setattr(os, where, _enospc)
    with pytest.raises(UserError, match=f"^the disk is full: cannot write {path} "):
        atomic_write_text(path, "new\n")
    assert path.read_text() == "old\n" and os.listdir(path.parent) == ["t.json"]


def test_any_failed_write_removes_its_temporary_file(tmp_path, monkeypatch):
    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(tmp_path / "chart.png", b"\x89PNG")
    assert os.listdir(tmp_path) == []


def test_a_full_disk_in_the_store_is_one_line_naming_it(tmp_path, monkeypatch):
    store = PredictionStore(tmp_path / "store/m/t/k.rank0.jsonl")
    store.append([StoredResponse.of("0", "", Response(text="a"))])
    monkeypatch.setattr(os, "fsync", _enospc)
    with pytest.raises(UserError, match=f"^the disk is full: cannot write {store.path} "):
        store.append([StoredResponse.of("1", "", Response(text="b"))])


FILL = "import sys\ntry:\n    open(sys.argv[1], 'wb').write(bytes(1 << 24))\nexcept OSError:\n    pass\n"


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs util-linux unshare")
def test_a_run_on_a_full_disk_is_exit_2_and_keeps_the_earlier_result(mini_root, tmp_path):
    """A real full file system: a 1 MiB tmpfs in a user namespace, filled after a first run; the second run (all
    answers stored) fails writing its results."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("user namespaces are not available")
    out, before, after = tmp_path / "out", tmp_path / "before", tmp_path / "after"
    out.mkdir()
    run = f'"{CLI}" run --model dummy --task scienceqa --data-root "{mini_root}" --out "{out}" --no-progress'
    script = "\n".join([
        f'mount -t tmpfs -o size=1m lamm-full "{out}" || exit 90',
        f'{run} >/dev/null 2>&1 || exit 91',
        f'cp -a "{out}" "{before}" && "{sys.executable}" -c "$FILL" "{out}/filler"',
        f'{run} >/dev/null 2>"{tmp_path}/err"; echo $? >"{tmp_path}/rc"',
        f'rm "{out}/filler" && cp -a "{out}" "{after}"',
    ])  # fmt: skip
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "FILL": FILL}, timeout=300)  # fmt: skip
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    err = (tmp_path / "err").read_text()
    assert (tmp_path / "rc").read_text().strip() == "2" and "Traceback" not in err
    assert err.startswith(f"lamm-bench: error: the disk is full: cannot write {out}/results/dummy/scienceqa.")
    assert len(err.strip().splitlines()) == 1
    files = sorted(p.relative_to(before).as_posix() for p in before.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(after).as_posix() for p in after.rglob("*") if p.is_file())
    assert not [f for f in files if ".tmp" in f or ".lamm-bench-probe" in f]
    for name in ("scienceqa.json", "scienceqa.predictions.jsonl"):
        assert (after / "results/dummy" / name).read_bytes() == (before / "results/dummy" / name).read_bytes()
