"""What a result file must hold, checked before it becomes a ``lamm_bench.results.TaskResult``.

Result files are input: merged from colleagues, downloaded, edited by hand. :func:`check_result_json` checks every
field the record reads -- its JSON type, and its range where it has one (metrics finite, counts non-negative
integers, a protocol and modality lamm-bench knows) -- and the model and task names against ``lamm_bench.names``,
so no name read from a file can lead a write out of the output folder or forge a row of the README. Plain checks
on the ``lamm_bench.jsoncheck`` helpers, like every other reader of a file lamm-bench writes. Pure.
"""

from __future__ import annotations

from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.jsoncheck import (COUNT, COUNT_OR_NULL, FINITE, FINITE_OR_NULL, Kind, check_fields, check_values,
                                  json_type, numbers)
from lamm_bench.names import check_name

READABLE_SCHEMAS = (1,)
"""The result-file schema versions this lamm-bench reads."""

_NULL = type(None)
_PROTOCOL = Kind('"paper" or "chef"', lambda v: isinstance(v, str) and v in ("paper", "chef"))
_MODALITY = Kind('"2d" or "3d"', lambda v: isinstance(v, str) and v in ("2d", "3d"))
_TAGS = Kind("[open, close] (two non-empty strings)",
             lambda v: isinstance(v, list) and len(v) == 2 and all(isinstance(t, str) and t for t in v))
_INTERVAL = Kind("null or [low, high] (finite numbers)", lambda v: v is None or numbers(v, 2))
_FIELDS = {
    "": {"schema_version": int, "model": dict, "task": dict, "paper_metric": dict, "metrics": dict,
         "higher_is_better": dict, "primary": dict, "unparsed": COUNT, "failed": COUNT, "throughput": dict,
         "seed": COUNT, "provenance": dict, "created": str},
    "model": {"name": str, "card": (str, _NULL), "adapter": str, "args": dict, "description": dict,
              "fingerprint": str},
    "task": {"name": str, "version": str, "protocol": _PROTOCOL, "modality": _MODALITY, "split": str,
             "n_samples": COUNT, "limit": COUNT_OR_NULL, "meta_files": list, "fingerprint": str, "settings": dict},
    "paper_metric": {"name": str, "value": FINITE_OR_NULL, "key": str},
    "primary": {"name": str, "value": FINITE_OR_NULL, "ci95": _INTERVAL},
    "throughput": {"new_requests": COUNT, "inference_seconds": FINITE, "new_tokens": COUNT, "batch_size": COUNT,
                   "requests_per_second": FINITE_OR_NULL, "tokens_per_second": FINITE_OR_NULL, "world_size": COUNT,
                   "batch_size_setting": (int, str)},
}  # fmt: skip
"""The result file's fields by part (``""``: the top level), each with its type or range. Fields a newer lamm-bench
adds (``task.group`` was one) are ignored, so the schema can grow without a new version."""


def check_result_json(d: Any, where: str) -> None:
    """Check a result file's content: every field of its type and in its range (finite metrics, non-negative
    counts), and its model and task names allowed (``lamm_bench.names``), so no name from a file can lead a write
    out of the output folder or forge a row of the README.

    Raises:
        UserError: one line starting with ``where`` that names the field and what is wrong with it.
    """
    if not isinstance(d, dict):
        raise UserError(f"{where}: expected a JSON object, found {json_type(d)}")
    if "schema_version" in d and d["schema_version"] not in READABLE_SCHEMAS:
        raise UserError(f"{where}: schema_version {d['schema_version']!r} is not one this lamm-bench reads "
                        f"{READABLE_SCHEMAS}")  # fmt: skip
    for part, fields in _FIELDS.items():
        check_fields(d[part] if part else d, fields, {}, where, prefix=f"{part}." if part else "", others=True)
    task = d["task"]
    check_fields(task, {}, {"group": (dict, _NULL), "dataset": (dict, _NULL)}, where, prefix="task.", others=True)
    for i, meta in enumerate(task["meta_files"]):
        if not isinstance(meta, dict):
            raise UserError(f"{where}: field 'task.meta_files[{i}]' should be object, found {json_type(meta)}")
        check_fields(meta, {"path": str, "sha256": str}, {}, where, prefix=f"task.meta_files[{i}].", others=True)
    if task.get("group") is not None:
        check_fields(task["group"], {"name": str, "position": COUNT}, {}, where, prefix="task.group.", others=True)
    if task.get("dataset") is not None:
        check_values(task["dataset"], str, where, field="task.dataset")
        check_fields(task["dataset"], {"name": str}, {}, where, prefix="task.dataset.", others=True)
    check_fields(d, {}, {"reasoning": dict}, where, others=True)
    if "reasoning" in d:  # written since reasoning blocks are stripped
        check_fields(d["reasoning"], {"stripped": COUNT, "cut_off": COUNT, "tags": _TAGS}, {}, where,
                     prefix="reasoning.", others=True)  # fmt: skip
    check_values(d["metrics"], FINITE, where, field="metrics")
    check_values(d["higher_is_better"], bool, where, field="higher_is_better")
    check_name(d["model"]["name"], f"{where}: model name")
    check_name(task["name"], f"{where}: task name")
