"""The built-in tiny base of ``lamm-tiny`` and ``lamm3d-tiny``: random but deterministic weights in LAMM's real formats.

:func:`build_base` writes, into one folder, everything the ``lamm`` adapter and the trainer read for Vicuna, CLIP
and EPCL, in the same formats, so they load it with exactly those code paths:

- ``tiny-llama/``: a ``LlamaForCausalLM`` saved with ``save_pretrained`` (hidden 128, 4 layers, 4 heads) and a
  LLaMA-style SentencePiece ``tokenizer.model`` (BPE, byte fallback, ``<unk>`` 0, ``<s>`` 1, ``</s>`` 2) trained on
  lamm-mini's own text (:func:`corpus`), so the prompts tokenize into few pieces;
- ``clip/LammBuiltin-ViT-28.pt``: an open_clip CLIP state dict whose vision tower is a ViT of width 64, 2 layers,
  patch 28 at 224 pixels (an 8 x 8 grid: 64 patch tokens), with its open_clip config in ``open_clip_configs/``;
- ``epcl/LammBuiltin-EPCL-64.pth``: an EPCL checkpoint (``{"args": Namespace, "model": state_dict}``) grouping a
  point cloud into 64 tokens through the same tiny CLIP transformer.

Every weight comes from a seeded generator (the process's global RNG is left as it was) and SentencePiece runs on
one thread, so two builds from the same corpus are byte-identical. ``BASE_VERSION`` is part of the cache key:
bump it whenever anything here changes what is written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

BASE_VERSION = "1"
"""Version of what :func:`build_base` writes (part of every cache key)."""
SCAFFOLDING = ("### Human:", "### Assistant:", "<Img>", "</Img>", "<Pcl>", "</Pcl>", "###", "ANSWER:")
"""Prompt pieces every LAMM sequence is made of (added to the tokenizer's corpus)."""
CLIP_NAME = "LammBuiltin-ViT-28"
"""open_clip config name of the tiny vision tower."""
LLM_DIR = "tiny-llama"
CLIP_FILE = f"clip/{CLIP_NAME}.pt"
EPCL_FILE = "epcl/LammBuiltin-EPCL-64.pth"
CLIP_CONFIG_DIR = "open_clip_configs"
SPEC_FILE = "base.json"
MEDIA_KEYS = frozenset({"image", "pcl", "id", "src_image", "src_dataset", "src_id", "scene_id", "object_id"})
"""Record keys whose strings are paths or identifiers, not text a model reads or writes."""


@dataclass(frozen=True)
class BaseSpec:
    """Sizes of the built-in base (written to ``base.json``)."""

    hidden: int = 128
    """LLaMA hidden size."""
    layers: int = 4
    """LLaMA decoder layers."""
    heads: int = 4
    """Attention heads (and key/value heads)."""
    intermediate: int = 384
    """LLaMA MLP width."""
    vocab: int = 1536
    """SentencePiece vocabulary (256 byte pieces and 3 specials included)."""
    init_std: float = 0.1
    """Standard deviation of every LLaMA weight matrix (``initializer_range``). LoRA cannot touch ``lm_head`` or the
    final norm, so with LLaMA's 0.02 the largest logit a 128-wide hidden state can reach is about 2.6 and the loss
    cannot fall below ~4.8; at 0.1 the frozen random LLM leaves LoRA room to learn."""
    max_positions: int = 2048
    """Longest sequence (a 3D prompt plus 800 new tokens fits)."""
    vision_width: int = 64
    """CLIP ViT width (the features ``llama_proj`` maps to the LLM)."""
    vision_layers: int = 2
    """CLIP ViT transformer blocks."""
    patch: int = 28
    """ViT patch size at 224 pixels: an 8 x 8 grid of patch tokens."""
    point_tokens: int = 64
    """EPCL groups (farthest-point centres) and so visual tokens per point cloud."""
    point_radius: float = 0.4
    """EPCL ball-query radius in metres."""
    seed: int = 0
    """Seed of every random weight."""

    @property
    def vision_tokens(self) -> int:
        """Patch tokens of one 224-pixel image (equal to ``point_tokens``: one setting serves 2D and 3D)."""
        return (224 // self.patch) ** 2


SPEC = BaseSpec()
"""The one base the built-in cards use."""


def _strings(value: object, key: str = "") -> Iterator[str]:
    """Every text string inside a JSON value, skipping paths and identifiers."""
    if isinstance(value, str):
        if key not in MEDIA_KEYS:
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


def data_files(data_root: Path) -> list[Path]:
    """The meta files and instruction files of a data root, in a fixed order."""
    root = Path(data_root)
    return sorted(p for pattern in ("*_Benchmark/meta_file/*.json", "*_Instruct/meta_file/*.json")
                  for p in root.glob(pattern))  # fmt: skip


FORMER_3D_TEXTS = {
    "MINI_LICENCE": "MIT",
    "MINI_SOURCE": "rooms furnished with pyvista's example meshes (airplane, ant, nut, sphere .ply)",
}
"""Two texts that the 3D prompt texts' module held (lamm-mini's 3D source notes, now in the demo) when the base's
tokenizer was trained; they stay in its corpus, in their places, so the base and every tiny card's answers stay the
same."""


def _system_texts() -> list[str]:
    """LAMM's system messages and instruction texts: the tasks' (2D, 3D, both eras) and the trainer's."""
    from lamm_bench.tasks import prompts2d, prompts3d
    from lamm_bench.train.system_messages import SYSTEM_MESSAGES

    texts = [v for names in (vars(prompts2d), {**vars(prompts3d), **FORMER_3D_TEXTS}) for k, v in sorted(names.items())
             if isinstance(v, str) and k.isupper()]  # fmt: skip
    return texts + [SYSTEM_MESSAGES[k] for k in sorted(SYSTEM_MESSAGES)]


def fixed_texts() -> list[str]:
    """What every corpus ends with, whatever the data: the system messages and the prompt scaffolding."""
    return _system_texts() + list(SCAFFOLDING)


def corpus(files: Sequence[Path]) -> list[str]:
    """The tokenizer's training lines: every query and answer in ``files`` (each distinct text once), then the
    system messages and the prompt scaffolding, repeated so that the pieces every prompt carries get merged first.

    Raises:
        UserError: A file is not readable JSON.
    """
    from lamm_bench.errors import UserError

    seen: dict[str, None] = {}
    for path in files:
        try:
            records = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise UserError(f"{path}: cannot read as JSON to build the tiny tokenizer ({err})") from None
        seen.update(dict.fromkeys(_strings(records)))
    fixed = fixed_texts()
    lines = [line for text in seen for line in text.splitlines() if line.strip()]
    return lines + [line for _ in range(20) for text in fixed for line in text.splitlines() if line.strip()]


def corpus_digest(lines: Iterable[str]) -> str:
    """SHA-256 of the corpus (the tokenizer is a function of it and ``SPEC``)."""
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _train_tokenizer(llm_dir: Path, lines: Sequence[str], spec: BaseSpec) -> None:
    import io

    import sentencepiece

    # From an iterator into memory: a file-based run records its input and output paths in the model, so two
    # builds in two folders would differ.
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, vocab_size=spec.vocab, model_type="bpe",
        byte_fallback=True, character_coverage=1.0, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        add_dummy_prefix=True, remove_extra_whitespaces=False, normalization_rule_name="identity",
        split_digits=True, num_threads=1, input_sentence_size=0, shuffle_input_sentence=False,
        hard_vocab_limit=False, max_sentence_length=1 << 16, minloglevel=2,
    )  # fmt: skip
    (llm_dir / "tokenizer.model").write_bytes(model.getvalue())
    (llm_dir / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
         "add_bos_token": True, "add_eos_token": False}, indent=1) + "\n")  # fmt: skip


