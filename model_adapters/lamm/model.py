"""The LAMM model: a visual encoder, ``llama_proj`` and the LoRA-adapted LLaMA, run on token layouts.

``build_model`` assembles it from the resolved weight files (CLIP tower or EPCL encoder, base LLM, peft LoRA
r/alpha from the config with dropout 0.1 on q/k/v/o, the delta checked key by key), optionally merges LoRA,
and casts everything to one dtype on one device as the reference's ``.half().cuda()`` did. The methods take
:class:`~lamm_bench.model_adapters.lamm.prompt.TokenLayout` objects, so the text layout stays in ``prompt.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
from collections.abc import Sequence

import torch
from torch import nn

from lamm_bench.errors import UserError
from lamm_bench.model_adapters.lamm.config import LammConfig, WeightPaths
from lamm_bench.model_adapters.lamm.prompt import ChoiceLayout, TokenLayout

logger = logging.getLogger(__name__)

LORA_DROPOUT = 0.1


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; a CUDA device always gets an explicit index."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    if device.type != "cuda":
        return device
    if not torch.cuda.is_available():
        raise UserError(f"adapter 'lamm': device={name} but CUDA is not available here (use device=cpu)")
    return torch.device("cuda", torch.cuda.current_device() if device.index is None else device.index)


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """``auto`` -> float16 on CUDA (the reference ran ``.half()``), float32 on CPU."""
    if name == "auto":
        return torch.float16 if device.type == "cuda" else torch.float32
    return getattr(torch, name)


class LammModel(nn.Module):
    """Encoder + projection + LLM, with the reference's attribute names (``llama_model``, ``llama_proj``)."""

    def __init__(
        self, encoder: nn.Module, llm: nn.Module, tokenizer, *, modality: str, vision_width: int, num_tokens: int
    ):
        super().__init__()
        self.visual_encoder = encoder
        self.llama_model = llm
        hidden = self._base().config.hidden_size
        self.llama_proj = nn.Linear(vision_width, hidden)
        self.tokenizer = tokenizer
        self.modality = modality
        self.num_tokens = num_tokens

    def _base(self):
        """The ``LlamaForCausalLM`` (LoRA layers injected when unmerged)."""
        llm = self.llama_model
        return llm.get_base_model() if hasattr(llm, "get_base_model") else llm

    @property
    def device(self) -> torch.device:
        return self.llama_proj.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.llama_proj.weight.dtype

    @torch.no_grad()
    def encode_pixels(self, pixels: torch.Tensor) -> torch.Tensor:
        """``[B, 3, 224, 224]`` normalized images -> ``[B, num_tokens, hidden]`` LLM inputs."""
        from lamm_bench.model_adapters.lamm.vision import patch_features

        feats = patch_features(self.visual_encoder, pixels.to(self.device, self.dtype))[:, : self.num_tokens]
        return self.llama_proj(feats)

    @torch.no_grad()
    def encode_points(self, points: torch.Tensor) -> torch.Tensor:
        """``[B, N, 3]`` xyz -> ``[B, num_tokens, hidden]`` LLM inputs.

        Points are cast to the model dtype first, as the reference did before its float32 grouping, so a
        float16 run sees the same rounded coordinates.
        """
        feats = self.visual_encoder(points.to(self.device, self.dtype))[:, : self.num_tokens]
        return self.llama_proj(feats)

    def embed(self, layouts: Sequence[TokenLayout], visual: torch.Tensor, *, left_pad: bool):
        """Input embeddings, attention mask and position ids of a batch of layouts.

        Args:
            layouts: One layout per row.
            visual: ``[B, n_visual, hidden]`` projected visual tokens, row-aligned with ``layouts``.
            left_pad: Pad on the left (generation) or on the right (scoring).

        Returns:
            ``(embeds [B, T, hidden], mask [B, T], positions [B, T])``; positions count real tokens only, as
            Hugging Face's generation does for a left-padded batch.
        """
        table = self._base().get_input_embeddings()
        width = max(layout.length for layout in layouts)
        embeds = torch.zeros(len(layouts), width, table.embedding_dim, device=self.device, dtype=self.dtype)
        mask = torch.zeros(len(layouts), width, dtype=torch.long, device=self.device)
        for row, layout in enumerate(layouts):
            before = table(torch.tensor(layout.before, dtype=torch.long, device=self.device))
            after = table(torch.tensor(layout.after, dtype=torch.long, device=self.device))
            seq = torch.cat([before, visual[row, : layout.n_visual].to(self.dtype), after], dim=0)
            start = width - layout.length if left_pad else 0
            embeds[row, start : start + layout.length] = seq
            mask[row, start : start + layout.length] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        return embeds, mask, positions

    def embed_ids(self, ids: torch.Tensor) -> torch.Tensor:
        """Token embeddings of ``ids``."""
        return self._base().get_input_embeddings()(ids)

    @torch.no_grad()
    def prefill(self, layouts: Sequence[TokenLayout], visual: torch.Tensor, sources: Sequence[int] | None = None, *,
                budget: int = 0, kv_cache: str = "dynamic"):  # fmt: skip
        """The prompt's forward for generation, left-padded: ``(logits [B, 1, vocab] of the last position, the KV
        cache, the attention mask, the positions)``, ready to decode ``budget`` more tokens.

        With ``sources`` (row -> which visual input it shows; equal for equal visual tokens), rows that show the same
        input under the same head share the forward of their common prefix -- the head, the visual tokens and the
        common start of their text (LSP asks 14 questions per figure that differ only in the joint's name). The
        prefix runs once per group; its keys and values are copied to each row of the group, and each row runs only
        the rest of its prompt after them, its positions continuing the prefix's. Every query attends to the same
        keys as in one whole forward (the slots padding leaves between the two parts are masked), so the logits
        equal the whole forward's up to float rounding. It is used where it spares at least a tenth of the prompt
        tokens (:func:`shared_prefixes`).
        """
        cuts = shared_prefixes(layouts, sources) if sources is not None else None
        if cuts is None:
            embeds, mask, positions = self.embed(layouts, visual, left_pad=True)
            past = self.static_cache(embeds.shape[1] + budget) if kv_cache == "static" else None
            logits, past = self.forward_logits(embeds, mask, positions, past=past, keep=1)
            return logits, past, mask, positions
        heads = sorted({head for head, _ in cuts.values()})
        slot = {head: i for i, head in enumerate(heads)}
        prefixes = [_cut_after(layouts[head], cuts[head][1]) for head in heads]
        head_embeds, head_mask, head_positions = self.embed(prefixes, visual[heads], left_pad=True)
        _, cache = self._decode(self._base().model, head_embeds, head_mask, head_positions, past=None)
        rows = range(len(layouts))
        pick = torch.tensor([slot[cuts[r][0]] if r in cuts else 0 for r in rows], device=self.device)
        cache.batch_select_indices(pick)  # each row gets its group's keys and values (rows with none: masked)
        shared = torch.tensor([r in cuts for r in rows], device=self.device)
        rests = [_cut_before(layouts[r], cuts[r][1]) if r in cuts else layouts[r] for r in rows]
        embeds, rest_mask, positions = self.embed(rests, visual, left_pad=True)
        offset = torch.tensor([cuts[r][1] if r in cuts else 0 for r in rows], device=self.device)
        positions = positions + offset[:, None]
        mask = torch.cat([head_mask[pick] * shared[:, None], rest_mask], dim=1)
        past = self.static_cache(mask.shape[1] + budget) if kv_cache == "static" else None
        if past is None:
            past = cache
        else:
            for index, layer in enumerate(cache.layers):
                past.update(layer.keys, layer.values, index)
        logits, past = self.forward_logits(embeds, mask, positions, past=past, keep=1)
        return logits, past, mask, positions

    def static_cache(self, length: int):
        """An empty ``transformers.StaticCache`` for ``length`` positions (the prompt and every new token), to pass
        as ``past`` to the first :meth:`forward_logits`: allocated on first use, then written in place, where the
        dynamic cache concatenates its whole length at every step. Attention reads only the slots written so far
        (:func:`filled_static_layer`), so a budget of 256 tokens costs nothing while the answers are short; the logits
        equal the dynamic cache's up to float rounding.

        None (the dynamic cache) where transformers has no static cache that keeps its own length: older ones
        counted the non-zero key slots of row 0, and a left pad's keys are all zero."""
        try:
            from transformers.cache_utils import StaticCache, StaticLayer
        except ImportError:
            return None
        if not hasattr(StaticLayer(max_cache_len=1), "cumulative_length"):
            return None
        cache = StaticCache(config=self._base().config, max_cache_len=length)
        filled = filled_static_layer()
        cache.layers = [filled(max_cache_len=length) if type(layer) is StaticLayer else layer for layer in cache.layers]
        return cache

    def forward_logits(self, embeds, mask, positions, past=None, keep: int = 0):
        """One LLM forward; ``keep`` > 0 keeps only the last ``keep`` positions' logits; ``past``: the cache to
        continue (None: a new dynamic cache)."""
        base = self._base()
        # transformers renamed ``past_key_values`` to ``cache`` (5.x); use whichever this version takes.
        cache_arg = "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"
        out = base(
            inputs_embeds=embeds,
            attention_mask=mask,
            position_ids=positions,
            use_cache=True,
            logits_to_keep=keep,
            **{cache_arg: past},
        )
        return out.logits, getattr(out, cache_arg)

    @torch.no_grad()
    def option_scores(self, layouts: Sequence[TokenLayout], visual: torch.Tensor) -> list[float]:
        """Mean log-probability of each layout's option span (ChEF's length-normalized PPL score), one whole sequence
        per layout (the naive way)."""
        embeds, mask, positions = self.embed(layouts, visual, left_pad=False)
        hidden = self._base().model(inputs_embeds=embeds, attention_mask=mask, position_ids=positions).last_hidden_state
        spans = []
        for row, layout in enumerate(layouts):
            start, end = layout.option_span
            # The token at position p is predicted by the hidden state at p - 1.
            spans.append((hidden[row, max(start - 1, 0) : max(end - 1, 0)], layout.full_ids()[start:end]))
        return self._mean_log_probs(spans)

    def _mean_log_probs(self, spans: Sequence[tuple[torch.Tensor, Sequence[int]]]) -> list[float]:
        """Per span, the mean log-probability of its target ids under the LM head of its predicting hidden states
        (``-inf`` for an empty span); one head call for all, which reads the vocabulary's weights once."""
        head = self._base().lm_head
        kept = [(states, ids) for states, ids in spans if len(ids)]
        if kept:
            logp = torch.log_softmax(head(torch.cat([states for states, _ in kept])).float(), dim=-1)
            targets = torch.tensor([i for _, ids in kept for i in ids], device=self.device)
            picked = logp.gather(-1, targets[:, None]).squeeze(-1).tolist()
        scores, at = [], 0
        for _, ids in spans:
            if not ids:
                scores.append(float("-inf"))
                continue
            scores.append(sum(picked[at : at + len(ids)]) / len(ids))
            at += len(ids)
        return scores

    @torch.no_grad()
    def shared_option_scores(self, choices: Sequence[ChoiceLayout], visual: torch.Tensor) -> list[list[float]]:
        """Each choice's option scores (as :meth:`option_scores` gives them for :meth:`ChoiceLayout.full`) from one
        forward of its prefix: each choice's answer turns then run as one packed sequence after that prefix's KV
        cache, each answer attending to the prefix and to itself only (a block mask), its positions continuing
        from the prefix's length.

        The prefix and each answer are separate segments of the sequence, so the split is exact; right padding
        never shifts a position (positions are given), and nothing attends to a pad.
        """
        decoder = self._base().model
        embeds, mask, positions = self.embed([c.prefix for c in choices], visual, left_pad=False)
        hidden, cache = self._decode(decoder, embeds, mask, positions, past=None)
        lengths = mask.sum(-1).tolist()
        # Each choice's answers, cut after the option (nothing later is scored), one after another.
        cut = [[c.answers[k][: c.spans[k][1]] for k in range(len(c.answers))] for c in choices]
        starts = [[sum(len(a) for a in answers[:k]) for k in range(len(answers))] for answers in cut]
        width = max(1, max(sum(len(a) for a in answers) for answers in cut))
        prefix_width = embeds.shape[1]
        ids = torch.zeros(len(choices), width, dtype=torch.long, device=self.device)
        steps = torch.zeros(len(choices), width, dtype=torch.long, device=self.device)
        allowed = torch.zeros(len(choices), 1, width, prefix_width + width, dtype=torch.bool, device=self.device)
        for i, answers in enumerate(cut):
            allowed[i, 0, :, : lengths[i]] = True  # every answer sees its choice's whole prefix
            for answer, start in zip(answers, starts[i]):
                n = len(answer)
                ids[i, start : start + n] = torch.tensor(answer, device=self.device)
                steps[i, start : start + n] = torch.arange(lengths[i], lengths[i] + n, device=self.device)
                block = torch.ones(n, n, dtype=torch.bool, device=self.device).tril()
                allowed[i, 0, start : start + n, prefix_width + start : prefix_width + start + n] = block
        additive = torch.zeros(allowed.shape, dtype=self.dtype, device=self.device).masked_fill(
            ~allowed, torch.finfo(self.dtype).min)  # fmt: skip
        after, _ = self._decode(decoder, self.embed_ids(ids), additive, steps, past=cache)
        spans = []
        for i, choice in enumerate(choices):
            for k, (start, end) in enumerate(choice.spans):
                at = starts[i][k]
                # the answer's token j is predicted by its state at j - 1 (the prefix's last one for j = 0)
                states = torch.cat([hidden[i, lengths[i] - 1 : lengths[i]], after[i, at : at + end - 1]])[start:end]
                spans.append((states, cut[i][k][start:end]))
        flat, out, at = self._mean_log_probs(spans), [], 0
        for choice in choices:
            out.append(flat[at : at + len(choice.spans)])
            at += len(choice.spans)
        return out

    def _decode(self, decoder, embeds, mask, positions, past):
        """The decoder's last hidden states and its KV cache (``past``: a cache to continue, or None)."""
        # transformers renamed ``past_key_values`` to ``cache`` (5.x); use whichever this version takes.
        cache_arg = "cache" if "cache" in inspect.signature(decoder.forward).parameters else "past_key_values"
        out = decoder(inputs_embeds=embeds, attention_mask=mask, position_ids=positions, use_cache=True,
                      **{cache_arg: past})  # fmt: skip
        return out.last_hidden_state, getattr(out, cache_arg)


