"""Builders for tiny, random-weight model directories used by the adapter tests (no network, CPU, seconds).

``build_tiny_llava`` writes a complete Hugging Face LLaVA directory -- config, random weights, a LlamaTokenizer
made from a SentencePiece model trained here on a few sentences, a CLIP image processor and the llava-1.5-hf
chat template -- exactly the files a real ``llava-hf/llava-1.5-7b-hf`` download has, only tiny.
``build_tiny_qwen2_vl`` does the same for Qwen2-VL (byte-level BPE tokenizer, M-RoPE, the generic
``AutoModelForImageTextToText`` route); ``build_tiny_openclip`` writes a custom open_clip model config JSON and a
random-weight checkpoint.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

# The chat template shipped with llava-hf/llava-1.5-7b-hf (and -13b-hf), character for character: the text of
# transformers' tests/models/llava/test_processing_llava.py, whose processor is made from that Hub repository and
# "must match" it; the same text is copied in many public LLaVA-1.5 pipelines. A system message is rendered bare
# (no role prefix) before "USER:", images come before the text of their turn, the generation prompt is "ASSISTANT:".
LLAVA_15_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() + ': '}}{% endif %}"
    "{# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>\\n' }}{% endfor %}{# Render all text next #}{% if message['role'] != 'assistant' %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{{ content['text'] + ' '}}{% endfor %}{% else %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{% generation %}{{ content['text'] + ' '}}{% endgeneration %}{% endfor %}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)

_CORPUS = (
    "USER: what is in the image ? ASSISTANT: The object in the image is a cat.",
    "You are a helpful assistant. Answer the question about the image.",
    "airplane automobile bird cat deer dog frog horse ship truck",
    "The answer is yes. The answer is no. The correct option is (A) (B) (C) (D).",
    "a photo of a red car on the street, a dog running in the park, two birds in the sky",
    "Is the person smiling? Which hair color does the person have? black blond brown gray",
    "How many objects are there? one two three four five six seven eight nine ten 0 1 2 3 4 5 6 7 8 9",
)

IMAGE_SIZE = 28
PATCH_SIZE = 14


def train_sentencepiece(path: Path, vocab_size: int = 160) -> Path:
    """Train a tiny BPE SentencePiece model on a fixed corpus (deterministic, offline) and write it."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(_CORPUS) * 20),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="bpe",
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=1,
    )
    path.write_bytes(model.getvalue())
    return path


def _tiny_llava_config(tokenizer, image_token_id: int):
    """LLaVA-1.5's architecture at toy size: a 2-layer CLIP vision tower and a 2-layer LLaMA."""
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig

    vision = CLIPVisionConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        image_size=IMAGE_SIZE, patch_size=PATCH_SIZE, projection_dim=32,
    )
    text = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlavaConfig(
        vision_config=vision, text_config=text, image_token_index=image_token_id,
        vision_feature_select_strategy="default", vision_feature_layer=-2,
    )


def build_tiny_llava(
    directory: Path, *, seed: int = 0, chat_template: str | None = LLAVA_15_CHAT_TEMPLATE, pad_like: str | None = None
) -> Path:
    """Write a tiny random LLaVA-1.5 model with real tokenizer/processor files to ``directory``.

    Args:
        directory: Where to write (created).
        seed: Seed for the random weights.
        chat_template: The processor's chat template (``None`` writes none).
        pad_like: A token whose LM-head row ``<pad>`` gets (slightly stronger), so greedy decoding emits ``<pad>``
            wherever it would emit that token: a model that writes its pad token mid-answer.

    Returns:
        ``directory``.
    """
    import torch
    from transformers import CLIPImageProcessor, LlamaTokenizer, LlavaForConditionalGeneration, LlavaProcessor

    directory.mkdir(parents=True, exist_ok=True)
    sp_dir = directory / "_sp"
    sp_dir.mkdir(exist_ok=True)
    train_sentencepiece(sp_dir / "tokenizer.model")
    tokenizer = LlamaTokenizer.from_pretrained(sp_dir)
    tokenizer.add_special_tokens({"pad_token": "<pad>", "additional_special_tokens": ["<image>"]})
    image_token_id = tokenizer.convert_tokens_to_ids("<image>")

    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(_tiny_llava_config(tokenizer, image_token_id)).eval()
    # Random init gives near-uniform logits; sharpen the LM head so greedy decoding has clear winners and
    # batch-vs-single comparisons are not decided by float noise between near-ties.
    with torch.no_grad():
        model.lm_head.weight.mul_(8.0)
        if pad_like is not None:
            like = tokenizer.convert_tokens_to_ids(pad_like)
            model.lm_head.weight[tokenizer.pad_token_id] = model.lm_head.weight[like] * 1.05
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(directory)

    image_processor = CLIPImageProcessor(
        size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
    )
    processor = LlavaProcessor(
        image_processor=image_processor, tokenizer=tokenizer, patch_size=PATCH_SIZE,
        vision_feature_select_strategy="default", num_additional_image_tokens=1, chat_template=chat_template,
    )
    processor.save_pretrained(directory)
    return directory


