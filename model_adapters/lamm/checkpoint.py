"""Loading LAMM's pieces from disk: the base LLM, its SentencePiece tokenizer, and the delta with a key check.

The released delta ``pytorch_model.pt`` holds exactly the trained parameters: LoRA A/B of q/k/v/o in every
layer under peft's names (``llama_model.base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.default.weight``)
and ``llama_proj.weight``/``llama_proj.bias``. The reference loads it with ``strict=False``, which silently
ignores any mismatch; here every expected key must be present with the right shape and no other key may be
there, or a ``UserError`` lists them. The tokenizer is SentencePiece itself (``tokenizer.model``), which is
what the reference's slow ``LlamaTokenizer`` ran; transformers 5's converted tokenizer splits some
whitespace runs differently.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch

from lamm_bench.errors import UserError

logger = logging.getLogger(__name__)

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")
LORA_PREFIX = "llama_model.base_model.model.model.layers"


def expected_delta_shapes(
    num_layers: int, hidden: int, rank: int, vision_width: int = 1024
) -> dict[str, tuple[int, ...]]:
    """Every key of a LAMM delta and its shape, as documented for the released checkpoints.

    Args:
        num_layers: LLM layers (32 for 7B, 40 for 13B).
        hidden: LLM hidden size (4096 / 5120).
        rank: LoRA rank (32).
        vision_width: Width of the visual features (1024 for CLIP ViT-L/14).
    """
    shapes: dict[str, tuple[int, ...]] = {}
    for i in range(num_layers):
        for target in LORA_TARGETS:
            stem = f"{LORA_PREFIX}.{i}.self_attn.{target}"
            shapes[f"{stem}.lora_A.default.weight"] = (rank, hidden)
            shapes[f"{stem}.lora_B.default.weight"] = (hidden, rank)
    shapes["llama_proj.weight"] = (hidden, vision_width)
    shapes["llama_proj.bias"] = (hidden,)
    return shapes


def read_delta(path: Path) -> dict[str, torch.Tensor]:
    """Read a delta checkpoint (a pickled dict of tensors) with torch's safe loader."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any unpickling failure is a bad file for the user
        message = " ".join(str(err).split())[:200]
        raise UserError(f"{path}: cannot read as a LAMM delta checkpoint ({message})") from None
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise UserError(f"{path}: not a LAMM delta checkpoint (expected a dict of tensors)")
    return dict(state)


def check_delta(path: Path, state: Mapping[str, torch.Tensor], expected: Mapping[str, tuple[int, ...]]) -> None:
    """Refuse a delta whose keys or shapes do not match the model exactly.

    Raises:
        UserError: Naming the missing, unexpected and wrongly shaped keys (the first few of each, with counts).
    """
    missing = sorted(expected.keys() - state.keys())
    unexpected = sorted(state.keys() - expected.keys())
    wrong = sorted(
        f"{k} {tuple(state[k].shape)} != {expected[k]}"
        for k in expected.keys() & state.keys()
        if tuple(state[k].shape) != tuple(expected[k])
    )
    if missing or unexpected or wrong:
        parts = []
        for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)):
            if keys:
                shown = ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
                parts.append(f"{len(keys)} {label} key(s): {shown}")
        raise UserError(f"{path}: LAMM delta does not match the model: {'; '.join(parts)}")


@dataclass(frozen=True)
class SentencePieceTokenizer:
    """LLaMA's tokenizer as the reference ran it: SentencePiece ``encode`` per segment, no special tokens."""

    path: Path
    bos_id: int
    eos_id: int
    processor: object

    def encode(self, text: str) -> list[int]:
        """Token ids of one segment (with SentencePiece's leading word boundary)."""
        return list(self.processor.encode(text))

    @property
    def unk_id(self) -> int:
        """The unknown-piece id (skipped by ``decode``, like ``<s>`` and ``</s>``)."""
        return self.processor.unk_id()

    def decode(self, ids: list[int]) -> str:
        """Text of generated ids, special tokens skipped."""
        special = {self.bos_id, self.eos_id, self.unk_id}
        return self.processor.decode([i for i in ids if i not in special])


def load_tokenizer(llm_dir: Path) -> SentencePieceTokenizer:
    """Load ``tokenizer.model`` from the LLM directory."""
    import sentencepiece

    path = llm_dir / "tokenizer.model"
    if not path.is_file():
        raise UserError(f"{llm_dir}: no tokenizer.model (the LLaMA SentencePiece model) in the LLM directory")
    processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
    bos, eos = processor.bos_id(), processor.eos_id()
    if bos < 0 or eos < 0:
        raise UserError(f"{path}: the tokenizer defines no <s>/</s> ids")
    return SentencePieceTokenizer(path=path, bos_id=bos, eos_id=eos, processor=processor)


def llm_shape(llm_dir: Path) -> tuple[int, int]:
    """``(num_hidden_layers, hidden_size)`` from the LLM directory's ``config.json``."""
    path = llm_dir / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
        return int(config["num_hidden_layers"]), int(config["hidden_size"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UserError(f"{path}: cannot read the LLM's layer count and hidden size ({err})") from None


def load_llm(llm_dir: Path, dtype: torch.dtype, device: torch.device):
    """Load the base ``LlamaForCausalLM`` in ``dtype``, straight onto ``device``."""
    from transformers import LlamaForCausalLM
    from transformers.integrations import is_deepspeed_zero3_enabled

    kwargs = {"dtype": dtype}
    if device.type == "cuda" and not is_deepspeed_zero3_enabled():  # ZeRO-3 places (and shards) weights itself
        kwargs["device_map"] = {"": device}
    try:
        model = LlamaForCausalLM.from_pretrained(str(llm_dir), local_files_only=True, **kwargs)
    except (OSError, ValueError) as err:
        message = " ".join(str(err).split())[:300]
        raise UserError(f"{llm_dir}: cannot load the base LLM ({message})") from None
    model.requires_grad_(False)
    return model.eval()


def add_lora(llm, r: int, alpha: int, dropout: float):
    """Wrap ``llm`` with fresh LoRA adapters on q/k/v/o, as the reference's ``LoraConfig`` does (peft's default init:
    A Kaiming-uniform from the torch RNG, B zero), and return the ``PeftModel``.

    peft reads the base model's ``is_gradient_checkpointing``, which transformers 5 deprecates with a FutureWarning
    that nobody running lamm-bench can act on; that one warning is silenced here, for this call only.
    """
    from peft import LoraConfig, TaskType, get_peft_model

    lora = LoraConfig(task_type=TaskType.CAUSAL_LM, inference_mode=False, r=r, lora_alpha=alpha,
                      lora_dropout=dropout, target_modules=list(LORA_TARGETS))  # fmt: skip
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing", category=FutureWarning)
        return get_peft_model(llm, lora)