def shared_prefixes(layouts: Sequence[TokenLayout], sources: Sequence[int]) -> dict[int, tuple[int, int]] | None:
    """Which rows share a prefix with others: row -> (the group's first row, the prefix's length), for the rows of
    every group of two or more with the same visual input (``sources``) and the same head; None where sharing would
    spare less than a tenth of the prompt tokens. A prefix covers the head, the visual tokens and the text common to
    the group, and leaves every row at least one token of its own (its logits are the first pick)."""
    groups: dict[tuple, list[int]] = {}
    for row, layout in enumerate(layouts):
        groups.setdefault((sources[row], layout.before, layout.n_visual), []).append(row)
    cuts: dict[int, tuple[int, int]] = {}
    spared = 0
    for (_, before, n_visual), rows in groups.items():
        afters = [layouts[r].after for r in rows]
        if len(rows) < 2 or min(map(len, afters)) < 2:
            continue
        common = 0
        for tokens in zip(*afters):
            if any(t != tokens[0] for t in tokens):
                break
            common += 1
        length = len(before) + n_visual + min(common, min(map(len, afters)) - 1)
        cuts.update((r, (rows[0], length)) for r in rows)
        spared += (len(rows) - 1) * length
    return cuts if cuts and 10 * spared >= sum(layout.length for layout in layouts) else None


