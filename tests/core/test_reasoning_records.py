"""Reasoning blocks through the records: each answer of a multi-stage plan is stripped before a later stage's prompt
and the assembly see it (``plan.plan_sample``), a cut-off sample is scored unanswered, and the row's and the result
file's new fields read back (older files without them too), checked like every other field."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from lamm_bench import registry
from lamm_bench.errors import UserError
from lamm_bench.parsing.reasoning import DEFAULT_TAGS
from lamm_bench.plan import PreparedTask, plan_sample, request_identity
from lamm_bench.records import Sample
from lamm_bench.results import ReasoningCounts, TaskResult, load_results
from lamm_bench.rows import PredictionRow, RequestTrace, prediction_line, read_prediction_rows
from lamm_bench.scoring import score_predictions
from lamm_bench.store import StoredResponse

FIXTURES = Path(__file__).parent.parent / "fixtures/leaderboard/results"
SAMPLE = Sample("7", "VQA_SQAimage", "Which colour? Options: (A) red (B) blue", {"gt_choice": 1, "gt_choices": ["red", "blue"]},
                ("/data/x.png",))  # fmt: skip


def planned(first: str, second: str, reasoning=DEFAULT_TAGS):
    """scienceqa's two-step plan for one sample, with ``first`` and ``second`` stored as its two answers."""
    spec = registry.get_task("scienceqa")
    task = PreparedTask(spec, [SAMPLE], [SAMPLE], [])
    stored: dict = {}
    plan = plan_sample(task, SAMPLE, stored, 0, reasoning=reasoning)
    ((_, asked),) = plan.pending
    stored[(SAMPLE.id, asked.key)] = StoredResponse(SAMPLE.id, asked.key, first, request=request_identity(asked))
    plan = plan_sample(task, SAMPLE, stored, 0, start=plan, reasoning=reasoning)
    ((_, follow),) = plan.pending
    stored[(SAMPLE.id, follow.key)] = StoredResponse(SAMPLE.id, follow.key, second, request=request_identity(follow))
    return spec, follow, plan_sample(task, SAMPLE, stored, 0, start=plan, reasoning=reasoning)


def test_an_earlier_answer_reaches_the_next_prompt_and_the_prediction_stripped():
    spec, follow, plan = planned("<think>secret (A)</think> It is blue.", "<think>so (B)</think> (B)")
    assert "It is blue." in follow.text and "secret" not in follow.text and "<think>" not in follow.text
    assert plan.complete and not plan.cut_off and set(plan.stripped) == {"reasoning", "answer"}
    assert spec.assemble(SAMPLE, plan.answers) == spec.assemble(SAMPLE, {"reasoning": "It is blue.", "answer": "(B)"})
    _, raw_follow, raw_plan = planned("<think>secret (A)</think> It is blue.", "(B)", reasoning=None)
    assert "secret (A)</think>" in raw_follow.text and raw_plan.stripped == {}


def test_a_cut_off_first_answer_makes_the_sample_unanswered():
    spec, follow, plan = planned("<think>It is (B), surely", "(B)")
    assert plan.cut_off and plan.answers["reasoning"] == "" and "surely" not in follow.text
    outcome = score_predictions(spec, [SAMPLE], {SAMPLE.id: spec.assemble(SAMPLE, plan.answers)}, n_boot=5,
                                cut_off={SAMPLE.id})  # fmt: skip
    (row,) = outcome.per_sample
    assert (outcome.unparsed, row.unparsed, row.prediction, outcome.metrics["accuracy"]) == (1, True, "", 0.0)
    right = score_predictions(spec, [SAMPLE], {SAMPLE.id: spec.assemble(SAMPLE, plan.answers)}, n_boot=5)
    assert right.metrics["accuracy"] == 100.0  # the same answers, not cut off, are right: the flag made the zero


def test_a_request_trace_keeps_the_raw_answer_and_its_reasoning(tmp_path):
    traces = (RequestTrace("", "S", "Q?", raw="<think>why</think> yes", reasoning="why"),
              RequestTrace("b", "S", "Q2?", raw="<think>unfinished", reasoning="unfinished", cut_off=True),
              RequestTrace("c", "S", "Q3?"))  # fmt: skip
    path = tmp_path / "t.predictions.jsonl"
    path.write_text(prediction_line(PredictionRow("1", "yes", requests=traces, unparsed=True)))
    (row,) = read_prediction_rows(path)
    assert row.requests == traces and "raw" not in row.requests[2].to_json()
    assert row.requests[1].to_json()["cut_off"] is True and "cut_off" not in row.requests[0].to_json()
    path.write_text(json.dumps({"id": "1", "prediction": "x", "parsed": None, "scores": {}, "unparsed": False,
                                "failed": False, "requests": [{"key": "", "system": "", "text": "t", "raw": 3}]}))  # fmt: skip
    with pytest.raises(UserError, match=r"t.predictions.jsonl:1: requests\[0\]: field 'raw' should be string"):
        read_prediction_rows(path)


@pytest.fixture(scope="module")
def result() -> TaskResult:
    return load_results(FIXTURES)[0]


def test_the_result_counts_read_back_and_older_files_have_none(result):
    assert result.reasoning is None and "reasoning" not in result.to_json()
    counted = dataclasses.replace(result, reasoning=ReasoningCounts(2, 1, DEFAULT_TAGS))
    data = counted.to_json()
    assert data["reasoning"] == {"stripped": 2, "cut_off": 1, "tags": ["<think>", "</think>"]}
    assert TaskResult.from_json(json.loads(json.dumps(data))) == counted


@pytest.mark.parametrize(
    ("reasoning", "problem"),
    [([], "field 'reasoning' should be object, found list"),
     ({"stripped": 1, "tags": ["<a>", "</a>"]}, "missing field 'reasoning.cut_off'"),
     ({"stripped": -1, "cut_off": 0, "tags": ["<a>", "</a>"]}, "field 'reasoning.stripped' should be"),
     ({"stripped": 1, "cut_off": 0, "tags": ["<a>"]}, "field 'reasoning.tags' should be [open, close]")],
)  # fmt: skip
def test_a_malformed_count_is_one_line(result, reasoning, problem):
    with pytest.raises(UserError, match=f"^r.json: {problem}".replace("[", r"\[")):
        TaskResult.from_json({**result.to_json(), "reasoning": reasoning}, "r.json")
