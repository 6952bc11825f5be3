"""``chef-langperf`` against the fake OpenAI-compatible server on loopback: ChEF's answer file and a model's
``chef-scienceqa`` run judged, failed and unparsable verdicts counted, a rerun asking only what failed.

The fake ``grader`` answers ``[Overall Score] <seed + 4>`` to the completions of seeds 0-4 (4, 5, 6, 7, 8: an item's
mean 6.0), a verdict without a score to seed 5, and a 500 to the first attempt at seed 0.
"""

import json
import sys
from pathlib import Path

import pytest

import lamm_bench
from lamm_bench import registry
from lamm_bench.data import load_samples
from lamm_bench.errors import UserError
from lamm_bench.langperf import (
    LangperfSettings,
    answers_from_rows,
    judge_langperf,
    judge_text,
)
from lamm_bench.rows import read_prediction_rows

sys.path.insert(0, str(Path(__file__).parent))
from test_openai import KEY, server, stats  # noqa: F401 -- the fixture starting the fake server

sys.path.insert(0, str(Path(__file__).parent.parent))
from cli_helpers import run_cli

RECORDS = [{"id": f"q{i}", "image": f"sqaimage_images/{i}.png", "gt_choice": i % 2, "gt_choices": ["x", "y"],
            "query": f"Question {i}?\nContext: ignore me\nOptions: (A) x (B) y"} for i in range(3)]  # fmt: skip
CHEF_ANSWERS = [{"id": i, "answer": "(B", "CoT_answer": f"Step {i}. So (B", "ppl_results": [0.5, 0.2]} for i in range(3)]


def _root(tmp_path: Path) -> Path:
    meta = tmp_path / "data/2D_Benchmark/meta_file/VQA_SQAimage.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps(RECORDS))
    return tmp_path / "data"


def _judge(server_url: str, **args: str):
    card = registry.resolve_model("openai")
    judge = registry.build_adapter(card, {"base_url": server_url, "model": "grader", "backoff": "0", **args})
    judge.load()
    return judge


def test_failed_verdicts_are_counted_and_a_rerun_asks_only_them(server, tmp_path):  # noqa: F811
    answers = tmp_path / "LAMM_ScienceQA.json"
    answers.write_text(json.dumps(CHEF_ANSWERS))
    settings = LangperfSettings("lamm", _root(tmp_path), tmp_path / "out", answers)
    source = registry.get_task("chef-scienceqa")
    first = judge_langperf(_judge(server, max_retries="0"), settings, source)
    assert {k: first[k] for k in ("items", "scored_items", "missing", "verdicts", "unparsed", "failed")} == {
        "items": 3, "scored_items": 3, "missing": 0, "verdicts": 12, "unparsed": 3, "failed": 3}
    assert first["Avg Score"] == pytest.approx(6.5) and first["score"] == pytest.approx(65.0)  # (5+6+7+8)/4
    asked = stats(server)["graded"]
    assert asked == 18
    second = judge_langperf(_judge(server, max_retries="0"), settings, source)
    assert stats(server)["graded"] == asked + 3  # the three failed seed-0 verdicts, nothing else
    assert (second["verdicts"], second["unparsed"], second["failed"]) == (15, 3, 0)
    assert second["Avg Score"] == pytest.approx(6.0) and second["score"] == pytest.approx(60.0)
    report = json.loads((tmp_path / "out/judge/lamm_chef-langperf.json").read_text())
    assert report["judge"]["model"] == "grader" and report["settings"]["completions"] == 6
    assert report["settings"]["max_tokens"] == 512 and report["answers"] == str(answers)
    rows = [json.loads(line) for line in (tmp_path / "out/judge/lamm_chef-langperf.jsonl").read_text().splitlines()]
    assert [r["scores"] for r in rows] == [[4.0, 5.0, 6.0, 7.0, 8.0]] * 3
    assert rows[1]["query"].startswith("\n[Question]\nQuestion: Question 1?\nOptions: (A) x (B) y\n\n\n[Ground Truth]\n(B) ")
    assert "[Assistant's Chain of Thought]\nStep 1.\n" in rows[1]["query"]
    bodies = [b for b in stats(server)["bodies"] if b["model"] == "grader"]
    assert {b["max_tokens"] for b in bodies} == {512} and {b["seed"] for b in bodies} == set(range(6))
    assert {b["messages"][0]["content"][:40] for b in bodies} == {"\nPlease act as an impartial judge and co"}


def test_chef_answer_file_must_match_the_meta_file(tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(CHEF_ANSWERS[:2]))
    settings = LangperfSettings("lamm", _root(tmp_path), tmp_path / "out", answers)
    with pytest.raises(UserError, match="2 answers for the 3 items"):
        judge_langperf(None, settings, registry.get_task("chef-scienceqa"))


def test_langperf_through_the_cli_on_a_chef_scienceqa_run(server, mini_root, tmp_path):  # noqa: F811
    lamm_bench.evaluate("dummy", ["chef-scienceqa"], data_root=mini_root, out_dir=tmp_path)
    proc = run_cli("judge", "--models", "dummy", "--task", "chef-langperf", "--judge", "openai",
                   "--judge-arg", f"base_url={server}", "--judge-arg", "model=grader", "--judge-arg", "backoff=0",
                   "--data-root", str(mini_root), "--out", str(tmp_path), env={"OPENAI_API_KEY": KEY})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary == {"task": "chef-langperf", "model": "dummy", "score": 60.0, "Avg Score": 6.0, "items": 6,
                       "scored_items": 6, "missing": 0, "verdicts": 30, "unparsed": 6, "failed": 0}  # fmt: skip
    samples, _ = load_samples(registry.get_task("chef-scienceqa"), mini_root, check_media=False)
    answers = answers_from_rows(read_prediction_rows(tmp_path / "results/dummy/chef-scienceqa.predictions.jsonl"))
    rows = [json.loads(line) for line in (tmp_path / "judge/dummy_chef-langperf.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [s.id for s in samples]  # fewer than 250 items: every one, in order
    assert [r["query"] for r in rows] == [judge_text(s.query, s.target["gt_choice"], answers[s.id]) for s in samples]
    assert all(answers[s.id].cot for s in samples)  # the dummy's CoT reached the judge
    refused = run_cli("judge", "--models", "a,b", "--task", "chef-langperf", "--judge", "dummy",
                      "--data-root", str(mini_root), "--out", str(tmp_path))  # fmt: skip
    assert refused.returncode == 2 and "chef-langperf judges one model alone" in refused.stderr