def _cut_after(layout: TokenLayout, length: int) -> TokenLayout:
    """The first ``length`` positions of a layout (they cover its visual tokens)."""
    keep = length - len(layout.before) - layout.n_visual
    return dataclasses.replace(layout, after=layout.after[:keep], labels=layout.labels[:keep], option_span=None)


def _cut_before(layout: TokenLayout, length: int) -> TokenLayout:
    """A layout's text after its first ``length`` positions, as a layout with no head and no visual tokens."""
    keep = length - len(layout.before) - layout.n_visual
    return dataclasses.replace(layout, before=(), n_visual=0, after=layout.after[keep:], labels=layout.labels[keep:],
                               option_span=None)  # fmt: skip


@functools.cache
def filled_static_layer():
    """``transformers``' ``StaticLayer`` whose attention reads the written slots only: ``update`` returns the keys
    and values up to its ``cumulative_length`` (a view, nothing copied) and the mask is sized to match, where the
    plain layer hands attention every slot of the budget and masks the unwritten ones. One decode step of
    lamm-tiny at batch 64 with a 256-token budget reads 350 slots instead of about 120 (3x less attention time on
    the CPU, where reading the cache is the cost)."""
    from transformers.cache_utils import StaticLayer

    class FilledStaticLayer(StaticLayer):
        def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
            keys, values = super().update(key_states, value_states, *args, **kwargs)
            filled = int(self.cumulative_length)
            return keys[:, :, :filled], values[:, :, :filled]

        def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
            # Asked before the step's update: the slots written so far plus the step's own.
            return int(self.cumulative_length) + query_length, 0

    return FilledStaticLayer


