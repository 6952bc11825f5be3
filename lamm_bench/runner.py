"""The runner: tasks x model -> batched inference with a resumable store -> scores -> result files.

It owns batching (length-sorted), the per-batch flushed store and resume, sharding across ``torchrun`` ranks,
progress, seeding and timing. Everything is validated (tasks, data, model capabilities) before any weight is
loaded, so a typo costs a second, not a model load.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lamm_bench import distributed, registry
from lamm_bench.adapter import CHOICE, GENERATE, IMAGE, POINT_CLOUD, Adapter
from lamm_bench.batching import answer_batches, make_batches, new_stats
from lamm_bench.data import dataset_identity, load_samples, select
from lamm_bench.datacheck import check_sample_media
from lamm_bench.errors import UserError
from lamm_bench.identity import fingerprint, task_fingerprint
from lamm_bench.parsing.reasoning import DEFAULT_TAGS
from lamm_bench.plan import PreparedTask, SamplePlan, build_stage, plan_sample, request_identity
from lamm_bench.records import ChoiceScoring, Request, Sample
from lamm_bench.resources import check_resources
from lamm_bench.rows import PredictionRow, RequestTrace
from lamm_bench.results import (ModelInfo, ReasoningCounts, TaskResult, Throughput, build_result, group_place,
                                write_result)
from lamm_bench.scoring import score_predictions
from lamm_bench.store import PredictionStore, StoredResponse
from lamm_bench.task import TaskSpec

log = logging.getLogger(__name__)

ProgressHook = Callable[[str, int, int], None]
"""Called as (description, requests done, requests total) after every batch."""


@dataclass(frozen=True)
class RunSettings:
    """How to run: where data and outputs live, batching, seed."""

    data_root: Path
    out_dir: Path = Path("leaderboard")
    limit: int | None = None
    task_limits: tuple[tuple[str, int], ...] = ()
    """(task or group name, N): the first N samples of those tasks instead of ``limit`` (:func:`limit_of`)."""
    batch_size: int | Literal["auto"] = 8
    """Requests per adapter call; ``auto`` starts at ``batching.AUTO_BATCH_START`` and halves on out-of-memory."""
    seed: int = 0
    write: bool = True
    prefetch: bool = True
    """For an adapter that asks for decoded media: decode the next batch's images and point clouds in a background
    thread while the model works (off: decode each batch just before its call). Others get paths either way."""
    decoding: str = "greedy"
    """``greedy`` (deterministic, the default) or ``paper``: the paper-era LAMM inference's sampling (``top_p`` 0.9,
    temperature 1.0), seeded per request."""
    choice_scoring: ChoiceScoring = "shared"
    """How choice requests are scored: ``shared`` (every option from one encoding of the image and the prompt) or
    ``naive`` (one whole sequence per option, for checking); stamped on every choice request."""
    reasoning_tags: tuple[str, str] | None = DEFAULT_TAGS
    """(open, close) of the reasoning block taken out of every generate answer before it is parsed or fed to a
    later stage (``lamm_bench.plan.plan_sample``); None (``--no-strip-reasoning``): answers are parsed as given.
    Not part of the store's key: the store keeps raw answers, so runs that strip differently share them."""
    progress: ProgressHook | None = field(default=None, compare=False)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (if already imported) torch."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def _first_requests(task: PreparedTask) -> list[Request]:
    if not task.all_samples:
        return []
    return build_stage(task.spec, 0, task.all_samples[0], {}, 0, task.options)


def missing_capabilities(adapter: Adapter, task: PreparedTask) -> set[str]:
    """What ``task`` needs that the adapter does not declare (``capabilities``): the modality and the request kinds
    of its first requests."""
    first = _first_requests(task)
    needs = {IMAGE if task.spec.modality == "2d" else POINT_CLOUD}
    needs |= {GENERATE if r.kind == "generate" else CHOICE for r in first}
    return needs - set(adapter.capabilities)


