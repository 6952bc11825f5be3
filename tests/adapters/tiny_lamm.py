"""A tiny LAMM written in the real on-disk formats (no network, CPU, seconds), for the ``lamm`` adapter tests.

``build_tiny_lamm(root)`` lays out a models root exactly as the adapter expects for real weights:
``vicuna-tiny/`` (a ``LlamaForCausalLM`` saved with ``save_pretrained`` plus a SentencePiece ``tokenizer.model``
trained here with byte fallback), ``clip/ViT-L-14.pt`` (an open_clip state dict of a tiny ViT with patch 14 at
224 pixels, so 256 patch tokens), ``lamm_tiny/pytorch_model.pt`` (a delta with LAMM's key names, fp16, random
non-zero LoRA so it changes the logits) and ``epcl/...pth`` (``{"args": Namespace, "model": state_dict}`` with a
few 3DETR detector keys that must be ignored). ``TINY_ARGS`` are the adapter arguments that select it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HIDDEN, LAYERS, HEADS = 64, 2, 4
VISION_WIDTH = 64
LORA_R, LORA_ALPHA = 8, 16
CLIP_NAME = "LammTiny-ViT-14"
EPCL_RELATIVE = "epcl/epcl_scannet_vit-L-14_256tokens_latest.pth"

TINY_ARGS = {
    "llm_name": "vicuna-tiny",
    "delta_name": "lamm_tiny",
    "clip_model": CLIP_NAME,
    "lora_r": str(LORA_R),
    "lora_alpha": str(LORA_ALPHA),
    "device": "cpu",
    "dtype": "float32",
}

TRAIN_SETTINGS = (
    "llm_name=vicuna-tiny", f"clip_model={CLIP_NAME}", f"lora_r={LORA_R}", f"lora_alpha={LORA_ALPHA}",
    "global_batch_size=4", "micro_batch_size=2", "epochs=10", "max_steps=0", "lr=1e-2", "min_warmup_steps=2",
    "warmup_type=linear", "max_tgt_len=96", "num_points=2048", "precision=fp32", "save_every=5", "save_dtype=float32",
    "log_every=1", "use_system=false", "num_vision_tokens=32", "num_workers=0", "lora_dropout=0.1",
)
"""``--set`` pairs that train this fixture with the ``tiny`` preset (the preset itself is the built-in base's recipe):
its LoRA shape, fp32 on CPU, a high LR so a few dozen steps show learning, a float32 delta so tests compare exactly,
and the paper's LoRA dropout (the preset has none), so the resume and multi-process tests cover the seeded masks."""


def train_settings(root: Path) -> list[str]:
    """:data:`TRAIN_SETTINGS` plus the folder of the fixture's open_clip config."""
    return [*TRAIN_SETTINGS, f"clip_config_dir={root / 'open_clip_configs'}"]


_CORPUS = (
    "You are an AI visual assistant that can analyze a single image.",
    "### Human: <Img> </Img> What is in the image?\n### Assistant: A cat.\n###",
    "Human: Which option is correct?\n###",
    "The answer is (A) dog. The answer is (B) cat. The object in the image is a bird.",
    "Identify all the objects with bounding box [0.1, 0.2, 0.3, 0.4] and point [0.5, 0.6].",
    "### Human: <Pcl> </Pcl> Describe the scene. chair table sofa bed\n### Assistant:",
)

_CLIP_CONFIG = {
    "embed_dim": 32,
    "quick_gelu": True,
    "vision_cfg": {"image_size": 224, "layers": 2, "width": VISION_WIDTH, "patch_size": 14, "head_width": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}


def register_tiny_clip(root: Path) -> None:
    """Make open_clip know the tiny vision config (a process-wide registry, as for any custom config)."""
    import open_clip

    if CLIP_NAME not in open_clip.list_models():
        open_clip.add_model_config(root / "open_clip_configs")


def _train_tokenizer(llm_dir: Path) -> None:
    import sentencepiece

    corpus = llm_dir.parent / "corpus.txt"
    corpus.write_text("\n".join(_CORPUS * 20), encoding="utf-8")
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(llm_dir / "tokenizer"), vocab_size=400, model_type="bpe",
        byte_fallback=True, character_coverage=1.0, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        add_dummy_prefix=True, remove_extra_whitespaces=False, normalization_rule_name="identity",
        split_digits=True, minloglevel=2,
    )
    (llm_dir / "tokenizer.vocab").unlink()
    (llm_dir / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "LlamaTokenizer"}))


