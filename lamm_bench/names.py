"""The names lamm-bench turns into file and folder names: which are allowed, decided once.

A model name (``--name``, a card, a result file's ``model.name``) and a task name (a registered task, a result
file's ``task.name``) become folders and files under the output folder (``results/<model>/<task>.json``,
``store/<model>/<task>/``, ``predictions/<model>/<task>.html``) and appear in the README's tables, the chart and the
site. So every name that enters -- from the command line, a plugin, or a result file read back -- passes
:func:`check_name`: letters, digits and ``. _ + -``, starting with a letter or digit, at most :data:`MAX_LENGTH`
characters, and none of the leaderboard's own file names. Such a name cannot leave its folder, cannot forge a
markdown row, and is plain text in HTML and to matplotlib.
"""

from __future__ import annotations

import re

from lamm_bench.errors import UserError

MAX_LENGTH = 100
"""Longest name: far below any file system's limit on one path component (255 bytes), with room for suffixes."""
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
"""The allowed alphabet: ``llava-1.5-7b``, ``Qwen2-VL-7B-Instruct``, ``lamm-tiny``, ``scienceqa-chef``."""
RESERVED = frozenset({"media", "site.css", "browser.js", "index.js", "index.html", "README.md", "chart.png"})
"""Names of the leaderboard's own files and folders beside the per-model folders (``predictions/media``, ...)."""


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a model or task name, or None when it can."""
    if not isinstance(name, str):
        return f"should be a string, not {type(name).__name__}"
    if not name:
        return "is empty"
    if len(name) > MAX_LENGTH:
        return f"is {len(name)} characters long (at most {MAX_LENGTH})"
    if not NAME.fullmatch(name):
        return "may use only letters, digits and . _ + - (starting with a letter or digit)"
    if name in RESERVED or name.endswith("."):
        return "is one of the leaderboard's own file names" if name in RESERVED else "may not end with '.'"
    return None


def check_name(name: object, what: str) -> str:
    """``name`` itself when it is allowed (see the module docstring).

    Args:
        name: The name to check.
        what: What it names and where it came from, for the message (``"--name"``,
            ``"model name in results/x/y.json"``).

    Raises:
        UserError: one line saying what is wrong with it.
    """
    problem = name_problem(name)
    if problem is not None:
        shown = repr(name)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise UserError(f"{what} {shown} {problem}")
    return name  # type: ignore[return-value]
