"""The cache of the built-in tiny models: where it is, how an entry is keyed, built once and verified on every use.

An entry is one folder ``<cache>/<kind>-<key>/`` whose key is a hash of everything that decides its content. It is
built in a temporary folder beside it and renamed into place when complete, under an exclusive file lock
(``<cache>/.locks/<name>.lock``), so two processes -- torchrun ranks, parallel test workers -- never build it twice
and never see half of it. The last file written is ``manifest.json``: the key's payload and the SHA-256 of every
file. An entry whose manifest is missing or whose files do not match it (deleted, truncated, edited) is rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

logger = logging.getLogger(__name__)

CACHE_ENV = "LAMM_BENCH_CACHE"
"""Environment variable naming the cache folder."""
DEFAULT_CACHE = "~/.cache/lamm-bench"
"""The cache folder when ``$LAMM_BENCH_CACHE`` is not set."""
MANIFEST = "manifest.json"


def cache_root(explicit: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``explicit``, else ``$LAMM_BENCH_CACHE``, else ``~/.cache/lamm-bench``."""
    env = os.environ if environ is None else environ
    return Path(explicit or env.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


def key_of(payload: Mapping[str, object]) -> str:
    """The first 16 hex digits of the SHA-256 of ``payload`` as sorted JSON."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fingerprint(path: Path, digest: bool) -> str:
    return file_digest(path) if digest else f"size:{path.stat().st_size}"


def _files(folder: Path, digest: bool) -> dict[str, str]:
    return {str(p.relative_to(folder)): _fingerprint(p, digest) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST}  # fmt: skip


def is_complete(folder: Path, payload: Mapping[str, object]) -> bool:
    """Whether ``folder`` holds a finished entry for ``payload`` with every file as it was written (same SHA-256,
    or for an entry made with ``digest=False``, same size)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("payload") != json.loads(json.dumps(payload)):
        return False
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return False
    try:
        return all(_fingerprint(folder / name, not str(seen).startswith("size:")) == seen
                   for name, seen in files.items())  # fmt: skip
    except OSError:
        return False


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if needed) for the block; other processes wait."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def ensure_entry(
    folder: Path, payload: Mapping[str, object], build: Callable[[Path], None], *, digest: bool = True
) -> Path:
    """Return ``folder`` once it holds a complete entry for ``payload``, building it with ``build(staging)`` first
    if it does not (or if it is damaged).

    Args:
        folder: The entry, ``<cache>/<kind>-<key>``.
        payload: What the key was computed from (stored in the manifest and compared on every use).
        build: Writes the entry's files into the empty staging folder it is given.
        digest: Check files by SHA-256 on every use (weights: a few MB); False checks sizes only (data: thousands
            of media files, where a damaged one is reported by whoever reads it).
    """
    if is_complete(folder, payload):
        return folder
    with locked(folder.parent / ".locks" / f"{folder.name}.lock"):
        if is_complete(folder, payload):  # another process built it while this one waited
            return folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            build(staging)
            manifest = {"payload": payload, "files": _files(staging, digest)}
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            if folder.exists():
                logger.warning("rebuilding the damaged or stale cache entry %s", folder)
                shutil.rmtree(folder)
            staging.chmod(0o755)  # mkdtemp's folder is private; the cache is the user's
            os.rename(staging, folder)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return folder
