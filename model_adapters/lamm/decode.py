"""Batched decoding for LAMM: left-padded inputs, a KV cache, and per-row greedy or nucleus sampling.

Each row keeps its own settings and seed: greedy rows take the arg-max; sampling rows filter the logits in
Hugging Face's order (``TemperatureLogitsWarper``, ``TopKLogitsWarper``, ``TopPLogitsWarper``): divide by the
temperature, keep the ``top_k`` best tokens (ties with the k-th kept; 0 = off), keep the smallest set whose
probability reaches ``top_p``, and draw from a generator seeded by the request, so a row's text does not depend on
which other requests share its batch. A row stops at ``</s>``, at ``###`` (the reference's stopping
criterion) or at one of its own stop strings, and after ``max_new_tokens``; the text is cut before the first
of its stop strings. The KV cache is static (allocated once for the prompt and the longest budget) or dynamic
(grown at every step): the same logits up to float rounding, at different speeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from lamm_bench.model_adapters.lamm.prompt import SEPARATOR, TokenLayout, cut_at_stop
from lamm_bench.records import GenerationSettings


@dataclass(frozen=True)
class Decoded:
    """One row's output."""

    text: str
    """Generated text, cut before the first stop string."""
    n_tokens: int
    """Tokens generated (including the stop tokens, excluding ``</s>``)."""


