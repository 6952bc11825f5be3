"""Result records and files: one JSON per (model, task) plus the per-sample predictions beside it, written atomically.

``OUT/results/<model>/<task>.json`` holds the numbers and everything needed to reproduce and trace them, as a
``TaskResult`` (``TaskResult.to_json`` is the file's content, ``TaskResult.from_json`` reads it back);
``OUT/results/<model>/<task>.predictions.jsonl`` holds one ``lamm_bench.rows.PredictionRow`` per sample (the raw
answer, the parsed answer, the per-sample scores and the trace behind them). The leaderboard's tables are rendered
from the JSON files alone (:func:`load_results`), so a result records everything the
leaderboard shows about its task: name, version, protocol, modality, paper metric label, metric directions and
the task's place in its group (``task.group``: an optional field, absent from files written before it existed
and for a task no group lists, so the schema stays version 1).

Result files are input (passed around, merged, downloaded): :func:`read_result` refuses, in one line naming the file,
one that is not UTF-8 JSON with finite numbers, has a field of the wrong type or out of range, or a model or task
name ``lamm_bench.names`` does not allow (``lamm_bench.resultcheck``); :func:`load_results` also one that is not at
``<model>/<task>.json`` of its own names.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import platform
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from lamm_bench.data import dataset_identity
from lamm_bench.errors import UserError
from lamm_bench.files import atomic_write_text
from lamm_bench.identity import task_fingerprint
from lamm_bench.jsoncheck import load_json
from lamm_bench.metrics import higher_is_better
from lamm_bench.resultcheck import check_result_json
from lamm_bench.rows import PredictionRow, prediction_line
from lamm_bench.scoring import TaskOutcome
from lamm_bench.records import MetaFile
from lamm_bench.task import TaskSpec

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ModelInfo:
    """Who answered: the name in results, its card and adapter, the arguments, ``describe()`` and fingerprint."""

    name: str
    card: str | None
    adapter: str
    args: Mapping[str, Any]
    description: Mapping[str, Any]
    fingerprint: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ModelInfo:
        return cls(d["name"], d["card"], d["adapter"], dict(d["args"]), dict(d["description"]), d["fingerprint"])

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "card": self.card, "adapter": self.adapter, "args": dict(self.args),
                "description": dict(self.description), "fingerprint": self.fingerprint}  # fmt: skip


@dataclass(frozen=True)
class GroupPlace:
    """The task's place in the task group that lists it (the leaderboard orders columns by it)."""

    name: str
    position: int