def check_capabilities(model_name: str, adapter: Adapter, tasks: Sequence[PreparedTask]) -> None:
    """Refuse, before loading weights, a task the adapter cannot take (e.g. point clouds, free text for CLIP):
    its ``capabilities``, then its ``refuse(request)`` for finer rules, asked about the first request of each
    task."""
    for task in tasks:
        missing = missing_capabilities(adapter, task)
        if missing:
            raise UserError(
                f"model {model_name!r} cannot run task {task.spec.name!r}: it does not support "
                f"{', '.join(sorted(missing))} (it supports {', '.join(sorted(adapter.capabilities))})"
            )
        reasons = [reason for r in _first_requests(task) if (reason := adapter.refuse(r))]
        if reasons:
            raise UserError(f"model {model_name!r} cannot run task {task.spec.name!r}: {reasons[0]}")


def prepare_tasks(task_names: Sequence[str], settings: RunSettings) -> list[PreparedTask]:
    """Resolve names and load/validate every task's data (this rank's shard), with every media file of the selected
    samples (:func:`lamm_bench.datacheck.check_sample_media`: a corrupt one stops the run whatever the adapter)."""
    rank, world = distributed.rank_and_world()
    prepared = []
    specs = registry.resolve_tasks(task_names)
    _check_task_limits(settings, [spec.name for spec in specs])
    check_resources(specs)
    dataset_identity(settings.data_root)  # a malformed identity file is a user error now, not after inference
    checked: set[str] = set()
    for spec in specs:
        samples, metas = load_samples(spec, settings.data_root, seed=settings.seed)
        chosen = select(samples, limit_of(settings, spec.name), spec.answer_runs)
        check_sample_media(spec.name, chosen, checked)
        options = spec.label_options(samples)
        shards = shard_by_work(spec, chosen, world, settings.seed, options)
        prepared.append(PreparedTask(spec, shards[rank], chosen, metas, options))
    return prepared


def limit_of(settings: RunSettings, task: str) -> int | None:
    """The sample limit of ``task``: the last ``task_limits`` entry naming it or a group holding it, else ``limit``."""
    found = settings.limit
    for name, n in settings.task_limits:
        if task in registry.expand_group(name):
            found = n
    return found


def _check_task_limits(settings: RunSettings, tasks: Sequence[str]) -> None:
    for name, _ in settings.task_limits:
        if not set(registry.expand_group(name)) & set(tasks):
            raise UserError(f"--limit {name}=N: {name!r} is not one of the run's tasks or groups")


def expected_work(spec: TaskSpec, sample: Sample, seed: int, options: tuple[str, ...] = ()) -> int:
    """What a sample costs to answer, in the units the model spends: for each first-stage request its token budget
    (``max_new_tokens``; options scored for a choice request), times the number of stages."""
    first = build_stage(spec, 0, sample, {}, seed, options)
    per_stage = sum(r.generation.max_new_tokens if r.kind == "generate" else len(r.options) for r in first)
    return max(1, per_stage) * len(spec.stages)


def shard_by_work(
    spec: TaskSpec, samples: Sequence[Sample], world: int, seed: int = 0, options: tuple[str, ...] = ()
) -> list[list[Sample]]:
    """Split samples over ranks so each gets about the same expected work (longest first, each to the least loaded
    rank; ties to the lower rank). Every rank computes the same split; each shard keeps the data order."""
    if world <= 1:
        return [list(samples)]
    work = [expected_work(spec, s, seed, options) for s in samples]
    loads, owner = [0] * world, [0] * len(samples)
    for index in sorted(range(len(samples)), key=lambda i: (-work[i], i)):
        rank = min(range(world), key=lambda r: (loads[r], r))
        owner[index] = rank
        loads[rank] += work[index]
    return [[s for s, o in zip(samples, owner) if o == rank] for rank in range(world)]