def _top_p_filter(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Mask (to -inf) the tail outside the nucleus of mass ``top_p``; always keeps the best token."""
    if top_p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, descending=False)
    cumulative = sorted_logits.softmax(-1).cumsum(-1)
    remove_sorted = cumulative <= (1 - top_p)
    remove_sorted[..., -1] = False
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))


def _top_k_filter(logits: torch.Tensor, top_k: int) -> torch.Tensor:
    """Mask (to -inf) every token below the ``top_k``-th best logit (0 or more than the vocabulary = off)."""
    if top_k <= 0 or top_k >= logits.shape[-1]:
        return logits
    kth = torch.topk(logits, top_k)[0][..., -1, None]
    return logits.masked_fill(logits < kth, float("-inf"))


def sampling_logits(logits: torch.Tensor, setting: GenerationSettings) -> torch.Tensor:
    """The filtered logits a sampling row draws from: temperature, then top-k, then top-p."""
    scaled = logits.float() / max(setting.temperature, 1e-5)
    return _top_p_filter(_top_k_filter(scaled, setting.top_k), setting.top_p)


def _pick(
    logits: torch.Tensor,
    settings: Sequence[GenerationSettings],
    generators: Sequence[torch.Generator | None],
    done: Sequence[bool],
) -> torch.Tensor:
    """Next token per row (finished rows get the arg-max and draw nothing)."""
    picks = logits.argmax(-1)
    for row, (setting, gen) in enumerate(zip(settings, generators)):
        if setting.do_sample and not done[row]:
            probs = sampling_logits(logits[row], setting).softmax(-1)
            picks[row] = torch.multinomial(probs.cpu(), 1, generator=gen).to(picks.device)[0]
    return picks


class StopWatch:
    """Whether a row's text has reached one of its stop strings, checking only the end of the text.

    Re-decoding a row's whole text at every step costs O(length) per token, O(length^2) per answer. A stop string
    that was not in the text before the last token must end in the characters the last tokens produced, and a
    character comes from at most 4 tokens (byte fallback), so decoding the last ``4 * len(longest stop) + 8``
    visible tokens finds exactly what decoding everything would, at a cost that does not grow with the length.
    """

    def __init__(self, tokenizer, stops: Sequence[str], known: dict[int, frozenset[str]] | None = None):
        self.tokenizer = tokenizer
        self.known = {} if known is None else known  # token -> the characters it writes, shared by a batch's rows
        self.stops = tuple(stop for stop in stops if stop)
        self.window = 4 * max((len(stop) for stop in self.stops), default=0) + 8
        self.hidden = {tokenizer.bos_id, tokenizer.eos_id, getattr(tokenizer, "unk_id", None)}
        self.visible: list[int] = []
        # A new stop ends in a character the last token wrote. When every stop string is ASCII, the characters a
        # token can write are its piece's own (a byte piece: its byte, when ASCII; completing a multi-byte character
        # writes a non-ASCII one), so a token that writes no stop's last character needs no decoding at all.
        processor = getattr(tokenizer, "processor", None)
        pure = processor is not None and all(stop.isascii() for stop in self.stops)
        self.ends = frozenset(stop[-1] for stop in self.stops) if pure else None

    def stopped(self, token: int) -> bool:
        """Add a generated token; True when the text now contains a stop string."""
        if token in self.hidden:  # decodes to nothing: the text is unchanged
            return False
        self.visible.append(token)
        del self.visible[: -self.window]
        if self.ends is not None and not self.ends & _writes(self.tokenizer.processor, token, self.known):
            return False
        tail = self.tokenizer.decode(self.visible)
        return any(stop in tail for stop in self.stops)


def _writes(processor, token: int, known: dict[int, frozenset[str]]) -> frozenset[str]:
    """The ASCII characters ``token`` can add to a decoded text: its piece's, ``▁`` read as a space, or a byte
    piece's byte when it is ASCII (``known``: the tokens looked up so far for this processor)."""
    found = known.get(token)
    if found is None:
        piece = processor.id_to_piece(token)
        if processor.is_byte(token):
            value = int(piece[3:-1], 16)
            found = frozenset({chr(value)} if value < 0x80 else ())
        else:
            found = frozenset(c for c in piece.replace("\u2581", " ") if c.isascii())
        known[token] = found
    return found


@torch.no_grad()
def generate(
    model,
    layouts: Sequence[TokenLayout],
    visual: torch.Tensor,
    settings: Sequence[GenerationSettings],
    seeds: Sequence[int],
    *,
    kv_cache: str = "dynamic",
    sources: Sequence[int] | None = None,
) -> list[Decoded]:
    """Generate a continuation for each layout.

    Args:
        model: A :class:`~lamm_bench.model_adapters.lamm.model.LammModel`.
        layouts: One generation layout per row.
        visual: ``[B, n_visual, hidden]`` projected visual tokens.
        settings: Decoding settings per row.
        seeds: Sampling seed per row (unused by greedy rows).
        kv_cache: ``static`` (``model.static_cache`` for the prompt plus the longest budget) or ``dynamic``.
        sources: Which visual input each row shows (equal ints: the same visual tokens), for rows to share their
            common prefix's forward (``model.prefill``); None: every row runs its whole prompt.

    Returns:
        One :class:`Decoded` per row, in order.
    """
    tok = model.tokenizer
    generators = [
        torch.Generator().manual_seed(int(seed)) if s.do_sample else None for s, seed in zip(settings, seeds)
    ]
    limit = max((s.max_new_tokens for s in settings), default=0)
    # The prompt, then at most limit - 1 fed tokens (the last pick is never fed back).
    logits, past, mask, positions = model.prefill(layouts, visual, sources, budget=limit, kv_cache=kv_cache)
    rows = len(layouts)
    tokens: list[list[int]] = [[] for _ in range(rows)]
    known: dict[int, frozenset[str]] = {}
    watches = [StopWatch(tok, (SEPARATOR, *s.stop), known) for s in settings]
    done = [s.max_new_tokens <= 0 for s in settings]
    for _ in range(limit):
        picks = _pick(logits[:, -1], settings, generators, done).tolist()
        for row in range(rows):  # O(batch) per step: each row checks only the tail of its text
            if done[row]:
                continue
            if picks[row] == tok.eos_id:
                done[row] = True
                continue
            tokens[row].append(picks[row])
            if watches[row].stopped(picks[row]) or len(tokens[row]) >= settings[row].max_new_tokens:
                done[row] = True
        if all(done):
            break
        # Finished rows keep feeding </s> so the batch stays rectangular; their outputs are no longer read.
        feed = torch.tensor([[p if not d else tok.eos_id] for p, d in zip(picks, done)], device=mask.device)
        mask = torch.cat([mask, mask.new_ones(rows, 1)], dim=1)
        positions = positions[:, -1:] + 1
        step = model.embed_ids(feed)
        logits, past = model.forward_logits(step, mask, positions, past=past, keep=1)
    return [Decoded(text=cut_at_stop(tok.decode(ids), s.stop), n_tokens=len(ids)) for ids, s in zip(tokens, settings)]
