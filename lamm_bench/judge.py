"""The LAMM paper's GPT metric: an LLM judge ranks two models' stored answers, pairwise.

Reproduces ``OpenGVLab/LAMM@3085eef src/gpt_eval.py``: for a fixed number of samples per dataset (CIFAR10 150,
SVT 50, Flickr30k 200, CelebA hair/smile 50 each, UCMerced 50, VOC2012 50, AI2D 150, ScienceQA 250), the judge
sees the question, the ground truth and both answers (model A first), and must reply with a first line of two
ranks. A's score is the share of parsed verdicts that rank A first, in percent (paper: LAMM 89 vs LLaVA 11).
Each judged task declares its part (``TaskSpec.judge``: the sample count, how the system message names the task, the
ground truth as the judge is shown it); the answers are each model's ``<task>.predictions.jsonl`` rows.

Differences from the reference, on purpose: the subset is drawn with a seeded shuffle (the reference's
``random.shuffle`` is unseeded, so its subset changed every run); the user message is the query text itself (the
reference passes ``'\\n'.join(text)``, which puts a newline between every character); judge failures and
unparsable verdicts are counted and reported instead of silently dropped; the judge model is recorded.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamm_bench.batching import answer_batches, make_batches, new_stats, unanswered
from lamm_bench.data import load_samples
from lamm_bench.errors import UserError
from lamm_bench.files import atomic_write_text
from lamm_bench.identity import fingerprint
from lamm_bench.names import check_name
from lamm_bench.records import GenerationSettings, Request, Sample
from lamm_bench.results import judge_paths, result_paths
from lamm_bench.rows import read_prediction_rows
from lamm_bench.plan import request_identity
from lamm_bench.store import PredictionStore
from lamm_bench.task import TaskSpec

log = logging.getLogger(__name__)

GT_TEMPLATE = "\n[Question]\\n\n{}\\n\\n\n[Ground Truth answer]\\n\n{}\\n\\n\n"
ANSWER_TEMPLATE = "\n[The Start of Assistant {}'s Answer]\\n\n{}\\n\n[The End of Assistant {}'s Answer]\\n\n"
INSTRUCTIONS = (
    "\nWe would like to request your feedback on the performance of two AI assistants in response to the user "
    "question displayed above. \\n\nPlease provide a ranklist due to the helpfulness, relevance, accuracy, level of "
    "details of their responses. Each assistant receives a ranking. \\n\nPlease first output a single line "
    "containing only two values indicating the ranking for Assistant A, B respectively. The two ranking values are "
    "separated by a space. In the subsequent line, please provide a comprehensive explanation of your evaluation, "
    "avoiding any potential bias and ensuring that the order in which the responses were presented does not affect "
    "your judgment.\n"
)
SYSTEM = (
    "You are a helpful and precise assistant for checking the quality of the answer from two different multimodal "
    "large language models. They are performing {}. "
)


def judged_tasks() -> dict[str, TaskSpec]:
    """The registered tasks that declare how the GPT metric judges them (``TaskSpec.judge``), by name."""
    from lamm_bench import registry

    return {name: spec for name, spec in registry.tasks().items() if spec.judge is not None}


def judge_query(sample: Sample, reference: str, answer_a: Any, answer_b: Any) -> str:
    """The judge's user message for one sample (``reference``: its ground truth as the task shows it)."""
    text = GT_TEMPLATE.format(sample.query, reference)
    for name, answer in (("A", answer_a), ("B", answer_b)):
        text += ANSWER_TEMPLATE.format(name, answer, name)
    return text + INSTRUCTIONS


def parse_verdict(text: str) -> str | None:
    """``"A"`` if the first line ranks A first (``1 2``), ``"B"`` for ``2 1``, else None (unparsable)."""
    ranks = text.split("\n")[0].split()
    if ranks[:2] == ["1", "2"]:
        return "A"
    if ranks[:2] == ["2", "1"]:
        return "B"
    return None


def judged_subset(samples: Sequence[Sample], size: int, seed: int) -> list[Sample]:
    """The first ``size`` samples of a seeded shuffle (the same subset for every pair of models)."""
    order = list(range(len(samples)))
    random.Random(seed).shuffle(order)
    return [samples[i] for i in order[:size]]


def read_answers(out_dir: Path, model: str, task: str) -> dict[str, Any]:
    """A model's stored answers for a task, by sample id, from its ``results/<model>/<task>.predictions.jsonl``."""
    path = result_paths(out_dir, model, task)[1]
    if not path.is_file():
        raise UserError(f"no answers of model {model!r} for task {task!r}: {path} not found (run it first)")
    return {row.id: row.prediction for row in read_prediction_rows(path)}


