"""Choice scoring for the ``hf`` adapter: an option's score is the mean log-prob of its own tokens (not the prompt's,
not the ``assistant_prefix``'s or the answer template's), which is LAMM's PPL score.

Each option's sequence is the chat-templated prompt with the assistant turn ``assistant_prefix`` + the filled answer
template (ChEF's templates end with ``{}``: the option is the turn's last text). ``shared`` scoring runs the
tokens every option's sequence starts with -- the prompt with its images, up to where the options differ -- once,
repeats that KV cache over the options and runs only the rest of each; ``naive`` scoring runs every sequence whole
(right-padded, so positions need no correction). Both give the same scores; ``shared`` falls back to ``naive`` for a
request whose image tokens would not all be in the shared prefix, and for a model whose text attends to the
pictures through a per-token cross-attention mask (Mllama).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from lamm_bench.errors import UserError
from lamm_bench.media import Media
from lamm_bench.model_adapters._common import chunks
from lamm_bench.model_adapters.hf.impl import LoadedModel, encode_inputs, render_prompt
from lamm_bench.records import Request, Response, fill_option

MEDIA_TOKEN_KEYS = ("image_token_id", "image_token_index", "video_token_id", "vision_start_token_id",
                    "vision_end_token_id")  # fmt: skip
"""Config keys naming the tokens that stand for pictures: a shared prefix must hold every one of them."""


@dataclass(frozen=True)
class Scored:
    """One option's whole text and how many of its last tokens are the option's."""

    text: str
    n_option_tokens: int


def option_sequences(loaded: LoadedModel, request: Request, add_special: bool = True) -> list[Scored]:
    """Each option's full text (prompt + ``assistant_prefix`` + the filled template) and how many trailing tokens are
    the option's. The count is the token length beyond the longest common prefix with the text before the option,
    so a token that straddles the boundary counts as the option's."""
    if not request.option_template.endswith("{}"):
        raise UserError(f"sample {request.sample_id!r}: the hf adapter scores options at the end of the answer; "
                        f"template {request.option_template!r} has text after its {{}}")  # fmt: skip
    scored = []
    for option in request.options:
        option_text = option.rstrip()
        if not option_text.strip():
            raise UserError(f"sample {request.sample_id!r}: empty choice option in {request.options!r}")
        full = render_prompt(loaded, request, request.assistant_prefix + fill_option(request.option_template, option))
        if not full.endswith(option_text):
            raise UserError(f"sample {request.sample_id!r}: the chat template altered option {option!r}")
        context = full[: len(full) - len(option_text)]
        full_ids = loaded.tokenizer(full, add_special_tokens=add_special)["input_ids"]
        context_ids = loaded.tokenizer(context, add_special_tokens=add_special)["input_ids"]
        scored.append(Scored(text=full, n_option_tokens=len(full_ids) - _common(full_ids, context_ids)))
    return scored


