"""`lamm-bench leaderboard`: golden README from fixture results, deterministic chart, bad result files."""

import shutil
from pathlib import Path

from cli_helpers import run_cli

FIXTURES = Path(__file__).parent.parent / "fixtures" / "leaderboard"
COMMITTED = Path(__file__).parent.parent.parent / "leaderboard"


def test_readme_matches_golden_and_output_is_deterministic(tmp_path):
    shutil.copytree(FIXTURES / "results", tmp_path / "results")
    proc = run_cli("leaderboard", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    readme = (tmp_path / "README.md").read_text()
    assert readme == (FIXTURES / "README.golden.md").read_text()
    chart = (tmp_path / "chart.png").read_bytes()
    assert chart.startswith(b"\x89PNG")
    assert run_cli("leaderboard", "--out", str(tmp_path)).returncode == 0
    assert (tmp_path / "README.md").read_text() == readme and (tmp_path / "chart.png").read_bytes() == chart


def test_golden_content_is_what_it_should_be():
    text = (FIXTURES / "README.golden.md").read_text()
    # best measured value in bold per column, lower-is-better respected for MAE, ties both bold
    assert "| model-a | 41.50 | – | **50.00** |" in text and "| model-b | **55.25** | – | **50.00** |" in text
    assert "**30.12**" in text and "| 45.00 |" in text
    # published reference rows are marked and never bold; versions per column are listed
    assert "| *LAMM-13B (paper)* | *37.9* |" in text and "*0.158*" in text
    assert "| scienceqa | paper | 1, 2 | Acc | `accuracy` | 2017 |" in text
    # separate tables per modality and protocol
    assert "## 3D tasks, LAMM paper protocol" in text and "## 2D tasks, ChEF protocol" in text
    # ChEF columns follow the lamm2d-chef group order, not the alphabet
    assert text.index("voc2012-chef<br>") < text.index("celeba-hair-chef<br>")


def test_malformed_result_file_is_a_user_error(tmp_path):
    bad = tmp_path / "results" / "m" / "t.json"
    bad.parent.mkdir(parents=True)
    bad.write_text("{}")
    proc = run_cli("leaderboard", "--out", str(tmp_path))
    assert proc.returncode == 2 and "t.json: missing field 'schema_version'" in proc.stderr
    assert not (tmp_path / "README.md").exists()


def test_the_committed_leaderboard_regenerates_byte_identically(tmp_path):
    # README, chart, index.html and every prediction page, from the committed result files and pictures alone: the
    # pages draw what the rows record (each task's declared overlay), the same as the committed pages show
    copy = Path(shutil.copytree(COMMITTED, tmp_path / "leaderboard"))
    proc = run_cli("leaderboard", "--out", str(copy), env={"LAMM_BENCH_DATA": ""})
    assert proc.returncode == 0, proc.stderr

    def tree(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    before, after = tree(COMMITTED), tree(copy)
    assert sorted(after) == sorted(before)
    assert [name for name in before if after[name] != before[name]] == []
