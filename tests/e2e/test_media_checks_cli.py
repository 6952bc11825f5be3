"""Media before a run and in its rows (issue 23): a corrupt file among the run's samples stops the run before it
starts whatever the adapter (also ``dummy``, which never opens one), and symlinked media are recorded by their path
under the data root, never by an absolute path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import run_cli


@pytest.fixture
def root(mini_root, tmp_path) -> Path:
    """A private copy of the mini data root, free to break."""
    return Path(shutil.copytree(mini_root, tmp_path / "data"))


def _run(root: Path, out: Path, task: str, *args: str):
    return run_cli("run", "--model", "dummy", "--task", task, "--data-root", str(root), "--out", str(out),
                   "--no-progress", *args)  # fmt: skip


def _error(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    [line] = [line for line in proc.stderr.splitlines() if line.startswith("lamm-bench: error:")]
    return line


def test_a_corrupt_point_cloud_stops_a_dummy_run_before_it_starts(root, tmp_path):
    # In lamm-mini at the tests' scale, scanqa's records 0-1 read scene4000 and records 2-3 scene4001.
    cloud = np.ones((10, 6), dtype=np.float32)
    cloud[3, 2] = np.nan
    bad = root / "3D_Benchmark/scannet_pcls/scene4001_00_vert.npy"
    np.save(bad, cloud)
    out = tmp_path / "out"
    line = _error(_run(root, out, "scanqa"))
    assert f"task scanqa: sample '2': point cloud {bad}: contains NaN or infinite values (first at row 3)" in line
    assert not out.exists()
    assert _run(root, out, "scanqa", "--limit", "2").returncode == 0  # only the run's samples are checked


def test_a_corrupt_image_stops_a_dummy_run_naming_sample_and_file(root, tmp_path):
    bad = root / "2D_Benchmark/svt_images/1.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)  # a PNG signature and nothing valid behind it
    line = _error(_run(root, tmp_path / "out", "svt"))
    assert f"task svt: sample '1': image {bad}: cannot be decoded" in line
    assert not (tmp_path / "out").exists()


def test_symlinked_media_are_recorded_by_their_path_under_the_data_root(root, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bench = root / "2D_Benchmark"
    shutil.move(bench / "svt_images/0.png", elsewhere / "0.png")
    (bench / "svt_images/0.png").symlink_to(elsewhere / "0.png")  # one file
    shutil.move(bench / "ucmerced_images", elsewhere / "ucmerced_images")
    (bench / "ucmerced_images").symlink_to(elsewhere / "ucmerced_images", target_is_directory=True)  # a folder
    out = tmp_path / "out"
    proc = _run(root, out, "svt,ucmerced", "--limit", "2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    media = {task: [json.loads(line)["media"] for line in (out / f"results/dummy/{task}.predictions.jsonl").open()]
             for task in ("svt", "ucmerced")}  # fmt: skip
    assert media == {"svt": [["2D_Benchmark/svt_images/0.png"], ["2D_Benchmark/svt_images/1.png"]],
                     "ucmerced": [["2D_Benchmark/ucmerced_images/0.png"], ["2D_Benchmark/ucmerced_images/1.png"]]}
    assert str(tmp_path) not in "".join(p.read_text() for p in (out / "results").rglob("*.jsonl"))
