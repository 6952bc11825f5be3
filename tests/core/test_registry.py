"""Every registered task and adapter, tested the moment it is registered."""

import subprocess
import sys

import pytest

import lamm_bench
from lamm_bench import registry
from lamm_bench.adapter import Adapter
from lamm_bench.errors import UnknownNameError
from lamm_bench.metrics import higher_is_better

TASKS = sorted(registry.tasks())


@pytest.mark.parametrize("name", TASKS)
def test_task_spec_is_consistent(name):
    spec = registry.tasks()[name]
    assert spec.protocol in ("paper", "chef") and spec.modality in ("2d", "3d")
    assert spec.name.endswith("-chef") == (spec.protocol == "chef")
    assert spec.system_message.startswith("\n") and spec.system_message.endswith("\n")
    assert spec.stages and spec.version
    higher_is_better(spec.paper_metric[1])


@pytest.mark.parametrize("name", TASKS)
def test_every_task_runs_end_to_end_on_the_mini_root(name, mini_root, tmp_path):
    [result] = lamm_bench.evaluate("dummy", name, data_root=mini_root, out_dir=tmp_path, limit=3)
    spec = registry.tasks()[name]
    assert result["paper_metric"]["value"] == result["metrics"][spec.paper_metric[1]]
    assert result["task"]["n_samples"] == 3 and result["failed"] == 0
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