def write_image(path: Path, color: tuple[int, int, int], size: tuple[int, int] = (40, 32)) -> str:
    """Write a small RGB image with a colored square on gray and return its absolute path."""
    from PIL import Image

    image = Image.new("RGB", size, (128, 128, 128))
    image.paste(Image.new("RGB", (size[0] // 2, size[1] // 2), color), (size[0] // 4, size[1] // 4))
    image.save(path)
    return str(path.resolve())


TINY_OPENCLIP_CONFIG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 2},
}


def build_tiny_openclip(directory: Path, *, seed: int = 0, name: str = "tiny-clip") -> tuple[Path, Path]:
    """Write a tiny open_clip config JSON and a random-weight checkpoint.

    Returns:
        ``(config_json, weights_file)``.
    """
    import torch
    from open_clip.model import CLIP

    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / f"{name}.json"
    config_path.write_text(json.dumps(TINY_OPENCLIP_CONFIG))
    torch.manual_seed(seed)
    model = CLIP(**TINY_OPENCLIP_CONFIG)
    weights = directory / f"{name}.pt"
    torch.save(model.state_dict(), weights)
    return config_path, weights


# Qwen2-VL-Instruct's chat template, trimmed of video and vision-id handling: a default system turn when the
# conversation has none, and one <|vision_start|><|image_pad|><|vision_end|> per image, in place.
QWEN2_VL_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in content %}"
    "<|vision_start|><|image_pad|><|vision_end|>{% elif 'text' in content %}{{ content['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
_QWEN_SPECIALS = ("<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>")


def _byte_level_tokenizer():
    """A Qwen2 (byte-level BPE) tokenizer with merges trained here on the fixed corpus."""
    import json

    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2Tokenizer

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        list(_CORPUS) * 5,
        trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False),
    )
    trained = json.loads(bpe.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in trained["merges"]]
    tokenizer = Qwen2Tokenizer(vocab=trained["vocab"], merges=merges)
    tokenizer.add_special_tokens({"additional_special_tokens": list(_QWEN_SPECIALS)})
    tokenizer.add_tokens(["<|endoftext|>"], special_tokens=True)
    return tokenizer


def build_tiny_qwen2_vl(directory: Path, *, seed: int = 0) -> Path:
    """Write a tiny random Qwen2-VL (M-RoPE, merged vision patches) with real processor files to ``directory``.

    Returns:
        ``directory``.
    """
    import torch
    from transformers import (
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessor,
        Qwen2VLProcessor,
        Qwen2VLVideoProcessor,
    )

    tokenizer = _byte_level_tokenizer()
    ids = dict(zip(_QWEN_SPECIALS, tokenizer.convert_tokens_to_ids(list(_QWEN_SPECIALS))))
    text = {
        "vocab_size": len(tokenizer), "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 512, "bos_token_id": None,
        "eos_token_id": ids["<|im_end|>"], "pad_token_id": tokenizer.convert_tokens_to_ids("<|endoftext|>"),
        "rope_parameters": {"rope_type": "default", "mrope_section": [2, 1, 1], "rope_theta": 10000.0},
    }
    vision = {"depth": 2, "embed_dim": 32, "hidden_size": 32, "num_heads": 2, "mlp_ratio": 2, "patch_size": 14,
              "spatial_merge_size": 2, "temporal_patch_size": 2}
    config = Qwen2VLConfig(
        text_config=text, vision_config=vision, image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"], vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(seed)
    model = Qwen2VLForConditionalGeneration(config).eval()
    with torch.no_grad():
        model.lm_head.weight.mul_(8.0)  # clear greedy winners, as for the tiny LLaVA
    model.save_pretrained(directory)
    pixels = {"min_pixels": 56 * 56, "max_pixels": 56 * 56}  # every image becomes 4x4 patches -> 4 tokens
    processor = Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(**pixels, patch_size=14, merge_size=2, temporal_patch_size=2),
        video_processor=Qwen2VLVideoProcessor(**pixels),
        tokenizer=tokenizer,
        chat_template=QWEN2_VL_CHAT_TEMPLATE,
    )
    processor.save_pretrained(directory)
    return directory