def _save_llm(llm_dir: Path, spec: BaseSpec) -> None:
    import sentencepiece
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    vocab = sentencepiece.SentencePieceProcessor(model_file=str(llm_dir / "tokenizer.model")).get_piece_size()
    config = LlamaConfig(
        vocab_size=vocab, hidden_size=spec.hidden, intermediate_size=spec.intermediate,
        num_hidden_layers=spec.layers, num_attention_heads=spec.heads, num_key_value_heads=spec.heads,
        max_position_embeddings=spec.max_positions, bos_token_id=1, eos_token_id=2, pad_token_id=None,
        tie_word_embeddings=False, initializer_range=spec.init_std,
    )  # fmt: skip
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        model = LlamaForCausalLM(config)
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # "Writing model shards" would land on the user's terminal
    try:
        model.save_pretrained(llm_dir)
    finally:
        if shown:
            hf_logging.enable_progress_bar()


def clip_config(spec: BaseSpec) -> dict:
    """The open_clip model config of the tiny CLIP (QuickGELU, as OpenAI's)."""
    return {
        "embed_dim": 32,
        "quick_gelu": True,
        "vision_cfg": {"image_size": 224, "layers": spec.vision_layers, "width": spec.vision_width,
                       "patch_size": spec.patch, "head_width": 16},  # fmt: skip
        "text_cfg": {"context_length": 77, "vocab_size": 1024, "width": 32, "heads": 2, "layers": 1},
    }


