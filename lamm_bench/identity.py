"""Fingerprints: what identifies a model, a task or a judge, so stored answers are reused only when nothing
that could change them has changed (the runner's store, the judge's store, the result files)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from lamm_bench.records import MetaFile
from lamm_bench.task import TaskSpec


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
            **({"data_settings": [dict(m.settings) for m in metas]} if any(m.settings for m in metas) else {}),
        }
    )
