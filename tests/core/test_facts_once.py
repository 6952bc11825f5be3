"""Facts stated once: a task's system message and protocol live on its ``TaskSpec`` only (the runner stamps them on
every request), and each sample's stage plan is built once per run."""

from __future__ import annotations

import dataclasses

import pytest

from lamm_bench import registry
from lamm_bench.data import load_samples
from lamm_bench.identity import task_fingerprint
from lamm_bench.model_adapters.dummy import DummyAdapter
from lamm_bench.records import Request
from lamm_bench.plan import build_stage
from lamm_bench.runner import RunSettings, evaluate_task, prepare_tasks
from lamm_bench.tasks import prompts2d

ANSWERS = {"reasoning": "Because.", "cot": "Step.", "answer": "(A)"}


@pytest.mark.parametrize("name", sorted(registry.builtin_tasks()))
def test_stages_leave_system_and_protocol_to_the_spec_and_the_runner_stamps_them(name, mini_root):
    spec = registry.get_task(name)
    samples, _ = load_samples(spec, mini_root)
    for sample in samples[:2]:
        for index, stage in enumerate(spec.stages):
            raw = list(stage(sample, ANSWERS, 0))
            own = spec.system_for(sample.source)
            # a stage leaves the system text to the spec; it sets one only where it differs (ChEF's CoT generation)
            assert raw and all(r.system != own for r in raw), f"{name}: a stage states the system message again"
            stamped = build_stage(spec, index, sample, ANSWERS, 0)
            assert [r.system for r in stamped] == [own if r.system is None else r.system for r in raw]
            assert {r.protocol for r in stamped} == {spec.protocol}
            assert [dataclasses.replace(r, system=None, protocol="paper", options=()) for r in stamped] == [
                dataclasses.replace(r, system=None, options=()) for r in raw
            ]


def test_binary_loc_declares_each_files_message_once_and_its_fingerprint_holds_both():
    spec = registry.get_task("binary-loc")
    assert spec.system_message == {"Locating_VOC2012": prompts2d.LOCATING_SYS, "Locating_LSP": prompts2d.HUMANLOCATING_SYS}
    wrong = dataclasses.replace(spec, system_message={**spec.system_message, "Locating_LSP": prompts2d.LOCATING_SYS})
    assert task_fingerprint(spec, []) != task_fingerprint(wrong, [])


def test_a_stage_may_set_its_own_system_text_and_keeps_it(mini_root):
    spec = registry.get_task("ucmerced")

    def own(sample, previous, seed):
        return [Request(sample_id=sample.id, kind="generate", system="Be brief.", text=sample.query)]

    custom = dataclasses.replace(spec, stages=(own,))
    samples, _ = load_samples(custom, mini_root)
    [request] = build_stage(custom, 0, samples[0], {}, 0, options=("a", "b"))
    assert (request.system, request.protocol, request.options) == ("Be brief.", "paper", ("a", "b"))


def test_each_stage_is_built_once_per_sample_and_run(mini_root, tmp_path):
    settings = RunSettings(data_root=mini_root, out_dir=tmp_path)
    [task] = prepare_tasks(["scienceqa"], settings)  # two stages: the second needs the first's answer
    calls: dict[tuple[int, str], int] = {}

    def counted(index, stage):
        def wrapper(sample, previous, seed):
            calls[(index, sample.id)] = calls.get((index, sample.id), 0) + 1
            return stage(sample, previous, seed)

        wrapper.needs = getattr(stage, "needs", ())
        return wrapper

    stages = tuple(counted(i, s) for i, s in enumerate(task.spec.stages))
    task = dataclasses.replace(task, spec=dataclasses.replace(task.spec, stages=stages))
    adapter = DummyAdapter({})
    info = {"name": "m", "card": None, "adapter": "dummy", "args": {}, "description": {}, "fingerprint": "fp"}
    for run in ("first", "resumed"):  # the rerun answers everything from the store
        calls.clear()
        result = evaluate_task(adapter, info, task, settings)
        n = result.task.n_samples
        assert n > 1 and len(calls) == 2 * n and set(calls.values()) == {1}, run