@dataclass(frozen=True)
class TaskInfo:
    """What was evaluated: the task's identity and settings, and the data it read."""

    name: str
    version: str
    protocol: str
    modality: str
    split: str
    n_samples: int
    limit: int | None
    meta_files: tuple[Mapping[str, str], ...]
    """``{"path": relative to the data root, "sha256": ...}`` per meta file read."""
    fingerprint: str
    settings: Mapping[str, Any]
    group: GroupPlace | None = None
    """None (and absent from the file) for a task no group lists, and in files older than the field."""
    dataset: Mapping[str, str] | None = None
    """The data root's identity (``data.dataset_identity``) when it is not the released LAMM_Dataset, e.g. the mini
    demo benchmark; None (and absent from the file) for LAMM's own data."""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TaskInfo:
        group = d.get("group")
        return cls(
            d["name"], d["version"], d["protocol"], d["modality"], d["split"], d["n_samples"], d["limit"],
            tuple(dict(m) for m in d["meta_files"]), d["fingerprint"], dict(d["settings"]),
            GroupPlace(group["name"], group["position"]) if group is not None else None,
            dict(d["dataset"]) if d.get("dataset") is not None else None,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        out = {"name": self.name, "version": self.version, "protocol": self.protocol, "modality": self.modality,
               "split": self.split, "n_samples": self.n_samples, "limit": self.limit,
               "meta_files": [dict(m) for m in self.meta_files], "fingerprint": self.fingerprint,
               "settings": dict(self.settings)}  # fmt: skip
        if self.group is not None:
            out["group"] = {"name": self.group.name, "position": self.group.position}
        if self.dataset is not None:
            out["dataset"] = dict(self.dataset)
        return out


@dataclass(frozen=True)
class PaperMetric:
    """The number the LAMM paper's table shows: its column label, value and the metric key it is."""

    name: str
    value: float | None
    key: str


@dataclass(frozen=True)
class PrimaryMetric:
    """The metric the bootstrap interval belongs to."""

    name: str
    value: float | None
    ci95: tuple[float, float] | None


_THROUGHPUT_FIELDS = ("new_requests", "inference_seconds", "new_tokens", "batch_size", "requests_per_second",
                      "tokens_per_second", "world_size", "batch_size_setting")  # fmt: skip


@dataclass(frozen=True)
class Throughput:
    """How fast this run answered (only requests answered now, not those resumed from the store)."""

    new_requests: int
    inference_seconds: float
    new_tokens: int
    batch_size: int
    """Requests per adapter call at the end (``auto`` may have halved it)."""
    requests_per_second: float | None
    tokens_per_second: float | None
    world_size: int
    batch_size_setting: int | str
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Counters a newer runner adds, kept as they are."""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Throughput:
        extra = {k: v for k, v in d.items() if k not in _THROUGHPUT_FIELDS}
        return cls(*(d[k] for k in _THROUGHPUT_FIELDS), extra=extra)

    def to_json(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in _THROUGHPUT_FIELDS}, **self.extra}


@dataclass(frozen=True)
class ReasoningCounts:
    """What stripping reasoning blocks did to a run's answers (``reasoning`` in the file, absent when the run did not
    strip, and in files older than the field)."""

    stripped: int
    """Answers a reasoning block was taken out of (requests, not samples)."""
    cut_off: int
    """Answers cut off inside a block: their samples are scored as unanswered."""
    tags: tuple[str, str]
    """The (open, close) tags stripped."""

    def to_json(self) -> dict[str, Any]:
        return {"stripped": self.stripped, "cut_off": self.cut_off, "tags": list(self.tags)}


@dataclass(frozen=True)
class TaskResult:
    """One (model, task) result: the content of ``results/<model>/<task>.json`` and what ``evaluate`` returns.

    ``result["metrics"]`` reads the JSON view (a fresh copy), like the dicts results used to be.
    """

    model: ModelInfo
    task: TaskInfo
    paper_metric: PaperMetric
    metrics: Mapping[str, float]
    higher_is_better: Mapping[str, bool]
    primary: PrimaryMetric
    unparsed: int
    failed: int
    throughput: Throughput
    seed: int
    provenance: Mapping[str, Any]
    created: str
    schema_version: int = SCHEMA_VERSION
    reasoning: ReasoningCounts | None = None

    @classmethod
    def from_json(cls, d: Any, where: str = "result file") -> TaskResult:
        """Read a result file's content, checked field by field (``lamm_bench.resultcheck.check_result_json``).

        Raises:
            UserError: one line starting with ``where`` that names the field and what is wrong with it.
        """
        check_result_json(d, where)
        paper, primary = d["paper_metric"], d["primary"]
        return cls(
            model=ModelInfo.from_json(d["model"]), task=TaskInfo.from_json(d["task"]),
            paper_metric=PaperMetric(paper["name"], paper["value"], paper["key"]),
            metrics=dict(d["metrics"]), higher_is_better=dict(d["higher_is_better"]),
            primary=PrimaryMetric(primary["name"], primary["value"],
                                  tuple(primary["ci95"]) if primary["ci95"] is not None else None),
            unparsed=d["unparsed"], failed=d["failed"], throughput=Throughput.from_json(d["throughput"]),
            seed=d["seed"], provenance=dict(d["provenance"]), created=d["created"], schema_version=d["schema_version"],
            reasoning=_reasoning(d.get("reasoning")),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The result file's content (a new dict each call)."""
        p, primary = self.paper_metric, self.primary
        return {
            "schema_version": self.schema_version,
            "model": self.model.to_json(),
            "task": self.task.to_json(),
            "paper_metric": {"name": p.name, "value": p.value, "key": p.key},
            "metrics": dict(self.metrics),
            "higher_is_better": dict(self.higher_is_better),
            "primary": {"name": primary.name, "value": primary.value,
                        "ci95": list(primary.ci95) if primary.ci95 is not None else None},  # fmt: skip
            "unparsed": self.unparsed,
            "failed": self.failed,
            "throughput": self.throughput.to_json(),
            "seed": self.seed,
            "provenance": dict(self.provenance),
            "created": self.created,
            **({"reasoning": self.reasoning.to_json()} if self.reasoning is not None else {}),
        }

    def __getitem__(self, key: str) -> Any:
        return self.to_json()[key]

    @property
    def paper_higher_is_better(self) -> bool:
        """Whether a larger paper-metric value is better (as recorded in the file)."""
        return self.higher_is_better.get(self.paper_metric.key, True)


def _reasoning(d: Mapping[str, Any] | None) -> ReasoningCounts | None:
    return ReasoningCounts(d["stripped"], d["cut_off"], tuple(d["tags"])) if d is not None else None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def git_commit() -> str | None:
    """The lamm-bench source tree's commit, when running from a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def provenance(device: str | None = None) -> dict[str, Any]:
    """Versions and environment that produced a number."""
    return {
        "lamm_bench": _version("lamm-bench"),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": _version("torch"),
        "transformers": _version("transformers"),
        "nltk": _version("nltk"),
        "device": device,
    }


def group_place(task: str, groups: Mapping[str, Sequence[str]]) -> GroupPlace | None:
    """The first group (by name) that lists ``task`` itself, and the task's position in it."""
    for name in sorted(groups):
        if task in groups[name]:
            return GroupPlace(name, list(groups[name]).index(task))
    return None


