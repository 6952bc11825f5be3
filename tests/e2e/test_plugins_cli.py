"""Third-party plugins, installed as real distributions, driven through the installed CLI.

Each test writes tiny distributions (``tests/plugin_dist.py``: a ``.dist-info`` beside its import package) into
a temporary folder and puts it on the subprocess's ``PYTHONPATH``; importlib.metadata discovers installed
distributions on ``sys.path``, so lamm-bench sees exactly what ``pip install`` would give it, without touching
the shared virtual environment. The demo plugin ships a task with two new metrics, a group, an adapter and a
model card; each clash plugin collides with a built-in or with the demo plugin on one name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli_helpers import run_cli
from plugin_dist import DEMO_DIST, write_demo_data, write_demo_plugin, write_distribution

CLASH_DIST = "lamm-bench-clash-plugin"

CLASH_MODULE = '''
import dataclasses

from lamm_bench.adapter import ModelCard
from lamm_bench.tasks.cifar10 import CIFAR10
from lamm_demo_plugin.tasks import ECHO

BUILTIN_TASK = (CIFAR10,)
PLUGIN_TASK = (dataclasses.replace(ECHO, description="the same name again"),)
BUILTIN_GROUP = {"lamm2d-chef": ("demo-echo",)}
TASK_AS_GROUP = {"cifar10": ("demo-echo",)}
BUILTIN_CARD = (ModelCard(name="lamm-7b", adapter="demo-echo-adapter"),)
ADAPTER_NAME_CARD = (ModelCard(name="hf", adapter="demo-echo-adapter"),)
METRIC_FLIPPED = (dataclasses.replace(ECHO, name="demo-echo-2", metrics={"echo_rate": "lower"}),)
BUILTIN_METRIC_FLIPPED = (dataclasses.replace(ECHO, name="demo-echo-3", metrics={"accuracy": "lower"}),)
UNDECLARED = (dataclasses.replace(ECHO, name="demo-echo-4", metrics={}),)
'''


@pytest.fixture
def demo_site(tmp_path) -> Path:
    return write_demo_plugin(tmp_path / "site")


@pytest.fixture
def demo_data(tmp_path) -> Path:
    return write_demo_data(tmp_path / "data")


def with_site(*sites: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join(str(s) for s in sites)}


def test_plugin_task_adapter_card_and_new_metrics_run_end_to_end(demo_site, demo_data, tmp_path):
    out = tmp_path / "out"
    proc = run_cli("run", "--model", "demo-parrot", "--task", "demo", "--data-root", str(demo_data),
                   "--out", str(out), "--no-progress", env=with_site(demo_site))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # the demo plugin's adapter is a plain class of the contract before lamm_bench.Adapter: it runs, told once
    told = [line for line in proc.stderr.splitlines() if "lamm_bench.Adapter" in line]
    assert len(told) == 1 and "lamm_demo_plugin.adapter.EchoAdapter" in told[0] and "media=None" in told[0]
    result = json.loads((out / "results/demo-parrot/demo-echo.json").read_text())
    assert result["metrics"] == {"echo_rate": pytest.approx(200 / 3), "answer_length": pytest.approx(31 / 3)}
    assert result["higher_is_better"] == {"echo_rate": True, "answer_length": False}
    assert result["paper_metric"] == {"name": "Echo", "value": pytest.approx(200 / 3), "key": "echo_rate"}
    assert result["model"]["adapter"] == "demo-echo-adapter"
    rows = [json.loads(line) for line in (out / "results/demo-parrot/demo-echo.predictions.jsonl").open()]
    assert [r["prediction"] for r in rows] == ["Surely cat", "Surely dog", "Surely bird"]

    proc = run_cli("leaderboard", "--out", str(out), env=with_site(demo_site))
    assert proc.returncode == 0, proc.stderr
    readme = (out / "README.md").read_text()
    assert "demo-echo<br>Echo ↑" in readme and "| demo-parrot |" in readme and "66.67" in readme


def test_plugin_shows_in_the_lists(demo_site):
    tasks = run_cli("list", "tasks", "--json", env=with_site(demo_site))
    assert tasks.returncode == 0, tasks.stderr
    listed = json.loads(tasks.stdout)
    assert "demo-echo" in [t["name"] for t in listed["tasks"]] and listed["groups"]["demo"] == ["demo-echo"]
    assert listed["groups"]["lamm3d"] == ["scannet-det", "scanrefer", "scanqa"]
    models = run_cli("list", "models", "--json", env=with_site(demo_site))
    assert models.returncode == 0, models.stderr
    listed = json.loads(models.stdout)
    assert {"name": "demo-parrot", "adapter": "demo-echo-adapter", "files": [], "description": "demo plugin card"} \
        in listed["models"]
    assert "demo-echo-adapter" in listed["adapters"] and "dummy" in listed["adapters"]


TASKS_EP, ADAPTERS_EP, CARDS_EP = "lamm_bench.tasks", "lamm_bench.adapters", "lamm_bench.cards"
DEMO = f"distribution '{DEMO_DIST}'"
CLASHES = {
    # case: (entry point group, its name, what the clash module exports, list command, the other source named)
    "task": (TASKS_EP, "clash", "TASKS = BUILTIN_TASK", "tasks", "module lamm_bench.tasks.cifar10"),
    "task-between-plugins": (TASKS_EP, "clash", "TASKS = PLUGIN_TASK", "tasks", DEMO),
    "group": (TASKS_EP, "clash", "GROUPS = BUILTIN_GROUP", "tasks", "module lamm_bench.tasks.groups"),
    "group-named-like-a-task": (TASKS_EP, "clash", "GROUPS = TASK_AS_GROUP", "tasks",
                                "module lamm_bench.tasks.cifar10"),
    "adapter": (ADAPTERS_EP, "dummy", None, "models", "module lamm_bench.model_adapters.dummy"),
    "adapter-between-plugins": (ADAPTERS_EP, "demo-echo-adapter", None, "models", DEMO),
    "card": (CARDS_EP, "clash", "CARDS = BUILTIN_CARD", "models", "module lamm_bench.model_adapters.lamm"),
    "card-named-like-an-adapter": (CARDS_EP, "clash", "CARDS = ADAPTER_NAME_CARD", "models",
                                   "module lamm_bench.model_adapters.hf"),
    "metric-direction": (TASKS_EP, "clash", "TASKS = METRIC_FLIPPED", "tasks", DEMO),
    "builtin-metric-direction": (TASKS_EP, "clash", "TASKS = BUILTIN_METRIC_FLIPPED", "tasks",
                                 "module lamm_bench.metrics"),
}  # fmt: skip


def clash_site(tmp_path: Path, group: str, name: str, export: str | None) -> Path:
    """The clash plugin: one entry point, to a module exporting the colliding names (``export``) or, for an
    adapter, to the demo's adapter class."""
    target = "lamm_clash_plugin.case" if export else "lamm_demo_plugin.adapter:EchoAdapter"
    site = tmp_path / "clash-site"
    write_distribution(site, CLASH_DIST, "lamm_clash_plugin",
                       {"clash.py": CLASH_MODULE, "case.py": f"from .clash import *  # noqa\n{export or ''}\n"},
                       {group: {name: target}})  # fmt: skip
    return site


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_every_name_collision_exits_2_naming_both_sources(case, demo_site, tmp_path):
    *_, listing, other = CLASHES[case]
    proc = run_cli("list", listing, env=with_site(demo_site, clash_site(tmp_path, *CLASHES[case][:3])))
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    [line] = proc.stderr.splitlines()
    assert other in line and f"distribution '{CLASH_DIST}'" in line, line
    assert "Traceback" not in proc.stderr


