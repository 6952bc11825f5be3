"""Random-weight models in the real shapes (or tiny ones for ``--dry-run``) for the GPU check, built without network.

Nothing is downloaded and no multi-gigabyte weight file is written: the LLaMA, the CLIP tower and the LLaVA model
are initialized randomly, directly on the device, and handed to the adapters' and the trainer's real loading code
by replacing only the function that would read the weights from disk (:func:`random_weights`,
:func:`llava_from_pretrained`). Everything else -- tokenizer files, ``config.json``, the LAMM delta with its key
check, LoRA injection and merge, processors and chat templates -- goes through the project's own code.

Greedy decoding on random weights picks arbitrary ids, so every id outside a "safe" set of ordinary tokenizer pieces
(no ``</s>``, no byte pieces, no ``#``, ``<``, ``>``, ``/``) gets a zero row in the LM head: those logits are exactly 0
and never win, so every row generates the full ``max_new_tokens`` and no stop string can ever fire.
"""

from __future__ import annotations

import io
import json
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

UNSAFE_CHARS = "#<>/"
"""Characters no generated token may contain (so ``###`` and ``</s>``-like stop strings never fire)."""

_WORDS = (
    "the a an image photo picture shows there is are of in on at with and or but this that it its which what where "
    "how many colour color red green blue yellow black white gray brown large small left right top bottom middle "
    "person people man woman child dog cat bird horse car truck bus boat plane train table chair sofa bed window "
    "door tree sky water road street building house grass field mountain river answer question option correct "
    "describe scene object objects count number one two three four five six seven eight nine ten yes no maybe "
    "standing sitting running walking holding looking smiling wearing near behind front next under above between"
).split()


@dataclass(frozen=True)
class Shape:
    """Model dimensions of one run (the real LLaMA-7B / CLIP ViT-L/14 / LLaVA-1.5-7B shapes, or tiny ones)."""

    name: str
    vocab: int
    hidden: int
    intermediate: int
    layers: int
    heads: int
    clip_model: str
    """open_clip model config of the LAMM vision tower (patch 14 at 224 pixels: 256 patch tokens)."""
    clip_config: dict | None = None
    """A custom open_clip config to register under ``clip_model`` (None: an open_clip built-in)."""
    llava_vision: dict = field(default_factory=dict)
    """``CLIPVisionConfig`` arguments of the LLaVA vision tower."""
    llava_vocab: int = 32064


REAL = Shape(
    name="llama-7b", vocab=32000, hidden=4096, intermediate=11008, layers=32, heads=32, clip_model="ViT-L-14",
    llava_vision=dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                      image_size=336, patch_size=14, projection_dim=768),
)  # fmt: skip
TINY = Shape(
    name="tiny", vocab=1024, hidden=64, intermediate=128, layers=2, heads=4, clip_model="GpuBenchTiny-ViT-14",
    clip_config={"embed_dim": 32, "quick_gelu": True,
                 "vision_cfg": {"image_size": 224, "layers": 1, "width": 64, "patch_size": 14, "head_width": 16},
                 "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}},
    llava_vision=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                      image_size=28, patch_size=14, projection_dim=32),
    llava_vocab=1024,
)  # fmt: skip


def corpus(n: int, seed: int = 0, words: int = 12) -> list[str]:
    """``n`` random sentences over a fixed English word list (deterministic)."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "." for _ in range(n)]


def train_tokenizer(path: Path, vocab_size: int = 600) -> Path:
    """Train a LLaMA-like SentencePiece BPE model (byte fallback, ``<unk>``/``<s>``/``</s>`` = 0/1/2) at ``path``."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus(3000)), model_writer=model, vocab_size=vocab_size, model_type="bpe",
        byte_fallback=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, character_coverage=1.0,
        hard_vocab_limit=False, minloglevel=2, num_threads=1,
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.getvalue())
    return path


