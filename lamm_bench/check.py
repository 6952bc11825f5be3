"""``lamm-bench check``: the proof that a model's answers do not depend on how its requests are batched or sharded.

The first ``limit`` samples of each task go through the ordinary run machinery twice in this process
(:func:`lamm_bench.api.evaluate_models`, the model loaded once): at batch size 1 and at batch size N, each into its
own output folder (a store's fingerprint does not hold the batch size, so one folder would resume the second run
from the first one's answers). With ``ranks`` > 1 the same slice runs once more at batch size N under ``torchrun``
(``python -m torch.distributed.run --standalone --nproc-per-node R -m lamm_bench run ...``), into a third folder.
Then, sample by sample in the batch-1 run's order, it compares, request by request, the answer text the store holds
(and its error, if it failed) and the scores a choice request's options got, then the assembled prediction of each
predictions row (:func:`lamm_bench.rows.read_prediction_rows`), as JSON text: byte for byte, no tolerance.
The first difference is reported with both values. Nothing is written outside the folders given (a temporary one
unless the caller names one), so a check never touches a leaderboard.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamm_bench import distributed, registry
from lamm_bench.adapter import Adapter
from lamm_bench.api import evaluate_models
from lamm_bench.checks import check_int_range
from lamm_bench.errors import RankFailure, UserError
from lamm_bench.media import Media
from lamm_bench.records import Request, Response
from lamm_bench.results import result_paths
from lamm_bench.rows import read_prediction_rows
from lamm_bench.runner import ProgressHook
from lamm_bench.store import PredictionStore

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 16
DEFAULT_BATCH_SIZE = 8

AnswerKey = tuple[str, str, str, str]
"""(task, sample id, request key or ``""`` for the sample's assembled prediction, what: ``prediction``, ``answer``,
``error`` or ``option_scores``)."""


@dataclass(frozen=True)
class Difference:
    """The first answer that differs between the batch-1 run and another run."""

    task: str
    sample_id: str
    key: str
    """The request's key; ``""`` for the sample's assembled prediction."""
    what: str
    """``prediction``, ``answer`` (the request's answer text), ``error`` (a failed request's error) or
    ``option_scores``."""
    run: str
    """The run that differs from batch 1: ``batch N`` or ``R ranks``."""
    reference: str
    """The value at batch 1, as JSON text (``(absent)`` when that run has none)."""
    other: str
    """The value in ``run``, as JSON text (``(absent)`` when that run has none)."""

    def describe(self) -> str:
        """Where the answers part and both values, on three lines."""
        request = f", request {self.key!r}" if self.what != "prediction" else ""
        return (f"answers differ between batch 1 and {self.run}: task {self.task}, sample {self.sample_id!r}{request} "
                f"({self.what})\n  batch 1: {self.reference}\n  {self.run}: {self.other}")  # fmt: skip


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` compared and the first difference, if any."""

    runs: tuple[str, ...]
    """The runs compared, the reference first: ``("batch 1", "batch 8", "2 ranks")``."""
    samples: int
    requests: int
    """Requests compared (every request of every sample of every task, in the reference run)."""
    difference: Difference | None

    def summary(self) -> str:
        """One line when every answer agrees; else the first difference (:meth:`Difference.describe`)."""
        if self.difference is not None:
            return self.difference.describe()
        runs = " and ".join([", ".join(self.runs[:-1]), self.runs[-1]])
        return f"{self.requests} requests ({self.samples} samples) identical at {runs}"


