"""Hostile and clumsy result folders for the issue-23 tests (``tests/e2e/test_untrusted_files_cli.py``,
``tests/site/test_untrusted_site.py``): a small real leaderboard folder to start from, ways to edit its files, and
script payloads to put into every text a file can carry (imported as ``from untrusted_helpers import ...``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

MODELS = ("model-a", "model-b")
TASK = "voc2012"
"""A task whose rows carry everything a row can: requests, media, target, terms and an overlay."""

PAYLOADS = (
    '<img src=x onerror="window.pwned=1">',
    "</script><script>window.pwned=1</script>",
    "\"'><svg onload=window.pwned=1>",
    "<!--<script>window.pwned=1//",
)
"""Each holds a ``<``, so wherever one appears raw in a written page it was not escaped."""

NAME_FIELDS = (("model", "name"), ("task", "name"), ("task", "protocol"), ("task", "modality"))
"""Result-file strings that must be one of a few values or pass ``lamm_bench.names``: a payload there is refused."""


def build_base(mini_root: Path, out: Path) -> Path:
    """``out/results``: the dummy adapter's answers as ``model-a`` and ``model-b`` (another seed) on :data:`TASK`."""
    import lamm_bench

    for model, seed in zip(MODELS, ("0", "1")):
        lamm_bench.evaluate("dummy", [TASK], data_root=mini_root, out_dir=out, model_args={"seed": seed}, name=model)
    shutil.rmtree(out / "store")
    return out


def result_path(out: Path, model: str = MODELS[0]) -> Path:
    return out / "results" / model / f"{TASK}.json"


def rows_path(out: Path, model: str = MODELS[0]) -> Path:
    return out / "results" / model / f"{TASK}.predictions.jsonl"


def edit_json(path: Path, edit: Callable[[Any], Any]) -> None:
    """Rewrite a JSON file with ``edit(content)`` (its return value replaces the content when not None)."""
    content = json.loads(path.read_text())
    changed = edit(content)
    path.write_text(json.dumps(content if changed is None else changed))


def edit_rows(path: Path, edit: Callable[[list[Any]], Any]) -> None:
    """Rewrite a predictions file with ``edit(rows)`` applied to the list of its rows."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    edit(rows)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def paths_in(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path (keys and list indices) to a part of a JSON value, the value itself first."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths_in(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths_in(child, (*prefix, index))


def put(content: Any, path: tuple, value: Any) -> Any:
    """``content`` with the part at ``path`` replaced by ``value`` (the whole content when ``path`` is empty)."""
    if not path:
        return value
    parent = content
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return content


def fill_strings(value: Any, payload: str, keep: Callable[[tuple], bool], path: tuple = ()) -> Any:
    """A copy of ``value`` with every string replaced by ``payload`` except where ``keep(path)``."""
    if isinstance(value, str):
        return value if keep(path) else payload
    if isinstance(value, list):
        return [fill_strings(v, payload, keep, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: fill_strings(v, payload, keep, (*path, k)) for k, v in value.items()}
    return value


def payload_results(out: Path, payload: str) -> None:
    """Put ``payload`` into every text of every result file under ``out/results`` and its predictions rows that may
    hold any text (every string but the names, protocol and modality; keys of the objects kept as they are, and of
    the metrics), the row ids suffixed to stay unique."""
    for path in sorted((out / "results").glob("*/*.json")):
        content = json.loads(path.read_text())
        content = fill_strings(content, payload, lambda where: where[:2] in NAME_FIELDS)
        for free in (content["model"]["description"], content["task"]["settings"], content["provenance"]):
            free[payload] = payload
        content["metrics"][payload] = 1.0
        content["higher_is_better"][payload] = True
        path.write_text(json.dumps(content))
        rows_file = path.with_name(f"{path.stem}.predictions.jsonl")
        rows = [json.loads(line) for line in rows_file.read_text().splitlines()]
        for i, row in enumerate(rows):
            rows[i] = row = fill_strings(row, payload, lambda where: False)
            row["id"] = f"{payload}{i}"
            row["target"][payload] = [payload]
            row["scores"][payload] = 0.5
        rows_file.write_text("".join(json.dumps(r) + "\n" for r in rows))


def snapshot(folder: Path, skip: Path) -> dict[str, bytes]:
    """Every file under ``folder`` except those under ``skip``, with its content."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and skip not in p.parents}  # fmt: skip


def written_pages(out: Path) -> dict[str, str]:
    """Every page and script the leaderboard wrote (the README, ``.html`` and ``.js`` files), by path, as written
    (bytes decoded, line ends untranslated: a ``\r`` of a payload stays one)."""
    return {str(p.relative_to(out)): p.read_bytes().decode("utf-8") for p in sorted(out.rglob("*"))
            if p.suffix in (".html", ".js", ".md") and "results" not in p.relative_to(out).parts}  # fmt: skip