def safe_ids(tokenizer_model: Path) -> list[int]:
    """Ids of ordinary pieces that contain none of :data:`UNSAFE_CHARS` (see the module docstring)."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(tokenizer_model))
    return [
        i for i in range(sp.get_piece_size())
        if not (sp.is_unknown(i) or sp.is_control(i) or sp.is_byte(i) or sp.is_unused(i))
        and not any(c in sp.id_to_piece(i) for c in UNSAFE_CHARS)
    ]  # fmt: skip


def restrict_output(model, allowed: list[int]) -> None:
    """Zero every LM-head row outside ``allowed`` (those logits are exactly 0 and lose to the random ones)."""
    import torch

    weight = model.get_output_embeddings().weight
    keep = torch.zeros(weight.shape[0], dtype=torch.bool, device=weight.device)
    keep[torch.tensor(allowed, device=weight.device)] = True
    with torch.no_grad():
        weight[~keep] = 0


def llama_config(shape: Shape):
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=shape.vocab, hidden_size=shape.hidden, intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers, num_attention_heads=shape.heads, num_key_value_heads=shape.heads,
        max_position_embeddings=2048, rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False,
    )  # fmt: skip


def random_llama(shape: Shape, dtype, device, allowed: list[int] | None, seed: int = 0):
    """A random ``LlamaForCausalLM`` of ``shape``, created directly on ``device`` in ``dtype`` (eval, frozen)."""
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    with torch.device(device):
        model = LlamaForCausalLM._from_config(llama_config(shape), dtype=dtype)
    if allowed is not None:
        restrict_output(model, allowed)
    model.requires_grad_(False)
    return model.eval()


def register_clip(shape: Shape, folder: Path) -> str:
    """Register a custom open_clip config (tiny shape) and return the folder to pass as ``clip_config_dir``."""
    if shape.clip_config is None:
        return ""
    import open_clip

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{shape.clip_model}.json").write_text(json.dumps(shape.clip_config))
    if shape.clip_model not in open_clip.list_models():
        open_clip.add_model_config(folder)
    return str(folder)


def random_clip_visual(shape: Shape, device):
    """A random open_clip vision tower (QuickGELU, as the adapter builds it), float32, eval, frozen."""
    import logging

    import open_clip

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # "no pretrained weights loaded": random on purpose
    try:
        visual = open_clip.create_model(shape.clip_model, force_quick_gelu=True, device=device).visual
    finally:
        logging.disable(previous)
    return visual.float().eval().requires_grad_(False)


@dataclass(frozen=True)
class LammRoot:
    """The files the ``lamm`` adapter and the trainer look for; the two large ones are stand-ins."""

    llm: Path
    """``tokenizer.model`` + ``config.json`` (no weights: :func:`random_weights` supplies them)."""
    clip: Path
    """A placeholder file (never read under :func:`random_weights`)."""
    delta: Path
    """A real LAMM delta in the released key layout (random LoRA r32 and ``llama_proj``)."""
    clip_config_dir: str
    allowed: list[int]


def write_lamm_root(root: Path, shape: Shape, lora_r: int = 32) -> LammRoot:
    """Write tokenizer, ``config.json``, a random delta and a placeholder CLIP file under ``root``."""
    import torch

    from lamm_bench.model_adapters.lamm.checkpoint import expected_delta_shapes

    llm = root / "llm"
    tokenizer = train_tokenizer(llm / "tokenizer.model")
    (llm / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "LlamaTokenizer"}))
    llama_config(shape).to_json_file(str(llm / "config.json"))
    clip = root / "clip" / "ViT-L-14.pt"
    clip.parent.mkdir(parents=True, exist_ok=True)
    clip.write_bytes(b"placeholder: the benchmark builds a random tower instead of reading this file\n")
    config_dir = register_clip(shape, root / "open_clip_configs")
    width = shape.clip_config["vision_cfg"]["width"] if shape.clip_config else 1024
    generator = torch.Generator().manual_seed(2)
    state = {key: (torch.randn(dims, generator=generator) * 0.01).half()
             for key, dims in expected_delta_shapes(shape.layers, shape.hidden, lora_r, width).items()}  # fmt: skip
    delta = root / "delta" / "pytorch_model.pt"
    delta.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, delta)
    return LammRoot(llm=llm, clip=clip, delta=delta, clip_config_dir=config_dir, allowed=safe_ids(tokenizer))


@contextmanager
def random_weights(shape: Shape, device, allowed: list[int] | None):
    """Within the block, the LAMM loaders build random weights instead of reading the (absent) files."""
    from unittest import mock

    from lamm_bench.model_adapters.lamm import checkpoint, vision

    def fake_llm(path, dtype, dev):
        return random_llama(shape, dtype, dev, allowed)

    def fake_clip(path, model_name="ViT-L-14"):
        return random_clip_visual(shape, device)

    with mock.patch.object(checkpoint, "load_llm", fake_llm), mock.patch.object(vision, "load_clip_visual", fake_clip):
        yield


def llava_chat_template() -> str:
    """llava-hf/llava-1.5-7b-hf's chat template (the copy the hf adapter falls back to)."""
    from lamm_bench.model_adapters.hf.impl import LLAVA_15_CHAT_TEMPLATE

    return LLAVA_15_CHAT_TEMPLATE


