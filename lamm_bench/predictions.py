"""Reading answers produced elsewhere: JSONL of ``{"id", "text"}`` or LAMM's JSON list of the same."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.records import Sample
from lamm_bench.task import TaskSpec


def _records(path: Path) -> list[tuple[str, Any]]:
    """(location, record) pairs from a JSON list file or a JSONL file."""
    if not path.is_file():
        raise UserError(f"predictions file not found: {path}")
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: not valid JSON ({exc})") from None
        return [(f"{path}: item {i}", item) for i, item in enumerate(items)]
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((f"{path}:{number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
    return out


def read_predictions(path: Path, task: TaskSpec, samples: Sequence[Sample], *, partial: bool = False) -> dict[str, Any]:
    """Predictions by sample id, checked against the task's samples.

    Raises:
        UserError: unreadable file, a record without ``id``/``text`` or with the wrong ``text`` type, duplicate
            ids, ids that are not in the task's data, or (unless ``partial``) samples without a prediction.
    """
    want = dict if task.prediction_kind == "mapping" else str
    known = {s.id for s in samples}
    predictions: dict[str, Any] = {}
    for where, record in _records(Path(path)):
        if not isinstance(record, dict) or "id" not in record or "text" not in record:
            raise UserError(f"{where}: expected an object with 'id' and 'text'")
        if not isinstance(record["text"], want):
            raise UserError(f"{where}: 'text' should be {'an object' if want is dict else 'a string'} for task {task.name}")
        sample_id = str(record["id"])
        if sample_id in predictions:
            raise UserError(f"{where}: duplicate prediction for id {sample_id!r}")
        predictions[sample_id] = record["text"]
    unknown = sorted(set(predictions) - known)
    if unknown:
        raise UserError(
            f"{path}: {len(unknown)} prediction id(s) are not in task {task.name}'s data, e.g. {', '.join(map(repr, unknown[:3]))}"
        )
    missing = [s.id for s in samples if s.id not in predictions]
    if missing and not partial:
        raise UserError(
            f"{path}: no prediction for {len(missing)} of {len(samples)} samples of {task.name}, e.g. "
            f"{', '.join(map(repr, missing[:3]))} (use --partial to score only the predicted samples)"
        )
    return predictions
