"""lamm-mini's 2D sources: every 2D meta file has one, and each record's train answer (its ``turns``) is read as right
by the task's own plan, parser and metric, in both protocols.

The answers are fed through the real request plan: each request the task builds gets the turn whose question is
that request's text (the paper protocol must ask exactly the turns' questions, so train and test prompts agree);
a ChEF request that rewords the question gets the first turn's answer.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lamm_bench import registry
from lamm_bench.demo.build import plan
from lamm_bench.demo.contract import MiniContext, MiniRecord, MiniSource
from lamm_bench.demo.sources import SOURCES
from lamm_bench.records import Sample
from lamm_bench.task import TaskSpec
from lamm_bench.train.system_messages import SYSTEM_MESSAGES

TASKS_2D = sorted(name for name, t in registry.builtin_tasks().items()
                  if t.modality == "2d" and all(m.startswith("2D_Benchmark/") for m in t.meta_files)
                  and not name.startswith("chef-"))  # fmt: skip
"""The 2D tasks that generate answers on LAMM's meta files (ChEF's scenarios score options, whatever the file:
``tests/tasks/test_chef_tasks.py``; ChEF's own formats: ``tests/demo/test_mini_chef.py``)."""
N = 12
"""Records written per source here (enough for every class of the small label sets to show up)."""


def _write(source: MiniSource, folder: Path, split: str = "test", n: int = N) -> list[MiniRecord]:
    ctx = MiniContext(folder=folder, split=split, n=n, seed=0, rng=random.Random(f"test:{split}"))
    return list(source.write(ctx))


def _sample(record: dict, stem: str, folder: Path, pooled: bool) -> Sample:
    local = str(record["id"])
    target = {k: v for k, v in record.items() if k not in ("id", "image", "query")}
    return Sample(id=f"{stem}:{local}" if pooled else local, source=stem, query=record["query"], target=target,
                  images=(str(folder / record["image"]),))  # fmt: skip


def _answer(task: TaskSpec, sample: Sample, turns: tuple[tuple[str, str], ...]):
    """Run the task's plan, answering every request from the turns; returns the assembled prediction."""
    by_question = dict(turns)
    responses: dict[str, str] = {}
    for stage in task.stages:
        for request in stage(sample, dict(responses), 0):
            if task.protocol == "paper":
                assert request.text in by_question, f"{task.name}: the paper asks {request.text!r}, no turn does"
            responses[request.key] = by_question.get(request.text, turns[0][1])
    return task.assemble(sample, responses)


@pytest.mark.parametrize("name", TASKS_2D)
def test_every_2d_task_has_a_declared_source_for_each_meta_file(name):
    for meta_file in registry.get_task(name).meta_files:
        source = SOURCES[meta_file]
        assert source.n_test >= 50 and source.n_train >= 50
        assert source.task_type in SYSTEM_MESSAGES
        assert source.source and source.licence


def test_the_2d_tasks_read_the_13_lamm_2d_meta_files_each_written_once():
    assert len(plan([registry.get_task(n) for n in TASKS_2D])) == 13


def _perfect(task: TaskSpec, metrics: dict[str, float]) -> tuple[str, float, float]:
    """The primary metric, its value, and the value a perfect answer gets (counting errors 0, all else 100)."""
    key = task.primary_metric
    if key == "cider":  # ChEF captions are scored at corpus level only (pycocoevalcap, Java): every answer parsed
        key = "unparsed_rate"
    best = 0.0 if key in ("mae", "clipped_error", "unparsed_rate") else 100.0
    return key, metrics[key], best


@pytest.mark.parametrize("name", TASKS_2D)
def test_the_train_answers_score_perfectly_with_the_task_own_metric(name, tmp_path):
    task = registry.get_task(name)
    pooled = len(task.meta_files) > 1
    scores = []
    for meta_file in task.meta_files:
        stem = Path(meta_file).stem
        for item in _write(SOURCES[meta_file], tmp_path):
            sample = _sample(dict(item.record), stem, tmp_path, pooled)
            scores.append(task.score_sample(sample, _answer(task, sample, item.turns)))
    metrics = task.aggregate(scores)
    key, value, best = _perfect(task, metrics)
    assert value == pytest.approx(best), (key, metrics)
    assert metrics["unparsed_rate"] == 0.0


def test_a_source_writes_what_it_was_asked_for_in_either_split(tmp_path):
    for meta_file in registry.get_task("binary-loc").meta_files:
        for split in ("test", "train"):
            written = _write(SOURCES[meta_file], tmp_path / split, split, 7)
            assert len(written) == 7
            assert all((tmp_path / split / w.record["image"]).is_file() for w in written), meta_file


def test_vqa_turns_are_the_two_requests_of_the_paper_plan(tmp_path):
    item = _write(SOURCES["2D_Benchmark/meta_file/VQA_SQAimage.json"], tmp_path, n=1)[0]
    record = item.record
    letter = "ABCDE"[record["gt_choice"]]
    (q1, a1), (q2, a2) = item.turns
    assert q1 == record["query"] and a1 == f"The answer is ({letter}) {record['gt_choices'][record['gt_choice']]}."
    assert q2 == q1 + a1 + " ###\nANSWER:" and a2 == f"({letter})"
    assert record["query"].endswith("\n") and "\nOptions: (A) " in record["query"]


def test_lsp_turns_ask_each_joint_and_answer_its_normalized_position(tmp_path):
    from lamm_bench.demo.images import STICK_FIGURE_SIZE
    from lamm_bench.metrics.keypoints import LSP_JOINTS

    item = _write(SOURCES["2D_Benchmark/meta_file/Keypoints_Detection_LSP.json"], tmp_path, n=1)[0]
    w, h = STICK_FIGURE_SIZE
    assert [q for q, _ in item.turns] == [item.record["query"].replace("{}", j) for j in LSP_JOINTS]
    x, y, _ = item.record["gt_joints"][LSP_JOINTS.index("neck")]
    assert dict(item.turns)[item.record["query"].replace("{}", "neck")] == f"[{x / w:.2f}, {y / h:.2f}]"
