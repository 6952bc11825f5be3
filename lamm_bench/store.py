"""The append-only prediction store that makes runs resumable.

One JSONL file per (model fingerprint, task fingerprint, seed, rank); one line per answered request, keyed by
sample id and request key, appended and flushed (and fsync'ed) after every batch. Killing a run loses at most the
batch in flight; a torn last line (the process died mid-write) is ignored, and cut off once, before this
process's first append (reading back from the end only as far as the last newline); later appends only append,
so the cost of an append does not grow with the store. Failed requests are stored too, but do not count as done,
so a re-run retries them. Any complete line that is not a store record (a hand-edited or foreign file) is a
``UserError`` naming the file and line, never skipped silently nor a traceback.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from lamm_bench.errors import UserError
from lamm_bench.files import disk_full
from lamm_bench.jsoncheck import load_json
from lamm_bench.records import Response

log = logging.getLogger(__name__)

_TAIL_BLOCK = 1 << 16
"""Bytes read per step when looking back from the end of a store for its last newline."""


@dataclass(frozen=True)
class StoredResponse:
    """One answered request as kept in the store."""

    sample_id: str
    key: str
    text: str
    error: str | None = None
    n_tokens: int | None = None
    option_scores: list[float] | None = None
    request: str | None = None
    """Identity of the request this answers (``plan.request_identity``): an answer is reused only for the very
    same request (text, system message, options, decoding), so a changed label set never mixes answers."""

    @classmethod
    def of(cls, sample_id: str, key: str, response: Response, request: str | None = None) -> StoredResponse:
        scores = list(response.option_scores) if response.option_scores is not None else None
        return cls(sample_id, key, response.text, response.error, response.n_tokens, scores, request)


class PredictionStore:
    """A JSONL file of ``StoredResponse`` lines."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._tail_cut = False  # set by the first append: from then on this process's appends end in "\n"

    def latest(self) -> dict[tuple[str, str], StoredResponse]:
        """The latest stored response per (sample id, key), failed or not; a torn last line is ignored.

        Raises:
            UserError: the store cannot be read, or a complete line is not a store record (hand-edited, or
                written by something else), naming the file, the line and what is wrong.
        """
        latest: dict[tuple[str, str], StoredResponse] = {}
        if not self.path.exists():
            return latest
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise UserError(f"store {self.path}: cannot be read ({exc.strerror or exc})") from None
        # The last element is b"" after a complete final line, or a torn fragment: ignore it either way.
        for number, line in enumerate(data.split(b"\n")[:-1], start=1):
            entry = _parse_line(line, where=f"store {self.path} line {number}")
            latest[(entry.sample_id, entry.key)] = entry
        return latest

    def read(self) -> dict[tuple[str, str], StoredResponse]:
        """The successful responses by (sample id, key): a request whose latest response failed is not done."""
        return {k: v for k, v in self.latest().items() if v.error is None}

    def read_failures(self) -> dict[tuple[str, str], StoredResponse]:
        """Requests whose latest stored response is a failure."""
        return {k: v for k, v in self.latest().items() if v.error is not None}

    def _cut_torn_tail(self) -> None:
        """Truncate a torn last line, reading backwards from the end only as far as the last newline."""
        if not self.path.exists():
            return
        with self.path.open("rb+") as fh:
            end = fh.seek(0, os.SEEK_END)
            position = end
            while position > 0:
                start = max(0, position - _TAIL_BLOCK)
                fh.seek(start)
                block = fh.read(position - start)
                newline = block.rfind(b"\n")
                if newline >= 0:
                    position = start + newline + 1
                    break
                position = start
            if position < end:
                log.warning("%s: torn last line (%d bytes) cut off", self.path, end - position)
                fh.truncate(position)

    def append(self, entries: Iterable[StoredResponse]) -> None:
        """Append entries durably (flush + fsync), one JSON line each.

        The first append of this store object cuts a torn tail; later ones never read the file.
        """
        payload = "".join(json.dumps(asdict(e), ensure_ascii=False) + "\n" for e in entries)
        if not payload:
            return
        if not self._tail_cut:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._cut_torn_tail()
            self._tail_cut = True
        try:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException as exc:
            self._tail_cut = False  # a write that failed half-way may have left a torn line: look again next time
            full = disk_full(exc, self.path)
            if full is not None:
                raise full from None
            raise


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "sample_id": (str,), "key": (str,), "text": (str,), "error": (str, type(None)), "n_tokens": (int, type(None)),
    "option_scores": (list, type(None)), "request": (str, type(None)),
}  # fmt: skip


def _parse_line(line: bytes, *, where: str) -> StoredResponse:
    """One store line as a record, or a UserError saying what is wrong with it."""
    hint = "delete that line to ask its request again, or the file to start over"
    try:
        raw = load_json(line, where)  # not UTF-8, not JSON, or nested too deeply
    except UserError as exc:
        raise UserError(f"{exc}; {hint}") from None
    if not isinstance(raw, dict):
        raise UserError(f"{where}: expected a JSON object, found {type(raw).__name__}; {hint}")
    for name, value in raw.items():
        kinds = _FIELD_TYPES.get(name)
        if kinds is not None and (not isinstance(value, kinds) or isinstance(value, bool)):
            raise UserError(f"{where}: field {name!r} should be {' or '.join(k.__name__ for k in kinds)}, "
                            f"found {type(value).__name__}; {hint}")  # fmt: skip
    if isinstance(raw.get("n_tokens"), int) and raw["n_tokens"] < 0:
        raise UserError(f"{where}: field 'n_tokens' should not be negative, found {raw['n_tokens']}; {hint}")
    scores = raw.get("option_scores")
    if scores is not None and not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scores):
        raise UserError(f"{where}: field 'option_scores' should be a list of numbers; {hint}")
    try:
        return StoredResponse(**raw)
    except TypeError as exc:  # a missing or unknown field
        raise UserError(f"{where}: not a store record ({exc}); {hint}") from None