def _store_key(settings: RunSettings, model_fp: str, task: PreparedTask) -> str:
    return fingerprint([model_fp, task_fingerprint(task.spec, task.metas), settings.seed, settings.decoding])[:16]


def store_for(settings: RunSettings, model_name: str, model_fp: str, task: PreparedTask, rank: int) -> PredictionStore:
    """This rank's store for the task (each rank appends to its own file)."""
    key = _store_key(settings, model_fp, task)
    return PredictionStore(settings.out_dir / "store" / model_name / task.spec.name / f"{key}.rank{rank}.jsonl")


def read_all_ranks(settings: RunSettings, model_name: str, model_fp: str, task: PreparedTask) -> dict:
    """Every stored answer for the task, whichever rank (of this run or an earlier one, with any world size) wrote
    it: a rerun resumes every rank's work even with a different number of ranks."""
    key = _store_key(settings, model_fp, task)
    done: dict[tuple[str, str], StoredResponse] = {}
    for path in sorted((settings.out_dir / "store" / model_name / task.spec.name).glob(f"{key}.rank*.jsonl")):
        done.update(PredictionStore(path).read())
    return done


def run_inference(
    adapter: Adapter, task: PreparedTask, store: PredictionStore, settings: RunSettings,
    read: Callable[[], Mapping[tuple[str, str], StoredResponse]] | None = None,
) -> tuple[dict[str, Any], dict[str, SamplePlan]]:  # fmt: skip
    """Answer every request of every stage that is not stored yet (``read``: every stored answer, default this
    store's), appending to ``store``; returns timing counts and this rank's sample plans (by sample id), each
    built once and continued stage by stage as the answers come in."""
    read = read or store.read
    stats = new_stats(settings.batch_size)
    stored = read()
    asking = {"choice_scoring": settings.choice_scoring, "reasoning": settings.reasoning_tags}
    plans = {s.id: plan_sample(task, s, stored, settings.seed, settings.decoding, **asking) for s in task.samples}
    for index in range(len(task.spec.stages)):
        requests = [request for plan in plans.values() for stage, request in plan.pending if stage == index]
        if not requests:
            continue
        label = f"{task.spec.name} [{index + 1}/{len(task.spec.stages)}]"
        _answer_batches(adapter, make_batches(requests, stats["batch_size"]), store, stats, settings, label)
        stored = read()
        plans = {i: plan_sample(task, p.sample, stored, settings.seed, settings.decoding, start=p, **asking)
                 for i, p in plans.items()}  # fmt: skip
    return stats, plans


def _answer_batches(adapter: Adapter, batches, store: PredictionStore, stats: dict, settings: RunSettings, label: str) -> None:
    """:func:`lamm_bench.batching.answer_batches` with the run's settings (batch size, prefetch, progress)."""
    answer_batches(adapter, batches, store, stats, identity=request_identity, auto=settings.batch_size == "auto",
                   prefetch=settings.prefetch, progress=settings.progress, label=label)  # fmt: skip


def collect_predictions(task: PreparedTask, done: Mapping[tuple[str, str], StoredResponse], seed: int,
                        decoding: str = "greedy", asked: dict[str, list[Request]] | None = None,
                        plans: Mapping[str, SamplePlan] | None = None, choice_scoring: ChoiceScoring = "shared",
                        reasoning: tuple[str, str] | None = None,
                        stripped: dict[str, SamplePlan] | None = None):  # fmt: skip
    """Assemble each sample's prediction from its stored responses (reasoning blocks stripped with the ``reasoning``
    tags); a sample missing any response is failed. ``plans``: samples already planned in this run (continued, not
    rebuilt); ``asked``, when given, receives each sample's requests (by sample id); ``stripped`` the plan of each
    sample with an answer a reasoning block was taken out of (``SamplePlan.stripped``)."""
    predictions: dict[str, Any] = {}
    failed: set[str] = set()
    plans = plans or {}
    for sample in task.all_samples:
        plan = plan_sample(task, sample, done, seed, decoding, start=plans.get(sample.id), choice_scoring=choice_scoring,
                           reasoning=reasoning)  # fmt: skip
        if asked is not None:
            asked[sample.id] = list(plan.requests)
        if stripped is not None and plan.stripped:
            stripped[sample.id] = plan
        if plan.complete:
            predictions[sample.id] = task.spec.prediction(sample, plan.answers, _option_scores(task.spec, plan, done))
        else:
            failed.add(sample.id)
    return predictions, failed