def _save_llm(llm_dir: Path) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=400, hidden_size=HIDDEN, intermediate_size=128, num_hidden_layers=LAYERS,
        num_attention_heads=HEADS, num_key_value_heads=HEADS, max_position_embeddings=1024,
        bos_token_id=1, eos_token_id=2, tie_word_embeddings=False,
    )
    LlamaForCausalLM(config).save_pretrained(llm_dir)


def _save_clip(root: Path):
    import open_clip
    import torch

    config_dir = root / "open_clip_configs"
    config_dir.mkdir(exist_ok=True)
    (config_dir / f"{CLIP_NAME}.json").write_text(json.dumps(_CLIP_CONFIG))
    register_tiny_clip(root)
    torch.manual_seed(1)
    model = open_clip.create_model(CLIP_NAME, force_quick_gelu=True)
    (root / "clip").mkdir(exist_ok=True)
    torch.save(model.state_dict(), root / "clip" / "ViT-L-14.pt")
    return model.visual


def _save_delta(path: Path) -> None:
    import torch

    from lamm_bench.model_adapters.lamm.checkpoint import expected_delta_shapes

    generator = torch.Generator().manual_seed(2)
    state = {
        key: (torch.randn(shape, generator=generator) * 0.2).half()
        for key, shape in expected_delta_shapes(LAYERS, HIDDEN, LORA_R, VISION_WIDTH).items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)


def epcl_args() -> argparse.Namespace:
    """EPCL checkpoint arguments of the tiny encoder (single set-abstraction layer, 256 groups)."""
    return argparse.Namespace(
        use_color=False, preenc_npoints=256, preenc_radius=0.4, vit_num_token=256, enc_dim=VISION_WIDTH,
        use_task_emb=True, dataset_name="scannet", clip_vit="ViT-L/14", pointnet_downsample=False,
    )


def _save_epcl(path: Path, visual) -> None:
    import torch

    from lamm_bench.model_adapters.lamm.epcl import EpclEncoder

    torch.manual_seed(3)
    encoder = EpclEncoder(epcl_args(), visual)
    state = dict(encoder.state_dict())
    state["decoder.layers.0.linear1.weight"] = torch.zeros(4, 4)  # detector parts LAMM does not use
    state["mlp_heads.center_head.layers.0.weight"] = torch.zeros(4, 4)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"args": epcl_args(), "model": state}, path)


def build_tiny_lamm(root: Path) -> Path:
    """Write the tiny models root under ``root`` (idempotent) and return it."""
    root.mkdir(parents=True, exist_ok=True)
    done = root / ".complete"
    if done.exists():
        register_tiny_clip(root)
        return root
    llm_dir = root / "vicuna-tiny"
    llm_dir.mkdir(exist_ok=True)
    _train_tokenizer(llm_dir)
    _save_llm(llm_dir)
    visual = _save_clip(root)
    _save_delta(root / "lamm_tiny" / "pytorch_model.pt")
    _save_epcl(root / EPCL_RELATIVE, visual)
    done.touch()
    return root


def shared_root(tmp_path_factory) -> Path:
    """The session's tiny models root, built once and shared by every lamm test module."""
    return build_tiny_lamm(tmp_path_factory.getbasetemp() / "tiny_lamm_models")