def _common(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def score_choices(
    loaded: LoadedModel, requests: Sequence[Request], batch_size: int | None, media: Media | None = None
) -> list[Response]:
    """Score every option of every request; the response text is the best-scoring option (the first of equals)."""
    scores: list[list[float] | None] = [None] * len(requests)
    naive: list[tuple[int, Scored]] = []
    for index, request in enumerate(requests):
        if not request.options:
            raise UserError(f"sample {request.sample_id!r}: a choice request needs options")
        sequences = option_sequences(loaded, request, _adds_special(loaded, request))
        if request.choice_scoring == "shared":
            scores[index] = _score_shared(loaded, request, sequences, media)
        if scores[index] is None:
            naive += [(index, s) for s in sequences]
    flat: list[float] = []
    for chunk in chunks(naive, batch_size or max(1, len(requests))):
        flat += _score_batch(loaded, [requests[i] for i, _ in chunk], [s for _, s in chunk], media)
    for (index, _), score in zip(naive, flat):
        scores[index] = [*(scores[index] or []), score]
    responses = []
    for request, mine in zip(requests, scores):
        best = max(range(len(mine)), key=mine.__getitem__)  # type: ignore[arg-type]
        responses.append(Response(text=request.options[best], option_scores=tuple(mine)))  # type: ignore[arg-type]
    return responses


def _adds_special(loaded: LoadedModel, request: Request) -> bool:
    bos = loaded.tokenizer.bos_token
    return not (bos and render_prompt(loaded, request).startswith(bos))


def _log_probs(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Mean log-prob of ``targets`` under the rows of ``logits`` (one row per target); ``-inf`` for no target (an
    option the tokenizer writes with no tokens of its own, e.g. a character outside its vocabulary: never chosen,
    as in the ``lamm`` adapter)."""
    if targets.numel() == 0:
        return float("-inf")
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    return log_probs.gather(1, targets.unsqueeze(1)).mean().item()


def _score_batch(loaded: LoadedModel, batch: Sequence[Request], seqs: Sequence[Scored], media: Media | None) -> list[float]:
    """The naive path: every sequence whole, right-padded."""
    inputs = encode_inputs(loaded, [s.text for s in seqs], batch, "right", media)
    lengths = inputs["attention_mask"].sum(dim=1).tolist()
    width = inputs["input_ids"].shape[1]
    # Logits are needed only from the first predicting position of any row's option to the end.
    keep = max(width - length + s.n_option_tokens for length, s in zip(lengths, seqs)) + 1
    kwargs = {"logits_to_keep": keep} if loaded.keeps_logits else {}
    with torch.inference_mode():
        logits = loaded.model(**inputs, **kwargs).logits
    offset = width - logits.shape[1]
    scores = []
    for row, (length, seq) in enumerate(zip(lengths, seqs)):
        targets = inputs["input_ids"][row, length - seq.n_option_tokens : length]
        start = length - seq.n_option_tokens - 1 - offset
        scores.append(_log_probs(logits[row, start : start + seq.n_option_tokens], targets))
    return scores


def _media_token_ids(loaded: LoadedModel) -> set[int]:
    config = loaded.model.config
    return {v for k in MEDIA_TOKEN_KEYS if isinstance(v := getattr(config, k, None), int)}


def _score_shared(loaded: LoadedModel, request: Request, seqs: Sequence[Scored], media: Media | None) -> list[float] | None:
    """The shared path for one request; None when its picture tokens are not all in the shared prefix."""
    inputs = encode_inputs(loaded, [s.text for s in seqs], [request] * len(seqs), "right", media)
    ids, lengths = inputs["input_ids"], inputs["attention_mask"].sum(dim=1).tolist()
    rows = [ids[k, : lengths[k]].tolist() for k in range(len(seqs))]
    shared = min(min(_common(rows[0], row) for row in rows), *(n - s.n_option_tokens for n, s in zip(lengths, seqs)))
    pictures = _media_token_ids(loaded)
    # Cross-attention to the pictures (Mllama) is masked per text token by an input the cache does not carry.
    if shared < 1 or any(t in pictures for row in rows for t in row[shared:]) or "cross_attention_mask" in inputs:
        return None
    prefix = encode_inputs(loaded, [seqs[0].text], [request], "right", media)
    length = prefix["input_ids"].shape[1]
    for key, value in prefix.items():  # every per-token input (ids, mask, a processor's token types) is cut
        if isinstance(value, torch.Tensor) and value.dim() >= 2 and value.shape[1] == length:
            prefix[key] = value[:, :shared]
    cache_arg = "cache" if "cache" in inspect.signature(loaded.model.forward).parameters else "past_key_values"
    keep = {"logits_to_keep": 1} if loaded.keeps_logits else {}
    _forget_rope_deltas(loaded.model)
    with torch.inference_mode():
        head = loaded.model(**prefix, use_cache=True, **keep)
        last = head.logits[0, -1]  # predicts each continuation's first token
        cache = getattr(head, cache_arg)
        cache.batch_repeat_interleave(len(seqs))
        width = max(n - shared for n in lengths)
        rest = torch.full((len(seqs), width), loaded.tokenizer.pad_token_id or 0, dtype=ids.dtype, device=ids.device)
        for k, n in enumerate(lengths):
            rest[k, : n - shared] = ids[k, shared:n]
        # No attention mask: the prefix has no padding and each continuation's padding comes after its own tokens,
        # which causal attention never looks at; positions then simply continue from the cache's length (1D RoPE,
        # and M-RoPE through the deltas the prefix's forward stored).
        logits = loaded.model(input_ids=rest, use_cache=True, **{cache_arg: cache}).logits
    scores = []
    for k, (n, seq) in enumerate(zip(lengths, seqs)):
        start = n - seq.n_option_tokens  # the option's first token; predicted by the position before it
        predicting = [last if p == shared - 1 else logits[k, p - shared] for p in range(start - 1, n - 1)]
        scores.append(_log_probs(torch.stack(predicting), ids[k, start:n]) if predicting else float("-inf"))
    return scores


def _forget_rope_deltas(model) -> None:
    """M-RoPE models (Qwen2-VL, ...) keep the last prefill's position deltas on the module and apply them to every
    cached continuation; a text-only prefix computes none, so it would inherit another request's. Start clean."""
    for module in (model, getattr(model, "model", None)):
        if module is not None and hasattr(module, "rope_deltas"):
            module.rope_deltas = None
