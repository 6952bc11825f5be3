"""Tiny random checkpoints of the Hugging Face VLM families the ``hf`` adapter is proven on (offline, CPU, seconds).

Each builder writes what a real ``-hf`` download holds -- ``config.json`` and safetensors weights from the family's
own transformers config (hidden size 32, 1-2 layers, a tiny vision tower, small images), a tokenizer carrying the
family's special tokens, and the family's processor with its own chat template (``family_templates.py``) -- only
tiny. The tokenizers are byte-level BPEs trained here on a fixed corpus (no family's vocabulary is downloaded); the
special tokens, the BOS/EOS/pad roles and the processor-facing token attributes are the family's.
``FAMILIES`` lists the families with their builders and what the tests establish about each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import family_templates as templates

CORPUS = (
    "USER: what is in the image ? ASSISTANT: The object in the image is a cat.",
    "You are a helpful assistant. Answer the question about the image. Be brief.",
    "airplane automobile bird cat deer dog frog horse ship truck yes no",
    "The answer is (A) (B) (C) (D). How many objects are there? one two three four five",
)

TEXT = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "max_position_embeddings": 4096}  # fmt: skip
"""A decoder at toy size, shared by every family's text model."""


def tokenizer(bos: str | None, eos: str, pad: str, specials: Sequence[str] = (),
              named: Mapping[str, str] | None = None, adds_bos: bool = False):  # fmt: skip
    """A byte-level BPE tokenizer (``TokenizersBackend``) with a family's special tokens.

    Args:
        bos, eos, pad: The family's BOS (or None), EOS and pad tokens.
        specials: Further special tokens (turn markers, image placeholders).
        named: Special tokens the processor reads as tokenizer attributes (``boi_token``, ``image_token``, ...).
        adds_bos: Whether encoding with special tokens puts BOS first (LLaMA/Mistral tokenizers do).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)  # fmt: skip
    bpe.train_from_iterator(list(CORPUS) * 5, trainer)
    roles = [t for t in (bos, eos, pad) if t]
    bpe.add_special_tokens(list(dict.fromkeys([*roles, *specials, *(named or {}).values()])))
    if adds_bos and bos:
        bpe.post_processor = processors.TemplateProcessing(single=f"{bos} $A", special_tokens=[(bos, bpe.token_to_id(bos))])
    kwargs = {"bos_token": bos} if bos else {}
    return PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token=eos, pad_token=pad,
                                   extra_special_tokens=dict(named or {}), **kwargs)  # fmt: skip


def _ids(tok, *tokens: str) -> list[int]:
    return tok.convert_tokens_to_ids(list(tokens))


def _text(tok, **overrides) -> dict:
    return {**TEXT, "vocab_size": len(tok), "bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id,
            "pad_token_id": tok.pad_token_id, **overrides}  # fmt: skip


def _save(directory: Path, model_cls, config, processor, seed: int) -> Path:
    """Random weights (LM head sharpened so greedy decoding has clear winners, added tokens' rows zeroed so it writes
    text), saved with the processor."""
    import torch

    torch.manual_seed(seed)
    model = model_cls(config).eval()
    with torch.no_grad():
        head = model.get_output_embeddings().weight
        head.mul_(8.0)
        # Never greedily written: added tokens and blanks (a random model otherwise often ends at once, writes turn
        # markers or only newlines, which all decode to an empty answer).
        tok = processor.tokenizer
        blank = [i for i in range(len(tok)) if not tok.decode([i]).strip()]
        head[[i for i in blank + _ids(tok, *tok.get_added_vocab()) if i < head.shape[0]]] = 0
    model.generation_config.pad_token_id = processor.tokenizer.pad_token_id
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory


CLIP = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
        "image_size": 28, "patch_size": 14, "projection_dim": 32}  # fmt: skip
SIGLIP = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
          "image_size": 28, "patch_size": 7}  # fmt: skip


def build_llava_next(directory: Path, seed: int = 0) -> Path:
    """LLaVA-NeXT (v1.6 Mistral): CLIP tower, any-resolution tiles, Mistral's ``[INST]`` template."""
    from transformers import LlavaNextConfig, LlavaNextForConditionalGeneration, LlavaNextImageProcessor
    from transformers import LlavaNextProcessor

    tok = tokenizer("<s>", "</s>", "<pad>", ["<image>"], adds_bos=True)
    config = LlavaNextConfig(
        vision_config={"model_type": "clip_vision_model", **CLIP}, text_config={"model_type": "mistral", **_text(tok)},
        image_token_index=_ids(tok, "<image>")[0], image_grid_pinpoints=[[28, 28], [28, 56], [56, 28]],
        vision_feature_select_strategy="default", vision_feature_layer=-2,
    )
    image_processor = LlavaNextImageProcessor(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28},
                                              image_grid_pinpoints=[[28, 28], [28, 56], [56, 28]])  # fmt: skip
    processor = LlavaNextProcessor(image_processor=image_processor, tokenizer=tok, patch_size=14,
                                   vision_feature_select_strategy="default", num_additional_image_tokens=1,
                                   chat_template=templates.LLAVA_NEXT)  # fmt: skip
    return _save(directory, LlavaNextForConditionalGeneration, config, processor, seed)


