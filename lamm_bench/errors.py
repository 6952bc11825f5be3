"""Error types that separate a user's mistake (exit 2, one line) from a bug (exit 1).

Everything a user can cause -- a missing data root, a malformed meta file, an unknown task, missing weights --
raises :class:`UserError` with a message that names the file or name and what is wrong. The CLI prints that
message on one line and exits 2; any other exception is a bug.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(Exception):
    """A problem with the user's input; the message is shown as-is, on one line."""


class UnknownNameError(UserError):
    """An unknown task, model or adapter name, with close matches suggested."""

    def __init__(self, kind: str, name: str, known: Iterable[str]):
        known = sorted(set(known))
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        listing = "" if close else f"; known: {', '.join(known)}"
        super().__init__(f"unknown {kind} {name!r}{hint}{listing}")
        self.name = name


class RankFailure(Exception):
    """Under ``torchrun``, another rank stopped (died or failed) before finishing its shard. Not the user's mistake
    and not a bug here: exit 1 with one line; the answers every rank stored are kept for the rerun."""


class MissingWeightsError(UserError):
    """Model weights were not found where they were looked for."""


def one_line(message: str) -> str:
    """Collapse a message onto one line (the CLI contract for user errors)."""
    return " ".join(str(message).split())
