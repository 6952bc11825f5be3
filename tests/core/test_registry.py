"""Every registered task and adapter, tested the moment it is registered."""

import subprocess
import sys

import pytest

import lamm_bench
from lamm_bench import registry
from lamm_bench.adapter import Adapter
from lamm_bench.errors import UnknownNameError
from lamm_bench.metrics import higher_is_better
from plugin_dist import write_demo_data, write_demo_plugin

TASKS = sorted(registry.tasks())


@pytest.mark.parametrize("name", TASKS)
def test_task_spec_is_consistent(name):
    spec = registry.tasks()[name]
    assert spec.protocol in ("paper", "chef") and spec.modality in ("2d", "3d")
    # a LAMM task's ChEF recipe is <name>-chef; ChEF's own scenarios are chef-<scenario>; the 3D desiderata, on ChEF's
    # engine beyond ChEF, are robust3d-*, pope3d-*, calibration3d-* (docs/desiderata3d.md)
    beyond = spec.name in registry.builtin_groups()["desiderata3d"]
    assert (spec.name.endswith("-chef") or spec.name.startswith("chef-") or beyond) == (spec.protocol == "chef")
    sources = [m.rsplit("/", 1)[-1].removesuffix(".json") for m in spec.meta_files]
    if not isinstance(spec.system_message, str):  # a pooled task: one message per meta file, no other key
        assert sorted(spec.system_message) == sorted(sources)
    for message in {spec.system_for(source) for source in sources}:  # ChEF's scenarios send none
        assert (message.startswith("\n") and message.endswith("\n")) or (spec.name.startswith("chef-") and not message)
    assert spec.stages and spec.version
    higher_is_better(spec.paper_metric[1], spec.metrics)
    assert not spec.metrics, "a built-in metric's direction belongs in lamm_bench.metrics.HIGHER_IS_BETTER"


@pytest.mark.parametrize("name", TASKS)
def test_every_task_runs_end_to_end_on_the_mini_root(name, mini_root, tmp_path):
    [result] = lamm_bench.evaluate("dummy", name, data_root=mini_root, out_dir=tmp_path, limit=3)
    spec = registry.tasks()[name]
    # None where the metric leaves the value out (ChEF's RIAM when acc0 is the chance accuracy)
    assert result["paper_metric"]["value"] == result["metrics"].get(spec.paper_metric[1])
    # the limit is per run in a task of several runs: every run asks about its first 3 items
    assert result["task"]["n_samples"] == 3 * max(1, len(spec.answer_runs)) and result["failed"] == 0
    assert (tmp_path / "results/dummy" / f"{name}.json").exists()


def test_groups_expand_to_registered_tasks():
    for group in registry.groups():
        members = registry.expand_group(group)
        assert members and all(m in registry.tasks() for m in members), group


@pytest.mark.parametrize("name", sorted(registry.adapters()))
def test_every_adapter_class_follows_the_protocol(name):
    cls = registry.adapter_class(name)
    for method in ("load", "generate", "score_choices", "describe"):
        assert callable(getattr(cls, method, None)), (name, method)
    caps = getattr(cls, "capabilities", None)  # may be set per instance (e.g. 2D vs 3D LAMM cards)
    if isinstance(caps, frozenset):
        assert caps <= {"generate", "choice", "image", "point_cloud"}


@pytest.mark.parametrize("name", sorted(registry.cards()))
def test_every_card_names_a_registered_adapter(name):
    assert registry.cards()[name].adapter in registry.adapters()


def test_dummy_is_an_adapter():
    assert isinstance(registry.build_adapter(registry.resolve_model("dummy"), {}), Adapter)


def test_unknown_names_suggest():
    with pytest.raises(UnknownNameError, match="did you mean 'scienceqa'"):
        registry.resolve_tasks(["sciencqa"])


def test_cli_fast_path_imports_no_torch():
    code = (
        "import sys; from lamm_bench import cli, registry; registry.tasks(); registry.groups(); registry.cards();"
        "bad = [m for m in ('torch', 'transformers', 'open_clip', 'matplotlib') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_task_declares_the_direction_of_its_own_metrics():
    assert higher_is_better("echo_rate@0.5", {"echo_rate": "higher"}) is True
    assert higher_is_better("answer_length", {"answer_length": "lower"}) is False
    assert higher_is_better("mae", {"echo_rate": "higher"}) is False  # built-ins still resolve
    with pytest.raises(KeyError, match="declare it in TaskSpec.metrics"):
        higher_is_better("echo_rate", {})


def _clear_registry_caches():
    registry._task_table.cache_clear()
    registry._adapter_table.cache_clear()


@pytest.fixture
def demo_plugin(tmp_path, monkeypatch):
    """The demo plugin installed in this process (its folder on sys.path), registry caches cleared around it."""
    monkeypatch.syspath_prepend(str(write_demo_plugin(tmp_path / "site")))
    _clear_registry_caches()
    yield
    _clear_registry_caches()
    for name in [m for m in sys.modules if m == "lamm_demo_plugin" or m.startswith("lamm_demo_plugin.")]:
        del sys.modules[name]


def test_a_plugin_registers_its_task_group_adapter_and_card_in_process(demo_plugin, tmp_path):
    builtin = registry.builtin_groups()
    assert registry.groups() == {**builtin, "demo": ("demo-echo",)}
    assert registry.tasks()["demo-echo"].metrics == {"echo_rate": "higher", "answer_length": "lower"}
    assert registry.resolve_model("demo-parrot").args == {"prefix": "Surely"}
    assert registry.adapter_class("demo-echo-adapter").__name__ == "EchoAdapter"
    [result] = lamm_bench.evaluate("demo-parrot", "demo", data_root=write_demo_data(tmp_path / "data"),
                                   out_dir=tmp_path / "out")  # fmt: skip
    assert result["higher_is_better"] == {"echo_rate": True, "answer_length": False}
    assert result["paper_metric"]["value"] == pytest.approx(200 / 3)