def build_llava_onevision(directory: Path, seed: int = 0) -> Path:
    """LLaVA-OneVision: SigLIP tower, any-resolution tiles, Qwen2 with ``<|im_start|>`` turns."""
    from transformers import LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration
    from transformers import LlavaOnevisionImageProcessor, LlavaOnevisionProcessor, LlavaOnevisionVideoProcessor

    tok = tokenizer(None, "<|im_end|>", "<|endoftext|>", ["<|im_start|>", "<image>", "<video>"])
    pinpoints = [[28, 28], [28, 56], [56, 28]]
    config = LlavaOnevisionConfig(
        vision_config={"model_type": "siglip_vision_model", **SIGLIP}, text_config={"model_type": "qwen2", **_text(tok)},
        image_token_index=_ids(tok, "<image>")[0], video_token_index=_ids(tok, "<video>")[0],
        image_grid_pinpoints=pinpoints, vision_feature_select_strategy="full", vision_feature_layer=-1,
    )
    image_processor = LlavaOnevisionImageProcessor(size={"height": 28, "width": 28}, image_grid_pinpoints=pinpoints)
    processor = LlavaOnevisionProcessor(
        image_processor=image_processor, video_processor=LlavaOnevisionVideoProcessor(size={"height": 28, "width": 28}),
        tokenizer=tok, num_image_tokens=16, vision_feature_select_strategy="full", chat_template=templates.LLAVA_ONEVISION,
    )
    return _save(directory, LlavaOnevisionForConditionalGeneration, config, processor, seed)


QWEN_SPECIALS = ["<|im_start|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
QWEN_VISION = {"depth": 2, "hidden_size": 32, "num_heads": 2, "patch_size": 14, "spatial_merge_size": 2,
               "temporal_patch_size": 2}  # fmt: skip
PIXELS = {"min_pixels": 56 * 56, "max_pixels": 56 * 56}  # every image becomes 4x4 patches -> 4 tokens


def _qwen_ids(tok) -> dict:
    image, video, start, end = _ids(tok, "<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>")
    return {"image_token_id": image, "video_token_id": video, "vision_start_token_id": start,
            "vision_end_token_id": end}  # fmt: skip


def build_qwen2_5_vl(directory: Path, seed: int = 0) -> Path:
    """Qwen2.5-VL: windowed-attention vision tower, M-RoPE, the Qwen2-VL template."""
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor
    from transformers import Qwen2VLImageProcessor, Qwen2VLVideoProcessor

    tok = tokenizer(None, "<|im_end|>", "<|endoftext|>", QWEN_SPECIALS)
    rope = {"rope_type": "default", "mrope_section": [2, 1, 1], "rope_theta": 10000.0}
    vision = {**QWEN_VISION, "intermediate_size": 64, "out_hidden_size": 32, "window_size": 28,
              "fullatt_block_indexes": [1]}  # fmt: skip
    config = Qwen2_5_VLConfig(text_config=_text(tok, rope_parameters=rope), vision_config=vision, **_qwen_ids(tok))
    processor = Qwen2_5_VLProcessor(
        image_processor=Qwen2VLImageProcessor(**PIXELS, patch_size=14, merge_size=2, temporal_patch_size=2),
        video_processor=Qwen2VLVideoProcessor(**PIXELS), tokenizer=tok, chat_template=templates.QWEN2_VL,
    )
    return _save(directory, Qwen2_5_VLForConditionalGeneration, config, processor, seed)


def build_qwen3_vl(directory: Path, seed: int = 0) -> Path:
    """Qwen3-VL: DeepStack vision features, interleaved M-RoPE, patch 16, no default system turn."""
    from transformers import Qwen2VLImageProcessor, Qwen3VLConfig, Qwen3VLForConditionalGeneration, Qwen3VLProcessor
    from transformers import Qwen3VLVideoProcessor

    tok = tokenizer(None, "<|im_end|>", "<|endoftext|>", QWEN_SPECIALS)
    rope = {"rope_type": "default", "mrope_section": [4, 2, 2], "mrope_interleaved": True, "rope_theta": 10000.0}
    vision = {**QWEN_VISION, "patch_size": 16, "intermediate_size": 64, "out_hidden_size": 32,
              "num_position_embeddings": 64, "deepstack_visual_indexes": [0]}  # fmt: skip
    config = Qwen3VLConfig(text_config=_text(tok, rope_parameters=rope, head_dim=16), vision_config=vision,
                           **_qwen_ids(tok))  # fmt: skip
    pixels = {"min_pixels": 64 * 64, "max_pixels": 64 * 64}
    processor = Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessor(**pixels, patch_size=16, merge_size=2, temporal_patch_size=2),
        video_processor=Qwen3VLVideoProcessor(size={"shortest_edge": 64 * 64, "longest_edge": 64 * 64}),
        tokenizer=tok, chat_template=templates.QWEN3_VL,
    )
    return _save(directory, Qwen3VLForConditionalGeneration, config, processor, seed)