def _save_clip(root: Path, spec: BaseSpec):
    import open_clip
    import torch

    config_dir = root / CLIP_CONFIG_DIR
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / f"{CLIP_NAME}.json").write_text(json.dumps(clip_config(spec), indent=1) + "\n")
    open_clip.add_model_config(config_dir)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed + 1)
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)  # open_clip warns "initialized randomly": random is the point here
        try:
            model = open_clip.create_model(CLIP_NAME, force_quick_gelu=True, device="cpu")
        finally:
            logging.disable(previous)
    (root / CLIP_FILE).parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), root / CLIP_FILE)
    return model.visual


def epcl_args(spec: BaseSpec) -> argparse.Namespace:
    """The EPCL checkpoint's ``args``: one set-abstraction layer into ``point_tokens`` groups, xyz only."""
    return argparse.Namespace(
        use_color=False, preenc_npoints=spec.point_tokens, preenc_radius=spec.point_radius,
        vit_num_token=spec.point_tokens, enc_dim=spec.vision_width, use_task_emb=True, dataset_name="scannet",
        clip_vit=CLIP_NAME, pointnet_downsample=False,
    )  # fmt: skip


def _save_epcl(root: Path, visual, spec: BaseSpec) -> None:
    import torch

    from lamm_bench.model_adapters.lamm.epcl import EpclEncoder

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed + 2)
        encoder = EpclEncoder(epcl_args(spec), visual)
    (root / EPCL_FILE).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"args": epcl_args(spec), "model": dict(encoder.state_dict())}, root / EPCL_FILE)


def build_base(folder: Path, lines: Sequence[str], spec: BaseSpec = SPEC) -> Path:
    """Write the base into ``folder`` (created; see the module docstring) and return it.

    Args:
        folder: Where to write (normally a staging folder the cache moves into place).
        lines: The tokenizer corpus (:func:`corpus`).
        spec: The sizes.
    """
    folder = Path(folder)
    llm_dir = folder / LLM_DIR
    llm_dir.mkdir(parents=True, exist_ok=True)
    _train_tokenizer(llm_dir, lines, spec)
    _save_llm(llm_dir, spec)
    visual = _save_clip(folder, spec)
    _save_epcl(folder, visual, spec)
    info = {"version": BASE_VERSION, "spec": asdict(spec), "corpus_sha256": corpus_digest(lines)}
    (folder / SPEC_FILE).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    return folder
