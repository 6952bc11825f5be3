"""The GPT metric: prompt assembly, verdict parsing, fixed subsets, failure accounting, resume."""

import json

import pytest

import lamm_bench
from lamm_bench import registry
from lamm_bench.adapter import Adapter
from lamm_bench.errors import UserError
from lamm_bench.judge import JudgeSettings, judge_pairwise, judge_query, judged_subset, judged_tasks, parse_verdict
from lamm_bench.records import Response, Sample


@pytest.mark.parametrize(
    ("text", "verdict"),
    [("1 2\nA is better", "A"), ("2 1", "B"), ("1 1\n", None), ("Assistant A: 1", None), ("", None), ("1 2 3", "A")],
)
def test_parse_verdict(text, verdict):
    assert parse_verdict(text) == verdict


def test_judge_query_layout_matches_the_reference_templates():
    sample = Sample(id="3", source="VQA_SQAimage", query="Q?", target={"gt_choice": 1, "gt_choices": ["x", "y"]})
    text = judge_query(sample, registry.get_task("scienceqa").judge.reference(sample), "ans a", "ans b")
    assert text.startswith("\n[Question]\\n\nQ?\\n\\n\n[Ground Truth answer]\\n\n(B) y\\n\\n\n")
    assert "\n[The Start of Assistant A's Answer]\\n\nans a\\n\n[The End of Assistant A's Answer]\\n\n" in text
    assert text.index("Assistant A's") < text.index("Assistant B's")
    assert text.endswith("does not affect your judgment.\n")


def test_subset_is_fixed_by_seed():
    samples = [Sample(id=str(i), source="s", query="q", target={}) for i in range(40)]
    first = [s.id for s in judged_subset(samples, 10, seed=0)]
    assert first == [s.id for s in judged_subset(samples, 10, seed=0)]
    assert first != [s.id for s in judged_subset(samples, 10, seed=1)]
    assert len(judged_subset(samples, 100, seed=0)) == 40


class ScriptedJudge(Adapter):
    """A judge that prefers A on even ids, babbles on ids ending in 1, fails on ids ending in 3."""

    capabilities = frozenset({"generate"})

    def __init__(self):
        self.calls = 0

    def load(self):
        pass

    def describe(self):
        return {"adapter": "scripted", "model": "judge-0"}

    def generate(self, requests, media=None):
        self.calls += len(requests)
        out = []
        for r in requests:
            n = int(r.sample_id.rsplit(":", 1)[1].lstrip("sqa") or 0)
            if n % 10 == 3:
                out.append(Response(text="", error="HTTP 500"))
            elif n % 10 == 1:
                out.append(Response(text="I cannot rank these."))
            else:
                out.append(Response(text="1 2\nA wins" if n % 2 == 0 else "2 1\nB wins"))
        return out


def test_pairwise_scores_counts_and_resume(mini_root, tmp_path):
    for name, seed in (("model-a", "0"), ("model-b", "1")):
        lamm_bench.evaluate("dummy", ["cifar10", "scienceqa"], data_root=mini_root, out_dir=tmp_path,
                            model_args={"seed": seed}, name=name)  # fmt: skip
    settings = JudgeSettings("model-a", "model-b", mini_root, tmp_path, tasks=("cifar10", "scienceqa"))
    judge = ScriptedJudge()
    report = judge_pairwise(judge, settings)
    # 6 samples per task, ids 0-5: 0,2,4 -> A; 5 -> B; 1 -> unparsed; 3 -> failed
    assert report["per_task"]["cifar10"] == {"judged": 4, "a": 3, "b": 1, "unparsed": 1, "failed": 1}
    assert report["judged"] == 8 and report["unparsed"] == 2 and report["failed"] == 2
    assert report["score"] == {"model-a": 75.0, "model-b": 25.0}
    assert report["judge"] == {"adapter": "scripted", "model": "judge-0"}
    assert judge.calls == 12
    saved = json.loads((tmp_path / "judge/model-a_vs_model-b.json").read_text())
    assert saved["score"] == report["score"]
    rows = [json.loads(line) for line in (tmp_path / "judge/model-a_vs_model-b.jsonl").read_text().splitlines()]
    assert len(rows) == 12 and sum(r["error"] == "HTTP 500" for r in rows) == 2
    # resume: only the failed requests are asked again
    judge_pairwise(judge, settings)
    assert judge.calls == 14


