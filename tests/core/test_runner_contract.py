"""The runner-task contract: declared stage needs, task bugs are bugs, label sets from the full data, request
identity in the store, only rank 0 scores, and missing system resources found before any inference."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_helpers import run_cli
from lamm_bench import registry, runner
from lamm_bench.records import Request, Response
from lamm_bench.plan import request_identity
from lamm_bench.runner import RunSettings, evaluate_task, prepare_tasks
from lamm_bench.store import PredictionStore, StoredResponse
from lamm_bench.task import needs

from lamm_bench.model_adapters.dummy import DummyAdapter


def _info(adapter) -> dict:
    description = dict(adapter.describe())
    return {"name": "dummy", "card": None, "adapter": "dummy", "args": {}, "description": description,
            "fingerprint": "fp"}  # fmt: skip


def _prepared(name: str, root: Path, out: Path, **changes):
    settings = RunSettings(data_root=root, out_dir=out)
    task = prepare_tasks([name], settings)[0]
    return dataclasses.replace(task, spec=dataclasses.replace(task.spec, **changes)), settings


def test_a_bug_in_a_stage_stops_the_run_and_writes_nothing(mini_root, tmp_path):
    def typo(sample, previous, seed):  # a mistyped ground-truth field: a KeyError in task code
        return [Request(sample_id=sample.id, kind="generate", system="", text=sample.target["labl"])]

    task, settings = _prepared("ucmerced", mini_root, tmp_path, stages=(typo,))
    adapter = DummyAdapter({})
    with pytest.raises(KeyError, match="labl"):
        evaluate_task(adapter, _info(adapter), task, settings)
    assert not (tmp_path / "results").exists()


def test_a_need_no_earlier_stage_asks_for_is_a_bug(mini_root, tmp_path):
    first = registry.get_task("scienceqa").stages[0]

    @needs("reasonin")  # typo: the first stage's key is "reasoning"
    def second(sample, previous, seed):
        return [Request(sample_id=sample.id, kind="generate", system="", text=previous["reasonin"], key="answer")]

    task, settings = _prepared("scienceqa", mini_root, tmp_path, stages=(first, second))
    adapter = DummyAdapter({})
    with pytest.raises(RuntimeError, match="stage 2 needs 'reasonin'"):
        evaluate_task(adapter, _info(adapter), task, settings)
    assert not (tmp_path / "results").exists()


def test_a_failed_earlier_answer_fails_only_that_sample(mini_root, tmp_path):
    task, settings = _prepared("scienceqa", mini_root, tmp_path)
    adapter = DummyAdapter({"fail_every": "3"})
    result = evaluate_task(adapter, _info(adapter), task, settings)
    assert 0 < result["failed"] < len(task.all_samples)


def test_options_are_part_of_a_stored_answers_identity(tmp_path):
    asked = Request(sample_id="1", kind="generate", system="s", text="t", options=("a", "b"))
    store = PredictionStore(tmp_path / "s.jsonl")
    store.append([StoredResponse.of("1", "", Response(text="a"), request_identity(asked))])
    other = dataclasses.replace(asked, options=("a", "b", "c"))
    assert request_identity(other) != request_identity(asked)
    assert request_identity(dataclasses.replace(asked, images=("/elsewhere.png",))) == request_identity(asked)


def test_a_requests_identity_is_the_one_stores_were_written_with():
    # values from the asdict-based identity every store written so far holds (the faster one must not move them)
    from lamm_bench.records import GenerationSettings, PointCorruption

    a = Request(sample_id="1", kind="generate", system="s", text="t", options=("a", "b"), images=("x.png",),
                generation=GenerationSettings(max_new_tokens=7, stop=("###", "\n")))
    b = Request(sample_id="2", kind="choice", system=None, text="q", options=("yes", "no"), point_cloud="p.npy",
                num_points=4096, point_corruption=PointCorruption("jitter", 0.02), seed=3, protocol="chef")
    assert (request_identity(a), request_identity(b)) == ("09de99662fe47397", "11fd23e8bd728297")


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=30), system=st.none() | st.text(max_size=10), options=st.lists(st.text(max_size=5),
       max_size=4).map(tuple), seed=st.integers(0, 10**6), tokens=st.integers(1, 900))  # fmt: skip
def test_a_requests_identity_is_its_asdict_fingerprint(text, system, options, seed, tokens):
    from lamm_bench.identity import fingerprint
    from lamm_bench.records import GenerationSettings

    request = Request(sample_id="s", kind="generate", system=system, text=text, options=options, seed=seed,
                      generation=GenerationSettings(max_new_tokens=tokens))  # fmt: skip
    fields = dataclasses.asdict(request)
    for name in ("sample_id", "key", "images", "point_cloud", "point_corruption"):
        fields.pop(name)
    assert request_identity(request) == fingerprint(fields)[:16]


CLOSED_SET = [name for name, spec in registry.tasks().items() if spec.label_set is not None]


def test_there_are_closed_set_tasks():
    assert {"ucmerced", "celeba-hair", "celeba-smile"} <= set(CLOSED_SET)


def _outputs(out: Path, task: str) -> tuple[dict, list]:
    result = json.loads((out / "results/dummy" / f"{task}.json").read_text())
    rows = (out / "results/dummy" / f"{task}.predictions.jsonl").read_text().splitlines()
    return result["metrics"], rows


def test_limit_then_full_equals_a_fresh_full_run(mini_root, tmp_path):
    tasks = ",".join(CLOSED_SET)
    common = ("run", "--model", "dummy", "--task", tasks, "--data-root", str(mini_root), "--no-progress")
    resumed, fresh = tmp_path / "resumed", tmp_path / "fresh"
    for args in ((*common, "--out", str(resumed), "--limit", "3"), (*common, "--out", str(resumed)),
                 (*common, "--out", str(fresh))):  # fmt: skip
        done = run_cli(*args)
        assert done.returncode == 0, done.stderr
    for task in CLOSED_SET:
        assert _outputs(resumed, task) == _outputs(fresh, task), task


def test_label_sets_come_from_the_full_data(mini_root, tmp_path):
    settings = RunSettings(data_root=mini_root, out_dir=tmp_path, limit=1)
    task = prepare_tasks(["ucmerced"], settings)[0]
    full = prepare_tasks(["ucmerced"], RunSettings(data_root=mini_root, out_dir=tmp_path))[0]
    assert len(task.all_samples) == 1 and task.options == full.options and len(full.options) > 1


def test_only_rank_zero_scores_and_writes(mini_root, tmp_path, monkeypatch):
    task, settings = _prepared("ucmerced", mini_root, tmp_path)
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(runner.distributed, "barrier", lambda: None)

    def no_scoring(*args, **kwargs):
        raise AssertionError("rank 1 scored")

    monkeypatch.setattr(runner, "score_predictions", no_scoring)
    adapter = DummyAdapter({})
    assert evaluate_task(adapter, _info(adapter), dataclasses.replace(task, samples=task.all_samples[1::2]), settings) is None
    assert not (tmp_path / "results").exists()
    assert list((tmp_path / "store").rglob("*.rank1.jsonl"))


def _one_line_error(done) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_missing_wordnet_is_found_before_any_request(mini_root, tmp_path):
    empty = tmp_path / "no-wordnet"
    empty.mkdir()
    out = tmp_path / "lb"
    done = run_cli("run", "--model", "dummy", "--task", "ucmerced,cifar10", "--data-root", str(mini_root),
                   "--out", str(out), "--no-progress", env={"LAMM_BENCH_WORDNET": str(empty)})  # fmt: skip
    line = _one_line_error(done)
    assert "cifar10" in line and "WordNet" in line and "ucmerced" not in line
    assert not out.exists()  # nothing asked, nothing stored, nothing written


def test_missing_java_is_found_before_any_request(mini_root, tmp_path):
    out = tmp_path / "lb"
    done = run_cli("run", "--model", "dummy", "--task", "flickr30k", "--data-root", str(mini_root), "--out", str(out),
                   "--no-progress", env={"PATH": str(tmp_path)})  # fmt: skip
    line = _one_line_error(done)
    assert "flickr30k" in line and "Java" in line
    assert not out.exists()


@pytest.mark.parametrize("name", sorted(registry.tasks()))
def test_scoring_uses_only_the_resources_a_task_declares(name, mini_root, tmp_path, monkeypatch):
    """Every task is scored with the resources it does not declare made unavailable: a task that uses WordNet
    or Java without declaring it would fail here (and so would fail after inference for a user without them)."""
    from lamm_bench import resources
    from lamm_bench.metrics import caption
    from lamm_bench.parsing import lexicon, synonyms

    spec = registry.get_task(name)

    def unavailable(*args, **kwargs):
        raise AssertionError(f"{name} used an undeclared resource")

    if "wordnet" not in spec.requires:
        monkeypatch.setattr(lexicon, "wordnet", unavailable)
        monkeypatch.setattr(synonyms, "wordnet", unavailable)
    if "java" not in spec.requires:
        monkeypatch.setattr(caption, "_tokenize", unavailable)
        monkeypatch.setattr(caption, "_meteor", unavailable)
    monkeypatch.setattr(resources, "CHECKS", {"wordnet": lambda: None, "java": lambda: None})
    import lamm_bench

    (result,) = lamm_bench.evaluate("dummy", [name], data_root=mini_root, out_dir=tmp_path, write=False)
    assert result["task"]["n_samples"] > 0
