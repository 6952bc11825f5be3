"""The leaderboard depends on its inputs alone: the result files (and the paper's published numbers), never on
the registry or on which plugins are installed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from cli_helpers import run_cli
from plugin_dist import write_demo_data, write_demo_plugin, write_distribution

FIXTURES = Path(__file__).parent.parent / "fixtures" / "leaderboard"

# a plugin that would break any registry lookup: it claims a built-in group and its task module fails to import
BROKEN_TASKS = 'raise ImportError("this plugin is broken")\n'


def _broken_site(site: Path) -> Path:
    write_distribution(site, "lamm-bench-broken-plugin", "lamm_broken_plugin", {"tasks.py": BROKEN_TASKS},
                       {"lamm_bench.tasks": {"broken": "lamm_broken_plugin.tasks"}})  # fmt: skip
    return site


def test_leaderboard_is_byte_identical_with_plugins_installed(tmp_path):
    demo_site = write_demo_plugin(tmp_path / "demo-site")
    out = tmp_path / "out"
    # a plugin task's result, made with the plugin installed
    proc = run_cli("run", "--model", "demo-parrot", "--task", "demo", "--data-root", str(write_demo_data(tmp_path / "d")),
                   "--out", str(out), "--no-progress", env={"PYTHONPATH": str(demo_site)})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    shutil.copytree(FIXTURES / "results", out / "results", dirs_exist_ok=True)

    assert run_cli("leaderboard", "--out", str(out)).returncode == 0  # no plugin installed
    plain = (out / "README.md").read_text()
    chart = (out / "chart.png").read_bytes()
    sites = os.pathsep.join([str(demo_site), str(_broken_site(tmp_path / "broken-site"))])
    proc = run_cli("leaderboard", "--out", str(out), env={"PYTHONPATH": sites})
    assert proc.returncode == 0, proc.stderr
    assert (out / "README.md").read_text() == plain and (out / "chart.png").read_bytes() == chart
    # the plugin task's column, label and direction come from its result file, plugin installed or not
    assert "| model | cifar10<br>Acc ↑ |" in plain and "binary-loc<br>Binary-Loc ↑ | demo-echo<br>Echo ↑ |" in plain
    assert "| demo-echo | paper | 1 | Echo | `echo_rate` | 3 |" in plain
    # the rest is the golden leaderboard with one more column in the 2D paper table
    golden = (FIXTURES / "README.golden.md").read_text()
    assert plain.split("## 3D tasks")[1] == golden.split("## 3D tasks")[1]


def _edit(path: Path, edit) -> None:
    content = json.loads(path.read_text())
    edit(content)
    path.write_text(json.dumps(content, indent=2) + "\n")


def test_columns_follow_the_result_files_not_the_registry(tmp_path):
    shutil.copytree(FIXTURES / "results", tmp_path / "results")
    chef = tmp_path / "results/model-a"
    # the files say voc2012-chef comes last and cifar10-chef is labelled "Top-1": so does the leaderboard
    _edit(chef / "voc2012-chef.json", lambda d: d["task"]["group"].update(position=99))
    _edit(chef / "cifar10-chef.json", lambda d: d["paper_metric"].update(name="Top-1"))
    _edit(chef / "celeba-hair-chef.json", lambda d: d["higher_is_better"].update(accuracy=False))
    assert run_cli("leaderboard", "--out", str(tmp_path)).returncode == 0
    text = (tmp_path / "README.md").read_text()
    assert "| model | cifar10-chef<br>Top-1 ↑ | celeba-hair-chef<br>ACC ↓ | voc2012-chef<br>recall@0.50 ↑ |" in text


def test_a_column_without_a_group_follows_the_grouped_ones(tmp_path):
    shutil.copytree(FIXTURES / "results", tmp_path / "results")
    _edit(tmp_path / "results/model-a/cifar10-chef.json", lambda d: d["task"].update(group=None))
    assert run_cli("leaderboard", "--out", str(tmp_path)).returncode == 0
    text = (tmp_path / "README.md").read_text()
    assert "| model | voc2012-chef<br>recall@0.50 ↑ | celeba-hair-chef<br>ACC ↑ | cifar10-chef<br>Acc ↑ |" in text