def test_resume_reuses_a_verdict_only_for_the_very_same_request(mini_root, tmp_path):
    # the judge resumes as the runner does: a stored verdict counts only for the request it answered (same text)
    for name, seed in (("model-a", "0"), ("model-b", "1")):
        lamm_bench.evaluate("dummy", ["cifar10"], data_root=mini_root, out_dir=tmp_path, model_args={"seed": seed},
                            name=name)  # fmt: skip
    settings = JudgeSettings("model-a", "model-b", mini_root, tmp_path, tasks=("cifar10",), batch_size=4)
    judge = ScriptedJudge()
    judge_pairwise(judge, settings)
    assert judge.calls == 6
    answers = tmp_path / "results/model-b/cifar10.predictions.jsonl"
    rows = [json.loads(line) for line in answers.read_text().splitlines()]
    rows[0]["prediction"] = "a different answer"
    answers.write_text("".join(json.dumps(r) + "\n" for r in rows))
    judge_pairwise(judge, settings)
    assert judge.calls == 6 + 1 + 1  # the changed sample, and the failed one (id 3) asked again


GPT_EVAL = {"cifar10": (150, "image classification"), "svt": (50, "optical character organization\\(OCR\\)"),
            "flickr30k": (200, "image caption"), "celeba-hair": (50, "facial classification"),
            "celeba-smile": (50, "facial classification"), "ucmerced": (50, " fine-grained classification"),
            "voc2012": (50, "object detection"), "ai2d": (150, "vision question answering\\(VQA\\)"),
            "scienceqa": (250, "vision question answering\\(VQA\\)")}  # fmt: skip
"""``gpt_eval.py``'s datasets: samples judged and the task named in the system message (``OpenGVLab/LAMM@3085eef``)."""


def test_the_judged_tasks_declare_the_references_sampling():
    assert {name: (s.judge.samples, s.judge.description) for name, s in judged_tasks().items()} == GPT_EVAL


@pytest.mark.parametrize(
    ("task", "target", "shown"),
    [("cifar10", {"label": "cat"}, "cat"), ("ucmerced", {"label": "beach"}, "beach"),
     ("svt", {"word_list": ["Hotel", "PIZZA"]}, "['hotel', 'pizza']"),
     ("flickr30k", {"sentences": ["A dog.", "A cat."]}, "['A dog.', 'A cat.']"),
     ("celeba-smile", {"attr": "1"}, "Yes"), ("celeba-smile", {"attr": "-1"}, "No"),
     ("celeba-hair", {"attr": "black"}, "black"),
     ("voc2012", {"object": [{"label": "dog", "bbox": [0, 0, 1, 1]}]}, "[{'label': 'dog', 'bbox': [0, 0, 1, 1]}]"),
     ("ai2d", {"gt_choice": 0, "gt_choices": ["x", "y"]}, "(A) x"),
     ("scienceqa", {"gt_choice": 2, "gt_choices": ["x", "y", "z"]}, "(C) z")],
)  # fmt: skip
def test_each_task_shows_the_judge_its_ground_truth_as_the_reference_does(task, target, shown):
    sample = Sample(id="0", source="s", query="q", target=target)
    assert registry.get_task(task).judge.reference(sample) == shown


def test_a_task_the_gpt_metric_does_not_cover_is_refused(mini_root, tmp_path):
    settings = JudgeSettings("model-a", "model-b", mini_root, tmp_path, tasks=("cifar10-chef",))
    with pytest.raises(UserError, match="the GPT metric covers ai2d, .*; not cifar10-chef"):
        judge_pairwise(ScriptedJudge(), settings)