def build_idefics3(directory: Path, seed: int = 0) -> Path:
    """Idefics3 (SmolVLM's first release is the same ``idefics3`` model): SigLIP tower, pixel shuffle, images split
    into a row/column grid plus a global view, ``User:``/``Assistant:`` turns ending in ``<end_of_utterance>``."""
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3ImageProcessor
    from transformers import Idefics3Processor

    named = {"image_token": "<image>", "fake_image_token": "<fake_token_around_image>",
             "end_of_utterance_token": "<end_of_utterance>", "global_image_token": "<global-img>"}  # fmt: skip
    grid = [f"<row_{i + 1}_col_{j + 1}>" for i in range(6) for j in range(6)]
    tok = tokenizer("<|begin_of_text|>", "<end_of_utterance>", "<|end_of_text|>", grid, named, adds_bos=True)
    config = Idefics3Config(vision_config=SIGLIP, text_config={"model_type": "llama", **_text(tok)},
                            image_token_id=_ids(tok, "<image>")[0], scale_factor=2)  # fmt: skip
    image_processor = Idefics3ImageProcessor(size={"longest_edge": 56}, max_image_size={"longest_edge": 28})
    processor = Idefics3Processor(image_processor=image_processor, tokenizer=tok, image_seq_len=4,
                                  chat_template=templates.IDEFICS3)  # fmt: skip
    return _save(directory, Idefics3ForConditionalGeneration, config, processor, seed)


def _gemma_tok(named: Mapping[str, str] | None = None, specials: Sequence[str] = ()):
    return tokenizer("<bos>", "<eos>", "<pad>", ["<start_of_turn>", "<end_of_turn>", *specials], named, adds_bos=True)


def build_paligemma(directory: Path, seed: int = 0) -> Path:
    """PaliGemma: SigLIP tower, a Gemma decoder with a prefix-LM mask; no chat template (its processor builds
    ``<image>``*n + BOS + prefix + ``"\\n"``)."""
    from transformers import PaliGemmaConfig, PaliGemmaForConditionalGeneration, PaliGemmaProcessor
    from transformers import SiglipImageProcessor

    tok = _gemma_tok({"image_token": "<image>"})
    image_processor = SiglipImageProcessor(size={"height": 28, "width": 28}, image_seq_length=16)
    processor = PaliGemmaProcessor(image_processor=image_processor, tokenizer=tok)  # adds the <loc>/<seg> tokens
    config = PaliGemmaConfig(
        vision_config={**SIGLIP, "projection_dim": 32}, text_config={"model_type": "gemma", **_text(tok, head_dim=8)},
        image_token_index=_ids(tok, "<image>")[0], projection_dim=32, hidden_size=32,
    )
    return _save(directory, PaliGemmaForConditionalGeneration, config, processor, seed)


