"""The trainable LAMM: the evaluator's ``LammModel`` with fresh LoRA and ``llama_proj``, and its training forward.

:class:`TrainableLamm` subclasses :class:`~lamm_bench.model_adapters.lamm.model.LammModel`, so parameter names
are exactly those of the released deltas (``llama_model.base_model.model.model.layers.{i}.self_attn.q_proj
.lora_A.default.weight``, ``llama_proj.weight``). Only LoRA and ``llama_proj`` train (kept in fp32); the base
LLM and the CLIP/EPCL encoder are frozen and may be stored in bf16/fp16. The encoder runs without gradients in
eval mode (EPCL has batch norm), and the loss is the reference's: mean token cross-entropy over the supervised
positions of the micro batch.
"""

from __future__ import annotations

import logging

import torch
from torch import nn

from lamm_bench.model_adapters.lamm.config import WeightPaths
from lamm_bench.model_adapters.lamm.model import LammModel
from lamm_bench.model_adapters.lamm.prompt import IGNORE
from lamm_bench.train.config import TrainConfig
from lamm_bench.train.dataset import Batch

logger = logging.getLogger(__name__)


def is_trainable(name: str) -> bool:
    """LoRA A/B and ``llama_proj`` train; everything else is frozen."""
    return ".lora_A." in name or ".lora_B." in name or name.startswith("llama_proj.")


class TrainableLamm(LammModel):
    """``LammModel`` plus the training forward (loss and token accuracy of one micro batch)."""

    length_groups: int = 1
    """Run the LLM over the micro batch in this many slices of rows sorted by length, each cut to its own longest
    row (``TrainConfig.length_groups``)."""

    def forward(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Loss (mean over supervised tokens), correctly predicted supervised tokens, supervised tokens."""
        from lamm_bench.model_adapters.lamm.vision import patch_features

        encoder_dtype = next(self.visual_encoder.parameters()).dtype
        with torch.no_grad():
            if self.modality == "point_cloud":
                feats = self.visual_encoder(batch.visual.to(encoder_dtype))
            else:
                feats = patch_features(self.visual_encoder, batch.visual.to(encoder_dtype))
        # Only the projection sees gradients on the visual side.
        visual = self.llama_proj(feats[:, : self.num_tokens].to(self.llama_proj.weight.dtype))
        base = self._base()
        embeds = base.get_input_embeddings()(batch.input_ids)
        embeds = embeds.masked_scatter(batch.visual_mask.unsqueeze(-1), visual.to(embeds.dtype))
        states, wanted = [], []
        for rows, width in self._slices(batch.attention_mask):
            # Right padding, so positions are 0..T-1 on every row, as in the reference's forward.
            hidden = base.model(inputs_embeds=embeds[rows, :width], attention_mask=batch.attention_mask[rows, :width],
                                use_cache=False).last_hidden_state  # fmt: skip
            # The token at p is predicted at p - 1. Only supervised positions go through lm_head.
            targets = batch.labels[rows, 1:width]
            supervised = targets != IGNORE
            states.append(hidden[:, :-1][supervised])
            wanted.append(targets[supervised])
        # One cross-entropy over every supervised token of the micro batch: the reference's HF loss (mean,
        # ignore_index -100), without [B, T, vocab] logits, whatever the slicing.
        logits = base.lm_head(torch.cat(states)).float()
        targets = torch.cat(wanted)
        loss = nn.functional.cross_entropy(logits, targets)
        correct = (logits.argmax(-1) == targets).sum()
        return loss, correct, torch.tensor(targets.numel(), device=targets.device)

    def _slices(self, attention_mask: torch.Tensor) -> list[tuple[torch.Tensor | slice, int]]:
        """Row indices and width of each slice: rows by length (longest first), ``length_groups`` near-equal parts.

        A row's hidden states do not depend on the other rows or on padding beyond it, so slicing changes only
        the floating-point rounding of the batch's matrix products, not what is computed; it saves the padding
        the shorter rows would carry (lamm-mini's 2D micro batches of 16: 67% real tokens unsliced, 80% in two
        slices, 90% in four). LoRA dropout draws its masks slice by slice, still from the micro batch's seed."""
        lengths = attention_mask.sum(dim=1)
        if self.length_groups <= 1:
            return [(slice(None), attention_mask.shape[1])]  # the whole batch, as it came (no copy)
        order = torch.argsort(lengths, descending=True, stable=True)
        parts = torch.tensor_split(order, min(self.length_groups, len(order)))
        return [(rows, int(lengths[rows[0]])) for rows in parts]


def build_trainable(config: TrainConfig, weights: WeightPaths, frozen_dtype: torch.dtype, device: torch.device):
    """Load the frozen parts, add LoRA and a fresh ``llama_proj`` (seed the RNG first), trainables in fp32.

    Returns:
        A :class:`TrainableLamm` in train mode with its encoder in eval mode.
    """
    from lamm_bench.model_adapters.lamm.checkpoint import add_lora, load_llm, load_tokenizer
    from lamm_bench.model_adapters.lamm.vision import load_clip_visual, register_clip_configs

    if config.clip_config_dir:
        register_clip_configs(config.clip_config_dir, who="train")
    tokenizer = load_tokenizer(weights.llm)
    visual = load_clip_visual(weights.clip, config.clip_model)
    width = visual.conv1.out_channels
    if config.modality == "point_cloud":
        from lamm_bench.model_adapters.lamm.epcl import build_epcl

        encoder = build_epcl(weights.epcl, visual)
    else:
        encoder = visual
    llm = load_llm(weights.llm, frozen_dtype, device)
    llm = add_lora(llm, config.lora_r, config.lora_alpha, config.lora_dropout)
    if config.gradient_checkpointing:
        llm.get_base_model().gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model = TrainableLamm(encoder, llm, tokenizer, modality=config.modality, vision_width=width,
                          num_tokens=config.num_vision_tokens)  # fmt: skip
    model.length_groups = config.length_groups
    model.to(device)
    for name, param in model.named_parameters():
        trainable = is_trainable(name)
        param.requires_grad_(trainable)
        if trainable:
            param.data = param.data.float()
        elif param.is_floating_point():
            param.data = param.data.to(frozen_dtype)
    model.train()
    model.visual_encoder.eval()
    return model


def initial_model(config: TrainConfig, weights: WeightPaths, frozen_dtype: torch.dtype, device: torch.device):
    """The model a run starts from (step 0): :func:`build_trainable` right after seeding torch with ``config.seed``,
    so LoRA A and ``llama_proj`` start the same on every rank and in every run (LoRA B starts at zero).

    The untrained baselines of the built-in tiny cards (``lamm-tiny-base``) are this model's trainable tensors.
    """
    torch.manual_seed(config.seed)
    return build_trainable(config, weights, frozen_dtype, device)
