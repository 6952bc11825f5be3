"""Asking an adapter a list of requests: length-sorted batches, each batch's answers stored as they come back.

The one loop through which every model call goes (the runner's stages and the judge's verdicts): it cuts
batches and calls the adapter with each batch and its media: decoded for an adapter that asks for them
(``media = DECODED``, see :mod:`lamm_bench.adapter`; the next batch's in a background thread while the model works
on this one, when ``prefetch`` is on), None for the others. It appends every answer (failed ones too, so a rerun
asks them again) to the store, backs off on GPU out-of-memory with ``auto`` batch sizes, and counts requests,
tokens and seconds.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from lamm_bench.adapter import Adapter, wants_decoded_media
from lamm_bench.media import Media, decode_media
from lamm_bench.records import Request, Response
from lamm_bench.store import PredictionStore, StoredResponse

log = logging.getLogger(__name__)

AUTO_BATCH_START = 64
"""``--batch-size auto`` tries this many requests per call first, then halves on every out-of-memory."""

Identity = Callable[[Request], "str | None"]
"""What makes two requests the same question (stored with each answer; see ``plan.request_identity``)."""


def new_stats(batch_size: int | str) -> dict[str, Any]:
    """Fresh counters for :func:`answer_batches` (``batch_size``: the setting; ``auto`` starts at
    :data:`AUTO_BATCH_START`)."""
    start = AUTO_BATCH_START if batch_size == "auto" else batch_size
    return {"new_requests": 0, "inference_seconds": 0.0, "new_tokens": 0, "batch_size": start}


def make_batches(requests: Sequence[Request], size: int) -> list[list[Request]]:
    """Length-sorted batches (longest first) so padding is minimal and an out-of-memory shows in the first batch;
    requests of different kinds never share a batch. Requests about the same media stay next to each other (placed
    by their longest text), so that a batch holds the questions a figure is asked together (LSP asks 14) and a model
    can run their common prompt prefix once."""
    def order(r: Request):
        return (-len(r.text), r.sample_id, r.key)

    groups: dict[tuple, list[Request]] = {}
    for r in requests:
        groups.setdefault((r.kind, r.images, r.point_cloud), []).append(r)
    for group in groups.values():
        group.sort(key=order)
    ordered = [r for group in sorted(groups.values(), key=lambda g: (g[0].kind, *order(g[0]))) for r in group]
    out: list[list[Request]] = []
    for r in ordered:
        if out and len(out[-1]) < size and out[-1][0].kind == r.kind:
            out[-1].append(r)
        else:
            out.append([r])
    return out


def unanswered(
    requests: Sequence[Request], stored: Mapping[tuple[str, str], StoredResponse], identity: Identity
) -> list[Request]:
    """The requests with no stored successful answer to that very request (same identity): what a resume asks."""
    done = {key: entry.request for key, entry in stored.items() if entry.error is None}
    return [r for r in requests if (r.sample_id, r.key) not in done or done[(r.sample_id, r.key)] != identity(r)]


def call_adapter(adapter: Adapter, batch: Sequence[Request], media: Media | None = None) -> list[Response]:
    """One adapter call (``media``: the batch's decoded media for an adapter that asked, else None)."""
    method = adapter.generate if batch[0].kind == "generate" else adapter.score_choices
    responses = method(batch, media)
    if len(responses) != len(batch):
        raise RuntimeError(f"adapter returned {len(responses)} responses for {len(batch)} requests")
    return list(responses)


def _is_out_of_memory(exc: BaseException) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(exc, torch.cuda.OutOfMemoryError)


def _back_off(batch: list[Request], later: list[list[Request]], stats: dict) -> list[list[Request]]:
    """After an out-of-memory on ``batch``: halve the batch size and re-cut it and every later batch."""
    size = max(1, len(batch) // 2)
    stats["batch_size"] = size
    log.warning("out of memory at batch size %d; retrying the same requests with batch size %d", len(batch), size)
    torch = sys.modules["torch"]
    torch.cuda.empty_cache()
    return make_batches([r for b in (batch, *later) for r in b], size)


class _Decoder:
    """Decoded media for the batches in order: none for an adapter that did not ask; else decoded on demand, or
    (prefetch) the next batch's in a background thread. A decoding error surfaces when its batch is asked."""

    def __init__(self, wanted: bool, prefetch: bool):
        self.wanted = wanted
        self.pool = ThreadPoolExecutor(max_workers=1) if wanted and prefetch else None
        self.ahead: tuple[list[Request], Future] | None = None

    def media_for(self, batch: list[Request], upcoming: list[Request] | None) -> Media | None:
        if not self.wanted:
            return None
        if self.pool is None:
            return decode_media(batch)
        if self.ahead is None or self.ahead[0] is not batch:  # the first batch, or batches re-cut after an OOM
            if self.ahead is not None:
                self.ahead[1].cancel()
            self.ahead = (batch, self.pool.submit(decode_media, batch))
        media = self.ahead[1].result()  # re-raises a decoding error here, when its batch is asked
        self.ahead = (upcoming, self.pool.submit(decode_media, upcoming)) if upcoming else None
        return media

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def answer_batches(
    adapter: Adapter, batches: Sequence[list[Request]], store: PredictionStore, stats: dict[str, Any], *,
    identity: Identity, auto: bool = False, prefetch: bool = True,
    progress: Callable[[str, int, int], None] | None = None, label: str = "",
) -> None:  # fmt: skip
    """Call the adapter batch by batch, storing each batch's answers as soon as they come back.

    With ``auto``, a batch that runs out of GPU memory is not stored at all; it and every later batch are re-cut
    at half the size and asked again, so no answer is lost or duplicated.
    """
    total, answered = sum(len(b) for b in batches), 0
    queue = list(batches)
    decoder = _Decoder(wants_decoded_media(adapter), prefetch)
    try:
        while queue:
            batch = queue.pop(0)
            media = decoder.media_for(batch, queue[0] if queue else None)
            start = time.perf_counter()
            try:
                responses = call_adapter(adapter, batch, media)
            except Exception as exc:
                if not auto or len(batch) == 1 or not _is_out_of_memory(exc):
                    raise
                queue = _back_off(batch, queue, stats)
                continue
            stats["inference_seconds"] += time.perf_counter() - start
            stats["new_requests"] += len(batch)
            stats["new_tokens"] += sum(r.n_tokens or 0 for r in responses)
            store.append(StoredResponse.of(q.sample_id, q.key, r, identity(q)) for q, r in zip(batch, responses))
            answered += len(batch)
            if progress:
                progress(label, answered, total)
    finally:
        decoder.close()
