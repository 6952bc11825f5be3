"""Typed results: ``TaskResult`` is what ``evaluate`` returns and what the result file holds, and round-trips."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import lamm_bench
from lamm_bench.errors import UserError
from lamm_bench.results import SCHEMA_VERSION, GroupPlace, ModelInfo, TaskResult, Throughput, read_result

FIXTURES = Path(__file__).parent.parent / "fixtures" / "leaderboard" / "results"


def test_evaluate_returns_the_record_the_result_file_holds(mini_root, tmp_path):
    (result,) = lamm_bench.evaluate("dummy", "cifar10-chef", data_root=mini_root, out_dir=tmp_path, limit=3)
    assert isinstance(result, TaskResult)
    assert isinstance(result.model, ModelInfo) and isinstance(result.throughput, Throughput)
    content = json.loads((tmp_path / "results/dummy/cifar10-chef.json").read_text())
    assert content == result.to_json()
    assert TaskResult.from_json(content).to_json() == content
    assert read_result(tmp_path / "results/dummy/cifar10-chef.json") == result
    # the record knows its place in its group, for the leaderboard's column order
    assert result.task.group == GroupPlace("lamm2d-chef", 0)
    assert content["schema_version"] == SCHEMA_VERSION == 1
    assert content["task"]["group"] == {"name": "lamm2d-chef", "position": 0}
    # read access by key is the JSON view, a copy: editing it leaves the record alone
    assert result["metrics"] == result.metrics and result["task"]["n_samples"] == 3
    result["metrics"]["accuracy"] = -1.0
    assert result.metrics["accuracy"] != -1.0


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_result_files_with_and_without_a_group_round_trip(path):
    # model-a's files record their task's group; model-b's are older files, written before the field existed
    content = json.loads(path.read_text())
    record = TaskResult.from_json(content)
    assert record.to_json() == content
    assert (record.task.group is None) == (path.parent.name == "model-b")


def test_a_counter_the_record_does_not_name_is_kept(tmp_path):
    content = json.loads((FIXTURES / "model-a/cifar10.json").read_text())
    content["throughput"]["prefetch_seconds"] = 1.5
    record = TaskResult.from_json(content)
    assert record.throughput.extra == {"prefetch_seconds": 1.5}
    assert record.to_json() == content


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("metrics"), "missing field 'metrics'"),
        (lambda d: d["task"].pop("modality"), "missing field 'task.modality'"),
        (lambda d: d.update(schema_version=2), "schema_version 2"),
        (lambda d: d.update(model=[]), "field 'model' should be object, found list"),
    ],
)
def test_a_malformed_result_is_a_user_error_saying_what(change, message):
    content = json.loads((FIXTURES / "model-a/cifar10.json").read_text())
    change(content)
    with pytest.raises(UserError, match=f"^x.json: {message}"):
        TaskResult.from_json(content, "x.json")


def test_the_leaderboard_names_a_result_file_it_cannot_read(tmp_path):
    from cli_helpers import run_cli

    shutil.copytree(FIXTURES, tmp_path / "results")
    bad = tmp_path / "results/model-a/cifar10.json"
    bad.write_text(bad.read_text().replace('"schema_version": 1', '"schema_version": 9'))
    proc = run_cli("leaderboard", "--out", str(tmp_path))
    assert proc.returncode == 2 and "cifar10.json: schema_version 9 is not one this lamm-bench reads" in proc.stderr
    assert not (tmp_path / "README.md").exists()