def reasoning_counts(tags: tuple[str, str] | None, plans: Iterable[SamplePlan]) -> ReasoningCounts | None:
    """How many answers had a reasoning block taken out, and how many were cut off inside one (None when the run
    does not strip)."""
    if tags is None:
        return None
    taken = [s for plan in plans for s in plan.stripped.values()]
    return ReasoningCounts(stripped=sum(not s.cut_off for s in taken), cut_off=sum(s.cut_off for s in taken), tags=tags)


def _option_scores(spec: TaskSpec, plan: SamplePlan, done: Mapping[tuple[str, str], StoredResponse]):
    """The option scores of a complete plan's choice requests, by key, for a task that assembles from them (None for
    the others, and when an answer came without scores)."""
    if spec.assemble_scored is None:
        return None
    scores = {r.key: done[(plan.sample.id, r.key)].option_scores for r in plan.requests if r.kind == "choice"}
    return None if any(v is None for v in scores.values()) else {k: tuple(v) for k, v in scores.items()}


def trace_rows(task: PreparedTask, rows: Sequence[PredictionRow], asked: Mapping[str, Sequence[Request]],
               data_root: Path, stored: Mapping[tuple[str, str], StoredResponse] | None = None,
               stripped: Mapping[str, SamplePlan] | None = None) -> list[PredictionRow]:  # fmt: skip
    """The per-sample rows with what a reader needs to trace a score to its text: the exact requests (system
    message, user text; options of a choice request and, from ``stored``, the scores the adapter gave them; the raw
    answer and its reasoning where a block was stripped, from ``stripped``), the media relative to the data root,
    the ground truth, the primary metric's (numerator, denominator) terms where the task has them (for paired
    comparisons) and what the prediction browser draws, where the task declares it."""
    by_id = {s.id: s for s in task.all_samples}
    root = Path(data_root)
    out = []
    for row in rows:
        sample = by_id[row.id]
        requests = tuple(_trace(r, (stored or {}).get((sample.id, r.key)), task.spec.correct_option, sample)
                         for r in asked.get(sample.id, ()))  # fmt: skip
        if stripped and sample.id in stripped:
            requests = _with_reasoning(requests, stripped[sample.id], stored or {})
        media = [*sample.images, *([sample.point_cloud] if sample.point_cloud else [])]
        terms = task.spec.primary_terms(row.scores) if task.spec.primary_terms is not None else None
        out.append(dataclasses.replace(
            row, requests=requests, media=tuple(_relative(m, root) for m in media), target=dict(sample.target),
            terms=(float(terms[0]), float(terms[1])) if terms is not None else None,
            overlay=task.spec.overlay(sample, row.parsed) if task.spec.overlay is not None else None,
        ))  # fmt: skip
    return out


def _trace(request: Request, answer: StoredResponse | None, correct_option, sample: Sample) -> RequestTrace:
    """What the row records of a request: its text, a choice request's options, the scores its answer gave them
    (when that answer is to this very request) and which option is right, where the task says."""
    if request.kind != "choice":
        return RequestTrace(request.key, request.system, request.text, request.assistant_prefix)
    mine = answer is not None and answer.request == request_identity(request) and answer.option_scores is not None
    scores = tuple(answer.option_scores) if mine else None
    correct = correct_option(sample, request) if correct_option is not None else None
    return RequestTrace(request.key, request.system, request.text, request.assistant_prefix, request.options, scores,
                        request.option_template, correct)  # fmt: skip


