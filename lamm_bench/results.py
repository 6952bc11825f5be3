"""Result files: one JSON per (model, task) plus the per-sample predictions beside it, written atomically.

``OUT/results/<model>/<task>.json`` holds the numbers and everything needed to reproduce and trace them;
``OUT/results/<model>/<task>.predictions.jsonl`` holds, per sample, the raw answer, the parsed answer and the
per-sample scores. The leaderboard is rendered from the JSON files alone.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import platform
import subprocess
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from lamm_bench.data import MetaFile
from lamm_bench.metrics import higher_is_better
from lamm_bench.scoring import TaskOutcome
from lamm_bench.store import atomic_write_text
from lamm_bench.task import TaskSpec

SCHEMA_VERSION = 1


def fingerprint(payload: Any) -> str:
    """SHA-256 of a JSON-serializable payload (sorted keys)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def task_fingerprint(task: TaskSpec, metas: Sequence[MetaFile]) -> str:
    """Changes whenever the task's prompts/parsing (version), system message, settings or data change."""
    return fingerprint(
        {
            "name": task.name,
            "version": task.version,
            "protocol": task.protocol,
            "system": task.system_message,
            "extra": dict(task.extra),
            "data": [m.sha256 for m in metas],
        }
    )


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


def build_result(
    *,
    model: Mapping[str, Any],
    task: TaskSpec,
    metas: Sequence[MetaFile],
    data_root: Path,
    n_samples: int,
    outcome: TaskOutcome,
    seed: int,
    throughput: Mapping[str, Any],
    device: str | None,
    limit: int | None,
    decoding: str = "greedy",
) -> dict[str, Any]:
    """The result record (also what ``lamm_bench.evaluate`` returns)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "model": dict(model),
        "task": {
            "name": task.name,
            "version": task.version,
            "protocol": task.protocol,
            "modality": task.modality,
            "split": "test",
            "n_samples": n_samples,
            "limit": limit,
            "meta_files": [{"path": str(m.path.relative_to(data_root)), "sha256": m.sha256} for m in metas],
            "fingerprint": task_fingerprint(task, metas),
            "settings": {**task.extra, "decoding": decoding},
        },
        "paper_metric": {"name": task.paper_metric[0], "value": outcome.paper_value, "key": task.paper_metric[1]},
        "metrics": outcome.metrics,
        "higher_is_better": {name: higher_is_better(name, task.metrics) for name in outcome.metrics},
        "primary": {"name": outcome.primary, "value": outcome.metrics.get(outcome.primary), "ci95": outcome.ci95},
        "unparsed": outcome.unparsed,
        "failed": outcome.failed,
        "throughput": dict(throughput),
        "seed": seed,
        "provenance": provenance(device),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def result_paths(out_dir: Path, model_name: str, task_name: str) -> tuple[Path, Path]:
    """(result JSON, per-sample predictions JSONL) for a model and task."""
    folder = Path(out_dir) / "results" / model_name
    return folder / f"{task_name}.json", folder / f"{task_name}.predictions.jsonl"


def write_result(out_dir: Path, result: Mapping[str, Any], per_sample: Sequence[Mapping[str, Any]]) -> Path:
    """Write predictions first, then the result file, each atomically; returns the result path."""
    result_path, predictions_path = result_paths(out_dir, result["model"]["name"], result["task"]["name"])
    lines = "".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in per_sample)
    atomic_write_text(predictions_path, lines)
    atomic_write_text(result_path, json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    return result_path