def build_result(
    *,
    model: ModelInfo,
    task: TaskSpec,
    metas: Sequence[MetaFile],
    data_root: Path,
    n_samples: int,
    outcome: TaskOutcome,
    seed: int,
    throughput: Throughput,
    limit: int | None,
    decoding: str = "greedy",
    choice_scoring: str | None = None,
    group: GroupPlace | None = None,
    reasoning: ReasoningCounts | None = None,
    generates: bool = False,
) -> TaskResult:
    """The result record (also what ``lamm_bench.evaluate`` returns). ``generates``: the task asked free-text
    requests, whose answers are stripped of reasoning blocks: then ``settings.reasoning_tags`` records the tags
    (null when the run did not strip), and ``reasoning`` the counts (None when it did not)."""
    settings = {**task.extra, **{k: v for m in metas for k, v in m.settings.items()}, "decoding": decoding, **({"choice_scoring": choice_scoring} if choice_scoring else {})}
    if generates:
        settings["reasoning_tags"] = list(reasoning.tags) if reasoning is not None else None
    info = TaskInfo(
        name=task.name, version=task.version, protocol=task.protocol, modality=task.modality, split="test",
        n_samples=n_samples, limit=limit,
        meta_files=tuple({"path": str(m.path.relative_to(data_root)), "sha256": m.sha256} for m in metas),
        fingerprint=task_fingerprint(task, metas), settings=settings, group=group, dataset=dataset_identity(data_root),
    )  # fmt: skip
    return TaskResult(
        model=model, task=info,
        paper_metric=PaperMetric(task.paper_metric[0], outcome.paper_value, task.paper_metric[1]),
        metrics=dict(outcome.metrics),
        higher_is_better={name: higher_is_better(name, task.metrics) for name in outcome.metrics},
        primary=PrimaryMetric(outcome.primary, outcome.metrics.get(outcome.primary), outcome.ci95),
        unparsed=outcome.unparsed, failed=outcome.failed, throughput=throughput, seed=seed,
        provenance=provenance(model.description.get("device")),
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        reasoning=reasoning if generates else None,
    )  # fmt: skip


def result_paths(out_dir: Path, model_name: str, task_name: str) -> tuple[Path, Path]:
    """(result JSON, per-sample predictions JSONL) for a model and task."""
    folder = Path(out_dir) / "results" / model_name
    return folder / f"{task_name}.json", folder / f"{task_name}.predictions.jsonl"


def judge_paths(out_dir: Path, model_a: str, model_b: str, judge_key: str, seed: int) -> tuple[Path, Path, Path]:
    """(report JSON, per-sample verdicts JSONL, resumable store) of a pairwise judgement (``judge_key``: the
    judge's fingerprint prefix)."""
    pair = f"{model_a}_vs_{model_b}"
    folder = Path(out_dir) / "judge"
    store = Path(out_dir) / "store" / "judge" / f"{pair}-{judge_key}-{seed}.jsonl"
    return folder / f"{pair}.json", folder / f"{pair}.jsonl", store


def write_result(out_dir: Path, result: TaskResult, per_sample: Sequence[PredictionRow]) -> Path:
    """Write predictions first, then the result file, each atomically; returns the result path."""
    result_path, predictions_path = result_paths(out_dir, result.model.name, result.task.name)
    atomic_write_text(predictions_path, "".join(prediction_line(row) for row in per_sample))
    atomic_write_text(result_path, json.dumps(result.to_json(), indent=2, ensure_ascii=False, default=str) + "\n")
    return result_path


def read_result(path: Path) -> TaskResult:
    """A result file as a record.

    Raises:
        UserError: the file cannot be read (a folder, no permission) or is not a result file
            (``lamm_bench.resultcheck``), in one line naming it.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot be read as a result file ({exc.strerror or exc})") from None
    return TaskResult.from_json(load_json(raw, str(path), finite=True), str(path))


def load_results(results_dir: Path) -> list[TaskResult]:
    """Every result file under ``results_dir`` (``<model>/<task>.json``, sorted by path), each read with
    :func:`read_result`; their per-sample rows are read with ``lamm_bench.rows.read_prediction_rows``.

    A file must sit where its names put it, ``<model.name>/<task.name>.json``: the commands find its predictions
    and write its pages there, and a copy under another folder would silently stand in for the real file of that
    model and task. One that does not is a ``UserError`` naming it, and the file it collides with when that exists.
    """
    out = []
    for path in sorted(Path(results_dir).glob("*/*.json")):
        result = read_result(path)
        home = Path(results_dir) / result.model.name / f"{result.task.name}.json"
        if path != home:
            clash = f"; {home} claims them too: keep one of the two" if home.is_file() else ""
            raise UserError(f"{path}: holds model {result.model.name!r}, task {result.task.name!r}, so it belongs at "
                            f"{home} (results/<model>/<task>.json){clash}")  # fmt: skip
        out.append(result)
    return out
