"""Reading answers produced elsewhere: JSONL of ``{"id", "text"}`` or LAMM's JSON list of the same; and, for a task
that reproduces a reference which writes answer files (ChEF), that reference's own answer file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.jsoncheck import load_json
from lamm_bench.records import Sample
from lamm_bench.task import TaskSpec


def _records(path: Path) -> list[tuple[str, Any]]:
    """(location, record) pairs from a JSON list file or a JSONL file."""
    if not path.is_file():
        raise UserError(f"predictions file not found: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if data.lstrip().startswith(b"["):
        return [(f"{path}: item {i}", item) for i, item in enumerate(load_json(data, str(path)))]
    # bytes, split at line ends only: a JSON string may hold U+2028, which str.splitlines would split at
    return [(f"{path}:{number}", load_json(line, f"{path}:{number}"))
            for number, line in enumerate(data.splitlines(), start=1) if line.strip()]  # fmt: skip


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
        text = record["text"]
        if not isinstance(text, want) or (want is dict and not all(isinstance(v, str) for v in text.values())):
            wanted = "an object of strings" if want is dict else "a string"
            raise UserError(f"{where}: 'text' should be {wanted} for task {task.name}")
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


def read_reference_answers(path: Path, runs: Sequence[str] = ()) -> list[dict[str, Any]] | None:
    """A reference's own answer file -- ChEF's evaluator writes a JSON list of objects, each with its ``answer`` and no
    ``text`` -- or None when the file holds lamm-bench's ``{"id", "text"}`` predictions instead. For a task of
    several ``runs`` (``TaskSpec.answer_runs``), ``path`` is a folder holding each run's answer file, ``<run>.json``,
    and the records come back in run order with ids ``<run>/<id>``.

    Raises:
        UserError: the file cannot be read or is not JSON; for a task of several runs, a run's file is missing or
            not an answer file, or a single answer file is given instead of the folder (one line naming it).
    """
    path = Path(path)
    if runs and path.is_dir():
        return [record for run in runs for record in _run_answers(path, run)]
    records = [record for _, record in _records(path)]
    if records and all(isinstance(r, dict) and "answer" in r and "text" not in r for r in records):
        if runs:
            raise UserError(f"{path}: a reference answer file; this task takes a folder holding one per run: "
                            f"{', '.join(f'{run}.json' for run in runs)}")  # fmt: skip
        return records
    return None


def _run_answers(folder: Path, run: str) -> list[dict[str, Any]]:
    """One run's reference answer file in a folder, its ids prefixed ``<run>/``."""
    path = folder / f"{run}.json"
    if not path.is_file():
        raise UserError(f"{folder}: no answer file of run {run!r} ({path.name})")
    records = [record for _, record in _records(path)]
    if not all(isinstance(r, dict) and "answer" in r and "id" in r for r in records):
        raise UserError(f"{path}: not a reference answer file (a JSON list of objects with 'id' and 'answer')")
    return [{**r, "id": f"{run}/{r['id']}"} for r in records]