@dataclass(frozen=True)
class JudgeSettings:
    """Which models, which judge, which data."""

    model_a: str
    model_b: str
    data_root: Path
    out_dir: Path
    tasks: tuple[str, ...] = ()
    """Which judged tasks (default: every task that declares ``TaskSpec.judge``, by name)."""
    seed: int = 0
    batch_size: int = 8
    max_new_tokens: int = 512

    def __post_init__(self) -> None:
        for model in (self.model_a, self.model_b):  # each names a folder under OUT/results, never one outside OUT
            check_name(model, "--models")


def judge_requests(settings: JudgeSettings, specs: Mapping[str, TaskSpec]) -> list[tuple[str, Request]]:
    """(task, request) for every judged sample that both models answered, in task and subset order."""
    items: list[tuple[str, Request]] = []
    generation = GenerationSettings(max_new_tokens=settings.max_new_tokens, stop=())
    for task, spec in specs.items():
        judge = spec.judge
        samples, _ = load_samples(spec, settings.data_root, check_media=False)
        answers = [read_answers(settings.out_dir, m, task) for m in (settings.model_a, settings.model_b)]
        for sample in judged_subset(samples, judge.samples, settings.seed):
            if sample.id in answers[0] and sample.id in answers[1]:
                text = judge_query(sample, judge.reference(sample), answers[0][sample.id], answers[1][sample.id])
                request = Request(sample_id=f"{task}:{sample.id}", kind="generate", text=text,
                                  system=SYSTEM.format(judge.description), generation=generation)  # fmt: skip
                items.append((task, request))
    return items


def judge_pairwise(judge: Any, settings: JudgeSettings) -> dict[str, Any]:
    """Run (or resume) the pairwise judgement and write ``OUT/judge/<A>_vs_<B>.json``; returns the report.

    The judge is asked through the runner's machinery (:mod:`lamm_bench.batching`): length-sorted batches, each
    batch's verdicts appended to the store as they come back, and on a rerun only the requests without a stored
    successful verdict to that very request are asked again.
    """
    judged = judged_tasks()
    unknown = [t for t in settings.tasks if t not in judged]
    if unknown:
        raise UserError(f"the GPT metric covers {', '.join(judged)}; not {', '.join(unknown)}")
    description = dict(judge.describe())
    items = judge_requests(settings, {t: judged[t] for t in settings.tasks or judged})
    paths = judge_paths(settings.out_dir, settings.model_a, settings.model_b, fingerprint(description)[:16], settings.seed)
    store = PredictionStore(paths[2])
    todo = unanswered([r for _, r in items], store.read(), request_identity)
    stats = new_stats(settings.batch_size)
    answer_batches(judge, make_batches(todo, settings.batch_size), store, stats, identity=request_identity,
                   prefetch=False, label="judge")  # fmt: skip
    log.info("judge: %d of %d verdicts asked in %.1f s", stats["new_requests"], len(items), stats["inference_seconds"])
    return _report(settings, items, store, description, paths[:2])


def _report(
    settings: JudgeSettings, items, store: PredictionStore, description: Mapping[str, Any], paths: tuple[Path, Path]
) -> dict[str, Any]:
    latest = store.latest()
    done = {k: v for k, v in latest.items() if v.error is None}
    per_task: dict[str, dict[str, int]] = {}
    rows = []
    for task, request in items:
        counts = per_task.setdefault(task, {"judged": 0, "a": 0, "b": 0, "unparsed": 0, "failed": 0})
        entry = done.get((request.sample_id, ""))
        verdict = parse_verdict(entry.text) if entry else None
        if entry is None:
            counts["failed"] += 1
        elif verdict is None:
            counts["unparsed"] += 1
        else:
            counts["judged"] += 1
            counts["a" if verdict == "A" else "b"] += 1
        last = latest.get((request.sample_id, ""))
        rows.append({"id": request.sample_id, "verdict": verdict, "judge_text": entry.text if entry else None,
                     "error": last.error if last else None})  # fmt: skip
    judged = sum(c["judged"] for c in per_task.values())
    wins_a = sum(c["a"] for c in per_task.values())
    report = {
        "models": [settings.model_a, settings.model_b],
        "judge": description,
        "seed": settings.seed,
        "score": {settings.model_a: 100 * wins_a / judged if judged else None,
                  settings.model_b: 100 * (judged - wins_a) / judged if judged else None},  # fmt: skip
        "judged": judged,
        "unparsed": sum(c["unparsed"] for c in per_task.values()),
        "failed": sum(c["failed"] for c in per_task.values()),
        "per_task": per_task,
    }
    report_path, rows_path = paths
    atomic_write_text(rows_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    atomic_write_text(report_path, json.dumps(report, indent=2) + "\n")
    return report