def build_gemma3(directory: Path, seed: int = 0) -> Path:
    """Gemma 3: SigLIP tower pooled to ``mm_tokens_per_image`` soft tokens between ``<start_of_image>`` and
    ``<end_of_image>``, image tokens attended both ways, the system text opening the first user turn."""
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3ImageProcessor, Gemma3Processor

    named = {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>"}
    tok = _gemma_tok(named)
    text = _text(tok, head_dim=8, sliding_window=64, layer_types=["sliding_attention", "full_attention"])
    config = Gemma3Config(
        vision_config=SIGLIP, text_config=text, mm_tokens_per_image=4, image_token_index=_ids(tok, "<image_soft_token>")[0],
        boi_token_index=_ids(tok, "<start_of_image>")[0], eoi_token_index=_ids(tok, "<end_of_image>")[0],
    )
    processor = Gemma3Processor(image_processor=Gemma3ImageProcessor(size={"height": 28, "width": 28}), tokenizer=tok,
                                image_seq_length=4, chat_template=templates.GEMMA3)  # fmt: skip
    return _save(directory, Gemma3ForConditionalGeneration, config, processor, seed)


def build_internvl(directory: Path, seed: int = 0) -> Path:
    """InternVL (-hf conversion): InternViT tower, pixel shuffle, a Qwen2 decoder, ``<img>`` ... ``</img>`` spans."""
    from transformers import GotOcr2ImageProcessor, InternVLConfig, InternVLForConditionalGeneration
    from transformers import InternVLProcessor, InternVLVideoProcessor

    named = {"start_image_token": "<img>", "end_image_token": "</img>", "context_image_token": "<IMG_CONTEXT>",
             "video_token": "<video>"}  # fmt: skip
    tok = tokenizer(None, "<|im_end|>", "<|endoftext|>", ["<|im_start|>"], named)
    vision = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
              "image_size": [28, 28], "patch_size": [7, 7]}  # fmt: skip
    config = InternVLConfig(vision_config=vision, text_config={"model_type": "qwen2", **_text(tok)},
                            image_token_id=_ids(tok, "<IMG_CONTEXT>")[0], downsample_ratio=0.5)  # fmt: skip
    image_processor = GotOcr2ImageProcessor(size={"height": 28, "width": 28}, max_patches=2)
    processor = InternVLProcessor(image_processor=image_processor, tokenizer=tok, image_seq_length=4,
                                  video_processor=InternVLVideoProcessor(size={"height": 28, "width": 28}),
                                  chat_template=templates.INTERNVL)  # fmt: skip
    return _save(directory, InternVLForConditionalGeneration, config, processor, seed)


def build_mllama(directory: Path, seed: int = 0) -> Path:
    """Mllama (Llama 3.2 Vision): tiled vision encoder, cross-attention layers in the decoder, Llama 3 headers."""
    from transformers import MllamaConfig, MllamaForConditionalGeneration, MllamaImageProcessor, MllamaProcessor

    specials = ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|image|>", "<|python_tag|>"]
    tok = tokenizer("<|begin_of_text|>", "<|eot_id|>", "<|finetune_right_pad_id|>", specials, adds_bos=True)
    vision = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_global_layers": 1,
              "attention_heads": 2, "image_size": 28, "patch_size": 14, "max_num_tiles": 2, "vision_output_dim": 64,
              "intermediate_layers_indices": [0], "supported_aspect_ratios": [[1, 1], [1, 2], [2, 1]]}  # fmt: skip
    text = _text(tok, cross_attention_layers=[1])
    text.pop("max_position_embeddings")
    config = MllamaConfig(vision_config=vision, text_config=text, image_token_index=_ids(tok, "<|image|>")[0])
    image_processor = MllamaImageProcessor(size={"height": 28, "width": 28}, max_image_tiles=2)
    processor = MllamaProcessor(image_processor=image_processor, tokenizer=tok, chat_template=templates.MLLAMA)
    return _save(directory, MllamaForConditionalGeneration, config, processor, seed)


def build_mistral3(directory: Path, seed: int = 0) -> Path:
    """Mistral 3 (Small 3.1): Pixtral tower with ``[IMG_BREAK]`` rows and ``[IMG_END]``, patch merger, a Mistral
    decoder, ``[SYSTEM_PROMPT]`` and ``[INST]`` blocks."""
    from transformers import Mistral3Config, Mistral3ForConditionalGeneration, PixtralImageProcessor, PixtralProcessor

    specials = ["[INST]", "[/INST]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[IMG]", "[IMG_BREAK]", "[IMG_END]"]
    tok = tokenizer("<s>", "</s>", "<pad>", specials, adds_bos=True)
    vision = {"model_type": "pixtral", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
              "num_attention_heads": 2, "head_dim": 16, "image_size": 56, "patch_size": 14}  # fmt: skip
    config = Mistral3Config(vision_config=vision, text_config={"model_type": "mistral", **_text(tok, head_dim=8)},
                            image_token_index=_ids(tok, "[IMG]")[0], spatial_merge_size=2)  # fmt: skip
    image_processor = PixtralImageProcessor(size={"longest_edge": 56}, patch_size=14)
    processor = PixtralProcessor(image_processor=image_processor, tokenizer=tok, patch_size=14, spatial_merge_size=2,
                                 chat_template=templates.MISTRAL3)  # fmt: skip
    return _save(directory, Mistral3ForConditionalGeneration, config, processor, seed)