def write_llava_dir(directory: Path, shape: Shape):
    """Write a LLaVA-1.5 directory without weights (config, tokenizer, processor); returns ``(config, allowed)``."""
    from transformers import CLIPImageProcessor, CLIPVisionConfig, LlamaTokenizer, LlavaConfig, LlavaProcessor

    sp_dir = directory / "_sp"
    model_file = train_tokenizer(sp_dir / "tokenizer.model")
    tokenizer = LlamaTokenizer.from_pretrained(sp_dir)
    tokenizer.add_special_tokens({"additional_special_tokens": ["<image>"]})
    image_token = tokenizer.convert_tokens_to_ids("<image>")
    text = llama_config(shape)
    text.vocab_size = shape.llava_vocab
    vision = CLIPVisionConfig(**shape.llava_vision)
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=image_token,
                         vision_feature_select_strategy="default", vision_feature_layer=-2)  # fmt: skip
    config.save_pretrained(directory)
    size = shape.llava_vision["image_size"]
    processor = LlavaProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": size}, crop_size={"height": size, "width": size}),
        tokenizer=tokenizer, patch_size=shape.llava_vision["patch_size"], vision_feature_select_strategy="default",
        num_additional_image_tokens=1, chat_template=llava_chat_template(),
    )  # fmt: skip
    processor.save_pretrained(directory)
    return config, safe_ids(model_file)


def random_llava(config, dtype, device, allowed: list[int], seed: int = 0):
    """A random ``LlavaForConditionalGeneration`` created on ``device`` in ``dtype``."""
    import torch
    from transformers import LlavaForConditionalGeneration

    torch.manual_seed(seed)
    with torch.device(device):
        model = LlavaForConditionalGeneration._from_config(config, dtype=dtype)
    restrict_output(model, allowed)
    return model.eval().requires_grad_(False)


@contextmanager
def llava_from_pretrained(model):
    """Within the block, ``LlavaForConditionalGeneration.from_pretrained`` returns ``model`` (no weights on disk)."""
    from unittest import mock

    import transformers

    with mock.patch.object(transformers.LlavaForConditionalGeneration, "from_pretrained", lambda *a, **k: model):
        yield


def write_images(folder: Path, n: int, size: tuple[int, int] = (640, 480)) -> list[str]:
    """``n`` smooth random RGB JPEGs (deterministic)."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
        path = folder / f"{i}.jpg"
        Image.fromarray(small).resize(size, Image.BICUBIC).save(path, quality=90)
        paths.append(str(path))
    return paths


def write_instructions(root: Path, n: int, answer_words: int) -> Path:
    """A LAMM instruction file (``root/meta_file/instruct.json``) of ``n`` one-turn records with long answers."""
    images = write_images(root / "images", min(n, 8), size=(320, 240))
    records = []
    for i in range(n):
        answer = " ".join(corpus(answer_words // 12 + 1, seed=100 + i))
        records.append({"id": str(i), "image": f"images/{i % len(images)}.jpg", "task_type": "conversation",
                        "conversations": [{"from": "human", "value": "<image>\nDescribe the image in detail."},
                                          {"from": "gpt", "value": answer}]})  # fmt: skip
    meta = root / "meta_file" / "instruct.json"
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps(records))
    return meta
