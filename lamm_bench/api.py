"""``lamm_bench.evaluate``: one call from Python for what ``lamm-bench run`` does."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lamm_bench import registry
from lamm_bench.adapter import Adapter, as_adapter
from lamm_bench.checks import check_int_range, check_output_folder, check_seed, recorded_args
from lamm_bench.data import resolve_data_root
from lamm_bench.errors import UserError
from lamm_bench.identity import fingerprint
from lamm_bench.names import check_name
from lamm_bench.parsing.reasoning import DEFAULT_TAGS, parse_tags
from lamm_bench.plan import PreparedTask
from lamm_bench.results import ModelInfo, TaskResult
from lamm_bench.runner import (
    ProgressHook, RunSettings, check_capabilities, evaluate_task, missing_capabilities, prepare_tasks, seed_everything,
)  # fmt: skip

logger = logging.getLogger(__name__)


def evaluate(
    model: str | Adapter,
    tasks: str | Sequence[str],
    *,
    data_root: str | os.PathLike | None = None,
    out_dir: str | os.PathLike = "leaderboard",
    limit: int | None = None,
    task_limits: Mapping[str, int] | None = None,
    batch_size: int | str = 8,
    seed: int = 0,
    model_args: Mapping[str, str] | None = None,
    name: str | None = None,
    write: bool = True,
    progress: ProgressHook | None = None,
    decoding: str = "greedy",
    prefetch: bool = True,
    choice_scoring: str = "shared",
    strip_reasoning: bool = True,
    reasoning_tags: str | Sequence[str] = DEFAULT_TAGS,
) -> list[TaskResult]:
    """Evaluate a model on tasks; returns one ``TaskResult`` per task (``to_json()`` is the result file's content;
    ``result["metrics"]`` reads that JSON view).

    Under ``torchrun`` only rank 0 scores and writes; the other ranks return an empty list.

    Args:
        model: a model card or adapter name (``"lamm-7b"``, ``"dummy"``), or an adapter instance.
        tasks: task or group names (``"scienceqa"``, ``["lamm2d"]``).
        data_root: the LAMM_Dataset folder (default ``$LAMM_BENCH_DATA``).
        out_dir: where ``results/`` and the resumable ``store/`` go.
        limit: evaluate only the first N samples of each task (of each run, in a task of several runs).
        task_limits: task or group name -> N, for those tasks instead of ``limit`` (``--limit chef-desiderata=5``).
        batch_size: requests per adapter call, or ``"auto"``: start at 64 and halve on GPU out-of-memory (the
            size that fitted is recorded in the result's ``throughput.batch_size``).
        seed: seeds Python/NumPy/torch, sampling adapters and the bootstrap.
        model_args: adapter arguments (``--model-arg k=v``), overriding the card's defaults.
        name: the model's name in results (default: the card or adapter name).
        write: write result files (the store is always written, for resume).
        progress: optional hook called after every batch.
        decoding: ``greedy`` (default) or ``paper`` (the paper-era sampling: top_p 0.9, temperature 1.0, seeded).
        prefetch: for an adapter that asks for decoded media (``media = "decoded"``), decode the next batch's
            images and point clouds in a background thread while the model works (default); off: decode each
            batch just before its call. Adapters that did not ask get paths only either way.
        choice_scoring: ``shared`` (default: each choice request's image and prompt encoded once, every option
            scored from that prefix) or ``naive`` (one whole sequence per option, for checking; the same scores).
        strip_reasoning: take the reasoning block (``<think>`` … ``</think>``) out of every free-text answer before
            it is parsed or fed to a later stage (default); an answer cut off inside the block is unanswered. Off:
            answers are parsed as given. The store keeps raw answers either way.
        reasoning_tags: the block's (open, close) tags, or ``"OPEN,CLOSE"``.
    """
    return evaluate_models(
        [model], tasks, model_args=model_args, name=name, data_root=data_root, out_dir=out_dir, limit=limit,
        task_limits=task_limits,
        batch_size=batch_size, seed=seed, write=write, progress=progress, decoding=decoding, prefetch=prefetch,
        choice_scoring=choice_scoring, strip_reasoning=strip_reasoning, reasoning_tags=reasoning_tags,
    )  # fmt: skip


def evaluate_models(
    models: Sequence[str | Adapter], tasks: str | Sequence[str], *, model_args: Mapping[str, str] | None = None,
    name: str | None = None, **options: Any,
) -> list[TaskResult]:  # fmt: skip
    """:func:`evaluate` for several models in turn (``lamm-bench run --model A,B``), every check made for all of
    them before the first one loads: each name resolved and allowed (:mod:`lamm_bench.names`), each adapter built
    with its arguments (not loaded), the output folders proven writable, every task's data read and checked, and
    each model's capabilities checked against every task. A typo in the last model costs a second, not a run of
    the first. Returns the results in model order, then task order.

    Args:
        models, tasks, model_args, name: as :func:`evaluate`'s ``model`` (each), ``tasks``, ``model_args``, ``name``.
        options: :func:`evaluate`'s run settings (``data_root``, ``out_dir``, ``limit``, ``task_limits``,
            ``batch_size``, ``seed``, ``write``, ``progress``, ``decoding``, ``prefetch``, ``choice_scoring``,
            ``strip_reasoning``, ``reasoning_tags``), with its defaults.
    """
    settings = _settings(**options)
    if name is not None and len(models) > 1:
        raise UserError("--name can only be used with a single --model")
    planned = [_model(model, name, args) for model, args in zip(models, _scoped_args(models, model_args or {}))]
    folders = ["store", *(["results"] if settings.write else [])]
    check_output_folder(settings.out_dir, [*folders, *(f"{f}/{info.name}" for _, info in planned for f in folders)])
    prepared = prepare_tasks([tasks] if isinstance(tasks, str) else list(tasks), settings)
    described = []
    for adapter, info, tasks in _assign_tasks(planned, prepared):
        check_capabilities(info.name, adapter, tasks)
        description = dict(adapter.describe())
        info = dataclasses.replace(info, description=description,
                                   fingerprint=fingerprint({"adapter": info.adapter, **description}))  # fmt: skip
        described.append((adapter, info, tasks))
    results = []
    for adapter, info, tasks in described:
        seed_everything(settings.seed)
        adapter.load()
        for task in tasks:
            result = evaluate_task(adapter, info, task, settings)
            if result is not None:  # ranks other than 0 score nothing
                results.append(result)
    return results


def _settings(*, data_root: str | os.PathLike | None = None, out_dir: str | os.PathLike = "leaderboard",
              limit: int | None = None, task_limits: Mapping[str, int] | None = None, batch_size: int | str = 8,
              seed: int = 0, write: bool = True,
              progress: ProgressHook | None = None, decoding: str = "greedy", prefetch: bool = True,
              choice_scoring: str = "shared", strip_reasoning: bool = True,
              reasoning_tags: str | Sequence[str] = DEFAULT_TAGS) -> RunSettings:  # fmt: skip
    """The run's settings, each checked: a batch size, a decoding, a choice scoring, a seed NumPy takes, a limit of
    1 or more, two reasoning tags."""
    if batch_size != "auto" and (not isinstance(batch_size, int) or batch_size < 1):
        raise UserError(f"--batch-size must be a positive integer or auto, got {batch_size!r}")
    if decoding not in ("greedy", "paper"):
        raise UserError(f"--decoding must be greedy or paper, got {decoding!r}")
    if choice_scoring not in ("shared", "naive"):
        raise UserError(f"--choice-scoring must be shared or naive, got {choice_scoring!r}")
    check_seed(seed)
    tags = parse_tags(reasoning_tags)
    if limit is not None:
        check_int_range(limit, "--limit", 1)
    for what, n in (task_limits or {}).items():
        check_int_range(n, f"--limit {what}=N", 1)
    return RunSettings(
        data_root=resolve_data_root(data_root), out_dir=Path(out_dir), limit=limit,
        task_limits=tuple(sorted((task_limits or {}).items())),
        batch_size=batch_size, seed=seed, write=write, progress=progress, decoding=decoding, prefetch=prefetch,
        choice_scoring=choice_scoring, reasoning_tags=tags if strip_reasoning else None,  # type: ignore[arg-type]
    )  # fmt: skip


def _assign_tasks(planned: Sequence[tuple[Adapter, ModelInfo]], prepared: Sequence[PreparedTask]):
    """Each model with the tasks it runs: all of them, except that in a run of several models a task whose modality
    or request kind a model does not declare is left to the models that do (``--model lamm-tiny,lamm3d-tiny --task
    lamm``: the 2D tasks on the first, the 3D ones on the second), logged in one line per model and missing
    capability. A task no model of the run can take is still refused (:func:`~lamm_bench.runner.check_capabilities`
    names why)."""
    takes = [{i for i, task in enumerate(prepared) if not missing_capabilities(adapter, task)} for adapter, _ in planned]
    taken = set().union(*takes)
    out = []
    for (adapter, info), own in zip(planned, takes):
        if len(planned) == 1 or not own:
            out.append((adapter, info, list(prepared)))  # one model, or one that takes nothing: refused by name
            continue
        left: dict[str, list[str]] = {}
        for i in sorted(taken - own):
            why = ", ".join(sorted(missing_capabilities(adapter, prepared[i])))
            left.setdefault(why, []).append(prepared[i].spec.name)
        for why, names in left.items():
            logger.warning("model %s leaves %s to the run's other models (it does not support %s)", info.name,
                           f"task {names[0]}" if len(names) == 1 else f"{len(names)} tasks ({', '.join(names)})", why)
        out.append((adapter, info, [task for i, task in enumerate(prepared) if i in own or i not in taken]))
    return out


def _scoped_args(models: Sequence[str | Adapter], model_args: Mapping[str, str]) -> list[dict[str, str]]:
    """Each model's arguments: every plain ``KEY`` goes to every model, a ``MODEL:KEY`` to the model named ``MODEL``
    only (``--model lamm-tiny,dummy --model-arg lamm-tiny:data_root=DIR``).

    Raises:
        UserError: A ``MODEL:`` that names none of the models.
    """
    names = [model if isinstance(model, str) else None for model in models]
    for key in model_args:
        scope, sep, _ = key.rpartition(":")
        if sep and scope not in names:
            known = ", ".join(n for n in names if n)
            raise UserError(f"--model-arg {key}=...: {scope!r} is not one of the models ({known})")
    shared = {k: v for k, v in model_args.items() if ":" not in k}
    return [{**shared, **{k.rpartition(":")[2]: v for k, v in model_args.items() if k.rpartition(":")[0] == name}}
            if name else shared for name in names]  # fmt: skip


def _model(model: str | Adapter, name: str | None, model_args: Mapping[str, str]) -> tuple[Adapter, ModelInfo]:
    """The adapter (built, not loaded) and what the results say about it, before its settings are described: its
    name checked (:func:`lamm_bench.names.check_name`), its arguments without credentials
    (:func:`lamm_bench.checks.recorded_args`)."""
    if name is not None:
        check_name(name, "--name")
    if isinstance(model, str):
        card = registry.resolve_model(model)
        adapter = registry.build_adapter(card, model_args)
        info = ModelInfo(name=name or card.name, card=card.name, adapter=card.adapter,
                         args=recorded_args({**card.args, **model_args}), description={}, fingerprint="")  # fmt: skip
    else:
        adapter = as_adapter(model, type(model).__name__)
        info = ModelInfo(name=name or type(model).__name__, card=None, adapter=type(model).__name__, args={},
                         description={}, fingerprint="")  # fmt: skip
    check_name(info.name, "--name" if name else "model name (a folder of results; choose another with --name)")
    return adapter, info
