"""The LAMM model: a visual encoder, ``llama_proj`` and the LoRA-adapted LLaMA, run on token layouts.

``build_model`` assembles it from the resolved weight files (CLIP tower or EPCL encoder, base LLM, peft LoRA
r/alpha from the config with dropout 0.1 on q/k/v/o, the delta checked key by key), optionally merges LoRA,
and casts everything to one dtype on one device as the reference's ``.half().cuda()`` did. The methods take
:class:`~lamm_bench.model_adapters.lamm.prompt.TokenLayout` objects, so the text layout stays in ``prompt.py``.
"""

from __future__ import annotations

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
            before = table(torch.tensor(layout.before, device=self.device))
            after = table(torch.tensor(layout.after, device=self.device))
            seq = torch.cat([before, visual[row, : layout.n_visual].to(self.dtype), after], dim=0)
            start = width - layout.length if left_pad else 0
            embeds[row, start : start + layout.length] = seq
            mask[row, start : start + layout.length] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        return embeds, mask, positions

    def embed_ids(self, ids: torch.Tensor) -> torch.Tensor:
        """Token embeddings of ``ids``."""
        return self._base().get_input_embeddings()(ids)

    def forward_logits(self, embeds, mask, positions, past=None, keep: int = 0):
        """One LLM forward; ``keep`` > 0 keeps only the last ``keep`` positions' logits."""
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
        """Mean log-probability of each layout's option span (ChEF's length-normalized PPL score)."""
        embeds, mask, positions = self.embed(layouts, visual, left_pad=False)
        base = self._base()
        hidden = base.model(inputs_embeds=embeds, attention_mask=mask, position_ids=positions).last_hidden_state
        scores = []
        for row, layout in enumerate(layouts):
            start, end = layout.option_span
            if end <= start:
                scores.append(float("-inf"))
                continue
            targets = torch.tensor(layout.full_ids()[start:end], device=self.device)
            # The token at position p is predicted by the logits at p - 1.
            logits = base.lm_head(hidden[row, start - 1 : end - 1]).float()
            logp = torch.log_softmax(logits, dim=-1).gather(-1, targets[:, None]).squeeze(-1)
            scores.append(logp.mean().item())
        return scores


    @torch.no_grad()
    def shared_option_scores(self, choices: Sequence[ChoiceLayout], visual: torch.Tensor) -> list[list[float]]:
        """Each choice's option scores (as :meth:`option_scores` gives them for :meth:`ChoiceLayout.full`) from one
        forward of its prefix: the prefix's KV cache is repeated over its options and only the answer turns run.

        The prefix and each answer are separate segments of the sequence, so the split is exact: the answers'
        positions continue from their own prefix's length, and right padding never shifts them.
        """
        decoder = self._base().model
        embeds, mask, positions = self.embed([c.prefix for c in choices], visual, left_pad=False)
        hidden, cache = self._decode(decoder, embeds, mask, positions, past=None)
        lengths = mask.sum(-1)
        last = hidden[torch.arange(len(choices), device=self.device), lengths - 1]  # predicts each answer's 1st token
        rows = [(i, k) for i, c in enumerate(choices) for k in range(len(c.answers))]
        index = torch.tensor([i for i, _ in rows], device=self.device)
        cache.batch_select_indices(index)
        answers = [choices[i].answers[k][: choices[i].spans[k][1]] for i, k in rows]  # nothing after the option
        width = max(1, max(len(a) for a in answers))
        ids = torch.zeros(len(rows), width, dtype=torch.long, device=self.device)
        tail = torch.zeros(len(rows), width, dtype=torch.long, device=self.device)
        for row, answer in enumerate(answers):
            ids[row, : len(answer)] = torch.tensor(answer, device=self.device)
            tail[row, : len(answer)] = 1
        full_mask = torch.cat([mask[index], tail], dim=1)
        steps = lengths[index][:, None] + torch.arange(width, device=self.device)[None, :]
        after, _ = self._decode(decoder, self.embed_ids(ids), full_mask, steps, past=cache)
        head = self._base().lm_head
        out: list[list[float]] = [[] for _ in choices]
        for row, (i, k) in enumerate(rows):
            start, end = choices[i].spans[k]
            if end <= start:
                out[i].append(float("-inf"))
                continue
            # the token at answer position j is predicted by the hidden state at j - 1 (the prefix's last for j = 0)
            states = torch.cat([last[i : i + 1], after[row, : end - 1]], dim=0)[start:end]
            logp = torch.log_softmax(head(states).float(), dim=-1)
            targets = torch.tensor(answers[row][start:end], device=self.device)
            out[i].append(logp.gather(-1, targets[:, None]).mean().item())
        return out

    def _decode(self, decoder, embeds, mask, positions, past):
        """The decoder's last hidden states and its KV cache (``past``: a cache to continue, or None)."""
        # transformers renamed ``past_key_values`` to ``cache`` (5.x); use whichever this version takes.
        cache_arg = "cache" if "cache" in inspect.signature(decoder.forward).parameters else "past_key_values"
        out = decoder(inputs_embeds=embeds, attention_mask=mask, position_ids=positions, use_cache=True,
                      **{cache_arg: past})  # fmt: skip
        return out.last_hidden_state, getattr(out, cache_arg)


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
