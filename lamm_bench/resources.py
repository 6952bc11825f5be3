"""System resources that a task's scoring needs, checked while preparing a run, before any weight loads.

Scoring runs after inference; a missing WordNet (the paper protocol's synonym matching) or Java (pycocoevalcap's
PTB tokenizer and METEOR) found only then would cost the whole GPU run. Tasks declare what they need in
``TaskSpec.requires``; ``check_resources`` turns a missing one into a one-line ``UserError`` naming the tasks.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence

from lamm_bench.errors import UserError
from lamm_bench.task import TaskSpec


def _wordnet_problem() -> str | None:
    from lamm_bench.parsing.lexicon import wordnet

    try:
        wordnet()
    except UserError as exc:
        return str(exc)
    return None


def _java_problem() -> str | None:
    if shutil.which("java") is None:
        return ("Java on PATH for the COCO caption metrics (pycocoevalcap's PTB tokenizer and METEOR), and java "
                "was not found: install a JRE (apt-get install default-jre-headless)")  # fmt: skip
    return None


CHECKS: dict[str, Callable[[], str | None]] = {"wordnet": _wordnet_problem, "java": _java_problem}
"""Resource name -> a check returning what is wrong, or None when the resource is there."""


def check_resources(specs: Sequence[TaskSpec]) -> None:
    """Raise ``UserError`` if a resource that one of the tasks needs is missing (or unknown)."""
    needed: dict[str, list[str]] = {}
    for spec in specs:
        for resource in spec.requires:
            needed.setdefault(resource, []).append(spec.name)
    for resource, names in needed.items():
        if resource not in CHECKS:
            raise UserError(f"task {names[0]!r} requires an unknown resource {resource!r} (known: {', '.join(CHECKS)})")
        problem = CHECKS[resource]()
        if problem:
            raise UserError(f"task {', '.join(names)} cannot be scored: {problem}")