def test_a_collision_stops_a_run_before_any_result(demo_site, demo_data, tmp_path):
    site = clash_site(tmp_path, *CLASHES["card"][:3])
    out = tmp_path / "out"
    proc = run_cli("run", "--model", "demo-parrot", "--task", "demo-echo", "--data-root", str(demo_data),
                   "--out", str(out), "--no-progress", env=with_site(demo_site, site))  # fmt: skip
    assert proc.returncode == 2 and "model card 'lamm-7b' is registered twice" in proc.stderr
    assert not out.exists()


def test_a_paper_metric_without_a_direction_is_refused_before_inference(demo_site, demo_data, tmp_path):
    site = clash_site(tmp_path, TASKS_EP, "clash", "TASKS = UNDECLARED")
    out = tmp_path / "out"
    proc = run_cli("run", "--model", "demo-parrot", "--task", "demo-echo-4", "--data-root", str(demo_data),
                   "--out", str(out), "--no-progress", env=with_site(demo_site, site))  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "task 'demo-echo-4'" in proc.stderr and "'echo_rate' without a direction" in proc.stderr
    assert f"distribution '{CLASH_DIST}'" in proc.stderr and not out.exists()


def test_leaderboard_is_unchanged_by_installed_plugins(demo_site, mini_root, tmp_path):
    out = tmp_path / "out"
    proc = run_cli("run", "--model", "dummy", "--task", "cifar10,cifar10-chef,svt-chef", "--limit", "2",
                   "--data-root", str(mini_root), "--out", str(out), "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert run_cli("leaderboard", "--out", str(out)).returncode == 0
    plain = (out / "README.md").read_text()
    # a plugin that (wrongly) claims a built-in group: every registry lookup refuses it, the leaderboard ignores it
    site = clash_site(tmp_path, *CLASHES["group"][:3])
    proc = run_cli("leaderboard", "--out", str(out), env=with_site(demo_site, site))
    assert proc.returncode == 0, proc.stderr
    assert (out / "README.md").read_text() == plain
    assert plain.index("cifar10-chef<br>") < plain.index("svt-chef<br>")