def _with_reasoning(requests: tuple[RequestTrace, ...], plan: SamplePlan,
                    stored: Mapping[tuple[str, str], StoredResponse]) -> tuple[RequestTrace, ...]:
    """The traces with, for each answer a reasoning block was taken out of, the raw answer and the reasoning."""
    out = []
    for trace in requests:
        taken = plan.stripped.get(trace.key)
        answer = stored.get((plan.sample.id, trace.key))
        if taken is not None and answer is not None:
            trace = dataclasses.replace(trace, raw=answer.text, reasoning=taken.reasoning, cut_off=taken.cut_off)
        out.append(trace)
    return tuple(out)


def _relative(path: str, root: Path) -> str:
    """``path`` relative to the data root as the meta file names it: symlinks are not followed (never absolute)."""
    absolute = Path(os.path.abspath(path))
    for base in (Path(os.path.abspath(root)), root.resolve()):
        if absolute.is_relative_to(base):
            return absolute.relative_to(base).as_posix()
    return Path(path).name  # never met: every sample's media path is under its data root (lamm_bench.data)


def evaluate_task(
    adapter: Adapter, model_info: ModelInfo | Mapping[str, Any], task: PreparedTask, settings: RunSettings
) -> TaskResult | None:
    """Run (or resume) one task and, on rank 0, score it and write its result (other ranks return None)."""
    rank, world = distributed.rank_and_world()
    if not isinstance(model_info, ModelInfo):
        model_info = ModelInfo.from_json(model_info)
    model_name, model_fp = model_info.name, model_info.fingerprint
    store = store_for(settings, model_name, model_fp, task, rank)
    stats, plans = run_inference(adapter, task, store, settings,
                                 lambda: read_all_ranks(settings, model_name, model_fp, task))  # fmt: skip
    distributed.barrier()
    if rank != 0:
        return None  # rank 0 reads every rank's store, scores and writes
    done = read_all_ranks(settings, model_name, model_fp, task)
    asked: dict[str, list[Request]] = {}
    stripped: dict[str, SamplePlan] = {}
    predictions, failed = collect_predictions(task, done, settings.seed, settings.decoding, asked, plans,
                                              choice_scoring=settings.choice_scoring,
                                              reasoning=settings.reasoning_tags, stripped=stripped)  # fmt: skip
    if failed:
        log.warning("%s: %d of %d samples have no answer (adapter failures); scored as empty answers",
                    task.spec.name, len(failed), len(task.all_samples))
    cut_off = {i for i, plan in stripped.items() if plan.cut_off and i not in failed}
    outcome = score_predictions(task.spec, task.all_samples, predictions, failed=failed, seed=settings.seed,
                                cut_off=cut_off)  # fmt: skip
    seconds = stats["inference_seconds"]
    throughput = Throughput.from_json({
        **stats,
        "requests_per_second": stats["new_requests"] / seconds if seconds else None,
        "tokens_per_second": stats["new_tokens"] / seconds if seconds and stats["new_tokens"] else None,
        "world_size": world,
        "batch_size_setting": settings.batch_size,
    })  # fmt: skip
    result = build_result(
        model=model_info, task=task.spec, metas=task.metas, data_root=settings.data_root,
        n_samples=len(task.all_samples), outcome=outcome, seed=settings.seed, throughput=throughput,
        limit=limit_of(settings, task.spec.name), decoding=settings.decoding, group=group_place(task.spec.name, registry.groups()),
        choice_scoring=settings.choice_scoring if any(r.kind == "choice" for rs in asked.values() for r in rs) else None,
        reasoning=reasoning_counts(settings.reasoning_tags, stripped.values()),
        generates=any(r.kind == "generate" for rs in asked.values() for r in rs),
    )  # fmt: skip
    if settings.write:
        rows = trace_rows(task, outcome.per_sample, asked, settings.data_root, done, stripped)
        write_result(settings.out_dir, result, rows)
    return result