def build_model(config: LammConfig, paths: WeightPaths) -> LammModel:
    """Load and assemble a LAMM model from its weight files (see module docstring)."""
    from lamm_bench.model_adapters.lamm.checkpoint import (
        add_lora,
        check_delta,
        expected_delta_shapes,
        llm_shape,
        load_llm,
        load_tokenizer,
        read_delta,
    )
    from lamm_bench.model_adapters.lamm.vision import load_clip_visual

    device = resolve_device(config.device)
    dtype = resolve_dtype(config.dtype, device)
    tokenizer = load_tokenizer(paths.llm)
    visual = load_clip_visual(paths.clip, config.clip_model)
    width = visual.conv1.out_channels
    # Check the delta against the LLM's config.json before loading billions of weights: a bad delta fails fast.
    layers, hidden = llm_shape(paths.llm)
    delta = read_delta(paths.delta)
    check_delta(paths.delta, delta, expected_delta_shapes(layers, hidden, config.lora_r, width))
    if config.modality == "point_cloud":
        from lamm_bench.model_adapters.lamm.epcl import build_epcl

        encoder = build_epcl(paths.epcl, visual)
    else:
        encoder = visual
    llm = load_llm(paths.llm, dtype, device)
    llm = add_lora(llm, config.lora_r, config.lora_alpha, LORA_DROPOUT)
    model = LammModel(
        encoder, llm, tokenizer, modality=config.modality, vision_width=width, num_tokens=config.num_vision_tokens
    )
    result = model.load_state_dict(delta, strict=False)
    # check_delta vetted the file; this guards against peft or transformers naming parameters differently.
    trained = [k for k in result.missing_keys if ".lora_" in k or k.startswith("llama_proj.")]
    if result.unexpected_keys or trained:
        raise RuntimeError(f"delta does not map onto the model: {(result.unexpected_keys + trained)[:4]}")
    if config.merge_lora:
        model.llama_model = model.llama_model.merge_and_unload()
    model.to(device=device, dtype=dtype)
    model.requires_grad_(False)
    logger.info("LAMM loaded: %s layers, hidden %s, %s on %s, LoRA %s", layers, hidden, dtype, device,
                "merged" if config.merge_lora else "separate")
    return model.eval()
