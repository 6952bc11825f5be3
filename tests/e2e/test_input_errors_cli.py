"""Bad input found from outside, through the installed ``lamm-bench`` command: each must exit 2 with one line
naming the file and what is wrong, never a traceback and never a result (issue 14 items 12-14)."""

from __future__ import annotations

import json
import sys
import shutil
from pathlib import Path

import pytest

from cli_helpers import run_cli

CIFAR_META = "2D_Benchmark/meta_file/Classification_CIFAR10.json"


@pytest.fixture
def root(mini_root, tmp_path) -> Path:
    """A private copy of the mini data root, free to break."""
    return Path(shutil.copytree(mini_root, tmp_path / "data"))


def _one_line_error(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("lamm-bench: error:")]
    assert len(lines) == 1, proc.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize("command", ["run", "score", "data check"])
def test_a_meta_file_without_records_is_exit_2_naming_it(root, tmp_path, command):
    meta = root / CIFAR_META
    meta.write_text("[]\n")
    out = tmp_path / "out"
    args = {
        "run": ("run", "--model", "dummy", "--task", "cifar10", "--out", str(out), "--no-progress"),
        "score": ("score", "--task", "cifar10", "--predictions", str(tmp_path / "answers.jsonl")),
        "data check": ("data", "check", "--task", "cifar10"),
    }[command]
    (tmp_path / "answers.jsonl").write_text('{"id": "0", "text": "cat"}\n')
    line = _one_line_error(run_cli(*args, "--data-root", str(root)))
    assert str(meta) in line and "no records" in line
    assert not (out / "results").exists()


def _corrupt(root: Path) -> dict[str, Path]:
    """Break one file of each kind the issue names; returns them by kind. (In lamm-mini each 3D meta file has
    scenes of its own: Detection_ScanNet 0000-0003, VG_ScanRefer 2000-2001, VQA_ScanQA_multiplechoice 4000-4001, two
    records each.)"""
    import numpy as np

    bench2d, pcls = root / "2D_Benchmark", root / "3D_Benchmark/scannet_pcls"
    files = {
        "png": bench2d / "cifar10_images/0.png",
        "missing": bench2d / "svt_images/1.png",
        "npy": pcls / "scene0000_00_vert.npy",
        "narrow": pcls / "scene4001_00_vert.npy",
        "nan": pcls / "scene2001_00_vert.npy",
    }
    files["png"].write_text("not a picture")
    files["missing"].unlink()
    files["npy"].write_bytes(b"not an array at all")
    np.save(files["narrow"], np.zeros((5, 2), dtype=np.float32))
    cloud = np.ones((10, 6), dtype=np.float32)
    cloud[4, 1] = np.nan
    np.save(files["nan"], cloud)
    return files


def test_data_check_passes_the_pristine_mini_root(root):
    proc = run_cli("data", "check", "--data-root", str(root), "--workers", "2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    # 13 2D meta files of 6 records, an image each; 4 + 2 + 2 scenes of the 3D meta files; ChEF's own datasets:
    # 5 MMBench images (base64 in the TSV), 5 SEED-Bench, 3 MME, 5 Omnibenchmark and 3 COCO (POPE) images; ChEF's
    # corrupted copies: 6 ScienceQA_C and 5 MMBench_C images
    assert "bad media" not in proc.stdout and "decoded 118 media files" in proc.stdout


def test_data_check_decodes_media_and_names_each_bad_file_with_its_record(root):
    # issue 14 item 13: data check used to report "ok" for all of these
    files = _corrupt(root)
    proc = run_cli("data", "check", "--data-root", str(root), "--workers", "2")
    line = _one_line_error(proc)
    # the first bad file in task order (calibration3d-scanqa reads ScanQA's clouds) is named on the error line
    assert "5 media files are bad" in line and f"point cloud {files['narrow']}: expected at least 3 columns" in line
    meta2d, meta3d = root / "2D_Benchmark/meta_file", root / "3D_Benchmark/meta_file"
    expected = [
        f"{meta2d}/Classification_CIFAR10.json: record 0 (id 0): image {files['png']}: cannot be decoded",
        f"{meta2d}/OCR_SVT.json: record 1 (id 1): image not found: {files['missing']}",
        f"{meta3d}/Detection_ScanNet.json: record 0: point cloud {files['npy']}: not a readable .npy array",
        f"{meta3d}/VQA_ScanQA_multiplechoice.json: record 2 (id 2): point cloud {files['narrow']}: expected at least 3 columns",
        f"{meta3d}/VG_ScanRefer.json: record 3 (id 'vg3'): point cloud {files['nan']}: contains NaN or infinite values (first at row 4)",
    ]  # fmt: skip
    for text in expected:
        assert any(out.startswith(text) for out in proc.stdout.splitlines()), text
    assert "│ ucmerced " in proc.stdout and "│ ok" in proc.stdout  # the untouched tasks still pass


def test_a_run_that_decodes_a_corrupt_image_is_exit_2_naming_it(root, tmp_path):
    # the runner path: the openclip adapter asks for decoded media, which the runner decodes (lamm_bench.media)
    sys.path.insert(0, str(Path(__file__).parent.parent / "adapters"))
    import tiny_hf

    config, weights = tiny_hf.build_tiny_openclip(tmp_path / "clip")
    files = _corrupt(root)
    proc = run_cli("run", "--model", "openclip", "--model-arg", f"arch={config}", "--model-arg", f"weights={weights}",
                   "--task", "cifar10", "--limit", "2", "--data-root", str(root), "--out", str(tmp_path / "out"),
                   "--no-progress")  # fmt: skip
    line = _one_line_error(proc)
    assert f"image {files['png']}: cannot be decoded" in line
    assert not (tmp_path / "out/results").exists()


@pytest.fixture
def judged(root, tmp_path) -> Path:
    """Two dummy models' cifar10 answers and one finished judgement of them (dummy judge); returns the out dir."""
    import lamm_bench

    out = tmp_path / "out"
    for name, seed in (("model-a", "1"), ("model-b", "2")):
        lamm_bench.evaluate("dummy", ["cifar10"], data_root=root, out_dir=out, model_args={"seed": seed}, name=name)
    proc = _judge(root, out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def _judge(root: Path, out: Path):
    return run_cli("judge", "--models", "model-a,model-b", "--judge", "dummy", "--task", "cifar10",
                   "--data-root", str(root), "--out", str(out))  # fmt: skip


@pytest.mark.parametrize(
    ("line", "problem"),
    [("{not json", ":7: not valid JSON"), ('{"id": "9"}', ":7: missing field 'prediction'"),
     ('["0", "cat"]', ":7: expected a JSON object, found list")],
)
def test_judge_on_a_malformed_answers_file_is_exit_2_naming_it(root, judged, line, problem):
    # issue 14 item 12: these printed a traceback (JSONDecodeError, KeyError, TypeError)
    answers = judged / "results/model-a/cifar10.predictions.jsonl"
    with answers.open("a") as fh:
        fh.write(line + "\n")
    assert f"{answers}{problem}" in _one_line_error(_judge(root, judged))


def test_judge_on_a_malformed_store_is_exit_2_naming_it(root, judged):
    [store] = (judged / "store/judge").glob("*.jsonl")
    with store.open("a") as fh:
        fh.write('{"sample_id": ["cifar10:0"], "key": "", "text": 5}\n')  # was: TypeError, unhashable list
    line = _one_line_error(_judge(root, judged))
    assert f"store {store} line 7: field 'sample_id' should be str, found list" in line