def build_llava(directory: Path, seed: int = 0) -> Path:
    """LLaVA-1.5: ``tiny_hf.build_tiny_llava`` (SentencePiece LLaMA tokenizer, llava-hf's template)."""
    import tiny_hf

    return tiny_hf.build_tiny_llava(directory, seed=seed)


def build_qwen2_vl(directory: Path, seed: int = 0) -> Path:
    """Qwen2-VL: ``tiny_hf.build_tiny_qwen2_vl``."""
    import tiny_hf

    return tiny_hf.build_tiny_qwen2_vl(directory, seed=seed)


@dataclass(frozen=True)
class Family:
    """A family the ``hf`` adapter is proven on, and what its tests establish about it."""

    name: str
    build: Callable[[Path], Path]
    system: str
    """Where the system message lands, in words (the ``docs/adapters.md`` table's cell)."""
    prompt: str
    """The exact prompt for system ``Be brief.``, one image and ``what is in the image ?``."""
    choice_broken: str = ""
    """Why choice scoring is not proven for this family (the test is a strict xfail), or empty."""


QWEN_PROMPT = ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>"
               "what is in the image ?<|im_end|>\n<|im_start|>assistant\n")  # fmt: skip
FAMILIES = (
    Family("LLaVA-1.5", build_llava, "bare text before `USER:`",
           "Be brief. USER: <image>\nwhat is in the image ? ASSISTANT:"),
    Family("LLaVA-NeXT", build_llava_next, "`<<SYS>>` block before `[INST]`",
           "<<SYS>>\nBe brief.\n<</SYS>>\n\n[INST] <image>\nwhat is in the image ? [/INST]"),
    Family("LLaVA-OneVision", build_llava_onevision, "system turn",
           "<|im_start|>system \nBe brief.<|im_end|><|im_start|>user <image>\nwhat is in the image ?<|im_end|>"
           "<|im_start|>assistant\n"),
    Family("Qwen2-VL", build_qwen2_vl, "system turn", QWEN_PROMPT),
    Family("Qwen2.5-VL", build_qwen2_5_vl, "system turn", QWEN_PROMPT),
    Family("Qwen3-VL", build_qwen3_vl, "system turn", QWEN_PROMPT),
    Family("Idefics3 / SmolVLM", build_idefics3, "`System:` turn",
           "<|begin_of_text|>System: Be brief.<end_of_utterance>\nUser:<image>what is in the image ?<end_of_utterance>"
           "\nAssistant:"),
    Family("PaliGemma", build_paligemma, "prepended to the prefix, on its own line",
           "<image>Be brief.\nwhat is in the image ?\n"),
    Family("Gemma 3", build_gemma3, "opens the first user turn (the template's own way)",
           "<bos><start_of_turn>user\nBe brief.\n\n<start_of_image>what is in the image ?<end_of_turn>\n"
           "<start_of_turn>model\n"),
    Family("InternVL", build_internvl, "system turn",
           "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n<IMG_CONTEXT>\nwhat is in the image ?<|im_end|>\n"
           "<|im_start|>assistant\n"),
    Family("Mllama", build_mllama, "system header",
           "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user"
           "<|end_header_id|>\n\n<|image|>what is in the image ?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
    Family("Mistral3", build_mistral3, "`[SYSTEM_PROMPT]` block",
           "<s>[SYSTEM_PROMPT]Be brief.[/SYSTEM_PROMPT][INST][IMG]what is in the image ?[/INST]"),
)
"""Every family the ``hf`` adapter is proven on, in ``docs/adapters.md``'s order."""

CAPABILITIES = ("generate", "batched = single = bare `generate`", "system message", "choice scoring", "odd images")
"""The table's columns; each is one test of ``test_hf_families.py`` (odd images: every generation and choice test
runs on grey, RGBA, palette and 20x30 pictures)."""


def table() -> str:
    """``docs/adapters.md``'s family x capability table, as the family tests establish it."""
    rows = ["| family | " + " | ".join(CAPABILITIES) + " |", "|---" * (len(CAPABILITIES) + 1) + "|"]
    for family in FAMILIES:
        choice = "**no**: " + family.choice_broken if family.choice_broken else "yes"
        rows.append(f"| {family.name} | yes | yes | {family.system} | {choice} | yes |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")  # noqa: T201 -- a script's output
