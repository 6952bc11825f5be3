"""Checks of what a command is given, made when it enters and before any weight loads (issue 23).

Numbers are checked against the range the code below them can take (a seed NumPy can use, a port that exists, a
finite positive scale), output folders are checked writable before a model loads (a read-only, unwritable or
file-instead-of-folder ``--out`` is one line, exit 2, not a traceback after the first batch), and adapter arguments
lose any credential before they are recorded in a result file (:func:`recorded_args`). Each refusal is a
:class:`~lamm_bench.errors.UserError` of one line naming the option and the value.
"""

from __future__ import annotations

import math
import os
import tempfile
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lamm_bench.errors import UserError

SEED_MAX = 2**32 - 1
"""The largest seed: NumPy's legacy ``np.random.seed`` (which the runner seeds) takes 0 .. 2**32 - 1."""
PORT_MAX = 65535

SECRET_ARG_SUFFIXES = ("api_key", "apikey", "token", "password", "passwd", "secret")
"""An adapter argument whose name ends with one of these holds a credential: it is recorded as ``"<hidden>"``."""
HIDDEN = "<hidden>"


def check_int_range(value: int, what: str, low: int, high: int | None = None) -> int:
    """``value`` when ``low <= value <= high`` (no upper bound when ``high`` is None), else one line naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise UserError(f"{what} must be an integer {bound}, got {value!r}")
    return value


def check_seed(seed: int, what: str = "--seed") -> int:
    """A seed every generator the runner seeds can take: 0 .. 2**32 - 1."""
    return check_int_range(seed, what, 0, SEED_MAX)


def check_port(port: int) -> int:
    """A TCP port, or 0 for any free one."""
    return check_int_range(port, "--port", 0, PORT_MAX)


def check_positive_number(value: float, what: str) -> float:
    """``value`` when it is a finite number above 0 (not NaN, not infinite), else one line naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise UserError(f"{what} must be a finite number above 0, got {value!r}")
    return value


def check_output_folder(out: Path, subfolders: Iterable[str] = ()) -> None:
    """Prove ``out`` and ``out/<sub>`` for each of ``subfolders`` writable, so a run that cannot write its store or
    results fails before any model loads: each is created if missing and a probe file is created in it and removed.
    Folders created for the check are removed again (a refused run leaves nothing behind).

    Raises:
        UserError: ``out`` (or a subfolder) is a file, or cannot be created or written (read-only file system, no
            permission, full disk), naming the folder and the reason.
    """
    out = Path(out)
    created: list[Path] = []
    try:
        for folder in (out, *(out / sub for sub in subfolders)):
            if folder.exists() and not folder.is_dir():
                raise UserError(f"--out: {folder} is a file, not a folder")
            try:
                _probe(folder, created)
            except OSError as exc:
                raise UserError(f"--out: cannot write to {folder} ({exc.strerror or exc})") from None
    finally:
        for path in reversed(created):
            try:
                path.rmdir()
            except OSError:
                pass


def _probe(folder: Path, created: list[Path], tries: int = 5) -> None:
    """Create ``folder`` (and missing parents, recorded in ``created``) and a probe file in it. Ranks of one
    ``torchrun`` check the same folders at once: a folder another process made first is not an error, and one it
    removed again (its own check done) between our ``mkdir`` and our probe is made again."""
    for attempt in range(tries):
        for path in reversed([p for p in (folder, *folder.parents) if not p.exists()]):
            try:
                path.mkdir()
                created.append(path)
            except FileExistsError:
                if not path.is_dir():
                    raise
        try:
            handle, probe = tempfile.mkstemp(prefix=".lamm-bench-probe.", dir=folder)
        except FileNotFoundError:
            if attempt == tries - 1:
                raise
            continue
        os.close(handle)
        os.unlink(probe)
        return


def public_url(url: str) -> str:
    """``url`` without user info, query or fragment (where credentials hide), and without a trailing ``/``.

    An address that cannot be parsed (a malformed IPv6 host or port) comes back as ``"<unparsable URL>"``, never as
    itself: it may hold a credential too.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparsable URL>"
    netloc = f"{host}:{port}" if port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _carries_credential(value: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(value)
        if not (parts.scheme and parts.netloc):
            return False
        return bool(parts.username or parts.password or parts.query or parts.fragment)
    except ValueError:
        return "://" in value


def recorded_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Adapter arguments as a result file may record them: a value that is a URL with user info, a query or a
    fragment (``https://user:pass@host/v1``, ``...?api-key=...``, ``...#token``) keeps only scheme, host, port and
    path (:func:`public_url`); an argument named like a credential (:data:`SECRET_ARG_SUFFIXES`) is
    :data:`HIDDEN`. Everything else is recorded as given."""
    out: dict[str, Any] = {}
    for key, value in args.items():
        if str(key).lower().replace("-", "_").endswith(SECRET_ARG_SUFFIXES):
            out[key] = HIDDEN
        elif isinstance(value, str) and _carries_credential(value):
            out[key] = public_url(value)
        else:
            out[key] = value
    return out
