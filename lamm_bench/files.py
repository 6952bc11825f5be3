"""Writing files so that a crash never leaves half of one: used by the store, result files, the judge and the
leaderboard.

A full disk (or quota) is the user's to fix, not a bug: it is a :class:`~lamm_bench.errors.UserError` of one line
saying the disk is full and which file could not be written (:func:`disk_full`), and a write that fails leaves
neither a half-written file nor its temporary file behind.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from lamm_bench.errors import UserError

FULL = (errno.ENOSPC, errno.EDQUOT)
"""The errors of a full disk or an exhausted quota."""


def disk_full(exc: BaseException, path: object) -> UserError | None:
    """A one-line ``UserError`` when ``exc`` says the disk (or quota) is full while writing ``path``, else None."""
    if isinstance(exc, OSError) and exc.errno in FULL:
        return UserError(f"the disk is full: cannot write {path} ({exc.strerror or os.strerror(exc.errno)}); "
                         "free some space and run the same command again")  # fmt: skip
    return None


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file (UTF-8) as :func:`atomic_write_bytes` does."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that readers see either the old content or the whole new one, never a part; the temporary
    file (``.<name>.tmp<pid>`` in the same folder) is removed when the write fails.

    Raises:
        UserError: the disk is full (:func:`disk_full`); the old content, if any, is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        full = disk_full(exc, path)
        if full is not None:
            raise full from None
        raise