class _LoadedOnce(Adapter):
    """An adapter whose ``load`` runs once, so the batch-1 and the batch-N runs share one loaded model (and any
    state it keeps between calls, which a batch-size dependence may hide in)."""

    def __init__(self, inner: Adapter):
        self.inner, self.loaded = inner, False
        self.capabilities, self.media = inner.capabilities, inner.media

    def load(self) -> None:
        if not self.loaded:
            self.inner.load()
            self.loaded = True

    def describe(self) -> Mapping[str, object]:
        return self.inner.describe()

    def generate(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        return self.inner.generate(requests, media)

    def score_choices(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        return self.inner.score_choices(requests, media)

    def refuse(self, request: Request) -> str | None:
        return self.inner.refuse(request)


def check_invariance(
    model: str, tasks: Sequence[str], *, data_root: str | os.PathLike | None = None, out_dir: Path | None = None,
    limit: int = DEFAULT_LIMIT, batch_size: int = DEFAULT_BATCH_SIZE, ranks: int = 1, seed: int = 0,
    model_args: Mapping[str, str] | None = None, progress: ProgressHook | None = None,
) -> CheckReport:  # fmt: skip
    """Run ``model`` on the first ``limit`` samples of ``tasks`` at batch 1, at ``batch_size`` and (``ranks`` > 1)
    on that many ranks under torchrun, and compare every answer byte for byte.

    Args:
        model: a model card or adapter name, as ``lamm-bench run --model``.
        tasks: task or group names.
        data_root: the LAMM_Dataset folder (default ``$LAMM_BENCH_DATA``).
        out_dir: where the runs' folders go (``batch-1/``, ``batch-N/``, ``ranks-R/``, each refused when it already
            holds files); default a temporary folder, removed afterwards.
        limit, batch_size, ranks, seed, model_args: the slice, the batch size compared with 1, the number of
            torchrun processes (1: none), the seed and the adapter arguments.
        progress: optional hook called after every batch of the in-process runs.

    Raises:
        UserError: a bad setting, name, folder or data (before any weights load), or a user error of the ranks' run.
        RankFailure: the torchrun run failed (its own error is on stderr above).
    """
    check_int_range(limit, "--limit", 1)
    check_int_range(batch_size, "--batch-size", 2)
    check_int_range(ranks, "--ranks", 1)
    if distributed.rank_and_world()[1] > 1:
        raise UserError("check launches its own ranks (--ranks N): run it as one process, not under torchrun")
    if ranks > 1 and importlib.util.find_spec("torch") is None:
        raise UserError(f"--ranks {ranks} runs torchrun, which needs torch installed")
    if out_dir is not None:
        return _check_in(Path(out_dir), model, list(tasks), data_root, limit, batch_size, ranks, seed,
                         dict(model_args or {}), progress)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="lamm-bench-check-") as scratch:
        return _check_in(Path(scratch), model, list(tasks), data_root, limit, batch_size, ranks, seed,
                         dict(model_args or {}), progress)  # fmt: skip


def _check_in(base: Path, model: str, tasks: list[str], data_root, limit: int, batch_size: int, ranks: int, seed: int,
              model_args: dict[str, str], progress: ProgressHook | None) -> CheckReport:  # fmt: skip
    """:func:`check_invariance` with its runs' folders under ``base``."""
    sizes = {f"batch-{size}": size for size in (1, batch_size)}
    folders = [*sizes, *([f"ranks-{ranks}"] if ranks > 1 else [])]
    for folder in folders:
        if (base / folder).exists() and any((base / folder).iterdir()):
            raise UserError(f"check: {base / folder} already holds files (an earlier check?): choose an empty --out")
    card = registry.resolve_model(model)
    # a subclass named as the adapter, which is what the results in these folders record as model.adapter
    adapter = type(card.adapter, (_LoadedOnce,), {})(registry.build_adapter(card, model_args))
    names: list[str] = []
    for folder, size in sizes.items():
        results = evaluate_models([adapter], tasks, name=card.name, data_root=data_root, out_dir=base / folder,
                                  limit=limit, batch_size=size, seed=seed, progress=progress)  # fmt: skip
        names = [r.task.name for r in results]
    if ranks > 1:
        _run_ranks(base / folders[-1], model, tasks, data_root, limit, batch_size, ranks, seed, model_args)
    answers = [run_answers(base / folder, card.name, names) for folder in folders]
    labels = ("batch 1", f"batch {batch_size}", *([f"{ranks} ranks"] if ranks > 1 else []))
    first = next((d for label, other in zip(labels[1:], answers[1:])
                  if (d := first_difference(answers[0], other, label)) is not None), None)  # fmt: skip
    return CheckReport(runs=labels, samples=len({k[:2] for k in answers[0]}),
                       requests=sum(k[3] == "answer" for k in answers[0]), difference=first)  # fmt: skip


def _run_ranks(out: Path, model: str, tasks: list[str], data_root, limit: int, batch_size: int, ranks: int,
               seed: int, model_args: Mapping[str, str]) -> None:  # fmt: skip
    """``lamm-bench run`` of the same slice on ``ranks`` processes (torchrun picks a free port: ``--standalone``);
    its result table is dropped, its stderr goes to ours."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(ranks),
               "-m", "lamm_bench", "run", "--model", model, "--task", ",".join(tasks), "--out", str(out),
               "--limit", str(limit), "--batch-size", str(batch_size), "--seed", str(seed), "--no-progress",
               *(["--data-root", str(data_root)] if data_root is not None else []),
               *(arg for key, value in model_args.items() for arg in ("--model-arg", f"{key}={value}"))]  # fmt: skip
    log.info("check: %s", " ".join(command))
    code = subprocess.run(command, stdout=subprocess.DEVNULL).returncode
    if code == 2:
        raise UserError(f"check: the {ranks}-rank run under torchrun stopped on the error above")
    if code != 0:
        raise RankFailure(f"check: the {ranks}-rank run under torchrun failed (exit status {code}; its error is above)")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def run_answers(out: Path, model_name: str, tasks: Sequence[str]) -> dict[AnswerKey, str]:
    """Every answer of a run in ``out``, as JSON text, in the order of its predictions rows: per request of a sample
    (in the row's order) its stored answer text, its error when it failed and a choice request's option scores, then
    the sample's assembled prediction (so a difference is first reported at the request that made it)."""
    answers: dict[AnswerKey, str] = {}
    for task in tasks:
        stored = {}
        for path in sorted((out / "store" / model_name / task).glob("*.jsonl")):  # one file per rank
            stored.update(PredictionStore(path).latest())
        for row in read_prediction_rows(result_paths(out, model_name, task)[1]):
            for request in row.requests:
                answer = stored.get((row.id, request.key))
                answers[(task, row.id, request.key, "answer")] = _json(answer.text if answer else None)
                if answer is not None and answer.error is not None:
                    answers[(task, row.id, request.key, "error")] = _json(answer.error)
                if request.options is not None:
                    answers[(task, row.id, request.key, "option_scores")] = _json(request.option_scores)
            answers[(task, row.id, "", "prediction")] = _json(row.prediction)
    return answers


def first_difference(reference: Mapping[AnswerKey, str], other: Mapping[AnswerKey, str], run: str) -> Difference | None:
    """The first answer (in ``reference``'s order, then ``other``'s for answers only it has) whose JSON text is not
    the same in both runs; None when every answer is identical."""
    absent = "(absent)"
    for key in [*reference, *(k for k in other if k not in reference)]:
        mine, theirs = reference.get(key, absent), other.get(key, absent)
        if mine != theirs:
            return Difference(*key, run=run, reference=mine, other=theirs)  # type: ignore[misc]
    return None
