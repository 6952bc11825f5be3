"""``lamm-bench data mini`` without trimesh (the ``demo`` extra): one line saying what to install, nothing written."""

from __future__ import annotations

from cli_helpers import run_cli


def test_data_mini_without_trimesh_exits_2_before_writing(tmp_path):
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "trimesh.py").write_text('raise ImportError("trimesh hidden by the test")\n')
    out = tmp_path / "mini"
    proc = run_cli("data", "mini", "--out", str(out), env={"PYTHONPATH": str(shadow)})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("lamm-bench: error:")]
    assert errors == ["lamm-bench: error: writing lamm-mini needs trimesh: pip install 'lamm-bench[demo]'"]
    assert not out.exists() and list(tmp_path.iterdir()) == [shadow]  # nothing written, no staging folder left
