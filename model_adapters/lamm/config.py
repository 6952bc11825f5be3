"""Settings of the ``lamm`` adapter and where its weight files are looked for (no torch here).

``LammConfig`` is the frozen form of ``--model-arg k=v``; :func:`resolve_weights` turns it into the four
concrete weight paths (base LLM directory, CLIP file, LAMM delta, EPCL checkpoint for 3D) by checking the
explicit arguments first and then the models root (``models_root=DIR``, else ``$LAMM_BENCH_MODELS``), and
raises :class:`~lamm_bench.errors.MissingWeightsError` naming every missing file and every place it was
looked for. It only touches the filesystem with ``exists`` checks, so the adapter can fail fast in
``load()`` before importing torch.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lamm_bench.errors import MissingWeightsError, UserError
from lamm_bench.model_adapters.lamm.prompt import OPTION_RULES

MODELS_ROOT_ENV = "LAMM_BENCH_MODELS"
"""Environment variable naming the default models root."""
CLIP_FILE = "clip/ViT-L-14.pt"
"""Where the OpenAI CLIP ViT-L/14 file is expected under the models root."""
CLIP_CACHE_FILE = "~/.cache/clip/ViT-L-14.pt"
"""Where the LAMM reference (and OpenAI's ``clip`` package) keeps the same file."""
DELTA_FILE = "pytorch_model.pt"
"""The file name of a released LAMM delta checkpoint inside its directory."""
EPCL_FILE = "epcl/epcl_scannet_vit-L-14_256tokens_latest.pth"
"""Where the EPCL point-cloud encoder checkpoint is expected under the models root."""

PROMPT_STYLES = ("auto", "paper", "chef")
MODALITIES = ("image", "point_cloud")
DTYPES = ("auto", "float32", "bfloat16", "float16")
DEVICES = ("auto", "cpu", "cuda")
KV_CACHES = ("static", "dynamic")


@dataclass(frozen=True)
class LammConfig:
    """Arguments of the ``lamm`` adapter (each settable with ``--model-arg key=value``)."""

    llm: str | None = None
    """Base LLM directory (Hugging Face LLaMA/Vicuna v0 with ``config.json``, weights and ``tokenizer.model``)."""
    clip: str | None = None
    """OpenAI CLIP ViT-L/14 file (the JIT ``ViT-L-14.pt`` or an open_clip state dict)."""
    delta: str | None = None
    """LAMM delta checkpoint ``pytorch_model.pt`` (LoRA + ``llama_proj``)."""
    epcl: str | None = None
    """EPCL point-cloud encoder checkpoint (3D only)."""
    models_root: str | None = None
    """Directory holding the weights in the documented layout; default ``$LAMM_BENCH_MODELS``."""
    llm_name: str = "vicuna-13b-v0"
    """Sub-directory of the models root holding the base LLM."""
    delta_name: str = "lamm_13b_lora32_186k"
    """Sub-directory of the models root holding ``pytorch_model.pt``."""
    modality: str = "image"
    """``image`` (CLIP tower, ``<Img>`` tags) or ``point_cloud`` (EPCL encoder; ``<Pcl>`` tags under the ChEF
    protocol, ``<Img>`` under the paper protocol, as the paper-era 3D inference sent)."""
    clip_model: str = "ViT-L-14"
    """open_clip model config of the vision tower (QuickGELU is forced, as in OpenAI's weights)."""
    clip_config_dir: str = ""
    """A folder of extra open_clip model configs (``<name>.json``) for a custom ``clip_model``."""
    prompt_style: str = "auto"
    """``auto`` (each request's protocol: the paper-era layout for paper tasks, ChEF's for ``-chef`` tasks),
    ``paper`` (``OpenGVLab/LAMM@97cdc1c``: ``system### Human: text\\n``, ``<Img>`` tags even for point clouds) or
    ``chef`` (``d01093c``: the same generation text, ``<Pcl>`` tags for point clouds, the bare question as the
    human turn of a scored option)."""
    merge_lora: bool = True
    """Merge LoRA into the base weights after loading (the paper-era inference did; same function)."""
    dtype: str = "auto"
    """``auto`` (float16 on CUDA as the reference ran, float32 on CPU), ``float32``, ``bfloat16``, ``float16``."""
    device: str = "auto"
    """``auto`` (CUDA when available), ``cpu`` or ``cuda``/``cuda:N``."""
    lora_r: int = 32
    """LoRA rank of the delta."""
    lora_alpha: int = 32
    """LoRA alpha of the delta (scaling alpha / r)."""
    num_vision_tokens: int = 256
    """Visual tokens fed to the LLM (the first N of the encoder's 256)."""
    choice_batch: int = 16
    """Option sequences scored per forward pass (memory bound, does not change scores)."""
    option_rule: str = "first"
    """Where an option's tokens are found in its answer turn: ``first`` (ChEF ``d01093c``, the leaderboard's code) or
    ``last`` (HEAD ``ea57136``); see ``prompt.locate_option``. Recorded in the fingerprint when not ``first``."""
    max_new_tokens: int = 0
    """Cap on the new tokens of every answer (0: none, each request's own budget as its protocol sets it). A
    setting of the model, recorded in its fingerprint: the built-in tiny cards use it, since their answers are
    short and their untrained bases would otherwise write to the paper's 400/800-token limits."""
    kv_cache: str = "static"
    """The decoder's KV cache: ``static`` (transformers' ``StaticCache``, allocated once for the prompt and the
    token budget, written in place) or ``dynamic`` (grown by concatenation at every step). The same logits up to
    float rounding (the static cache's masked empty slots lengthen attention's sums), so the same greedy tokens but
    at a near-tie, like a change of batch width; not in the fingerprint (``docs/performance.md``, "Decoding")."""

    share_prefix: bool = True
    """Rows of a generation batch that show the same image or scene share the forward of their common prefix
    (``LammModel.prefill``): the same logits up to float rounding, like ``kv_cache``; not in the fingerprint
    (``docs/performance.md``, "Decoding")."""

    def __post_init__(self) -> None:
        choices = {
            "prompt_style": PROMPT_STYLES,
            "modality": MODALITIES,
            "dtype": DTYPES,
            "option_rule": OPTION_RULES,
            "kv_cache": KV_CACHES,
        }
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise UserError(f"adapter 'lamm': {key}={getattr(self, key)!r} must be one of {', '.join(allowed)}")
        if self.device not in DEVICES and not self.device.startswith("cuda:"):
            raise UserError(f"adapter 'lamm': device={self.device!r} must be auto, cpu, cuda or cuda:N")
        for key in ("lora_r", "lora_alpha", "num_vision_tokens", "choice_batch"):
            if getattr(self, key) < 1:
                raise UserError(f"adapter 'lamm': {key} must be a positive integer")
        if self.max_new_tokens < 0:
            raise UserError("adapter 'lamm': max_new_tokens cannot be negative (0: no cap)")
        if self.num_vision_tokens > 256:
            raise UserError("adapter 'lamm': num_vision_tokens cannot exceed the encoder's 256 tokens")


@dataclass(frozen=True)
class WeightPaths:
    """The resolved weight files of one LAMM model."""

    llm: Path
    clip: Path
    delta: Path | None
    """None only when the caller did not ask for a delta (the trainer starts without one)."""
    epcl: Path | None


def _candidates(explicit: str | None, root: Path | None, relative: str, extra: tuple[str, ...] = ()) -> list[Path]:
    if explicit:
        return [Path(explicit).expanduser()]
    found = [root / relative] if root is not None else []
    return found + [Path(p).expanduser() for p in extra]


def resolve_weights(
    config: LammConfig, environ: Mapping[str, str] | None = None, *, need_delta: bool = True
) -> WeightPaths:
    """Find every weight file the configuration needs, or say what is missing and where it was looked for.

    An explicit argument (``llm=``, ``clip=``, ``delta=``, ``epcl=``) is the only place looked at for that
    file; otherwise the models root layout is used (see ``docs/lamm-model.md``), plus CLIP's usual cache.

    Args:
        config: The adapter configuration.
        environ: Environment to read ``LAMM_BENCH_MODELS`` from (default ``os.environ``).
        need_delta: Whether the LAMM delta is needed (the trainer only needs the base weights).

    Returns:
        The existing paths.

    Raises:
        MissingWeightsError: One line listing each missing file with every path tried.
    """
    env = os.environ if environ is None else environ
    root_text = config.models_root or env.get(MODELS_ROOT_ENV) or None
    root = Path(root_text).expanduser() if root_text else None
    wanted: dict[str, list[Path]] = {
        "llm": _candidates(config.llm, root, config.llm_name),
        "clip": _candidates(config.clip, root, CLIP_FILE, (CLIP_CACHE_FILE,)),
    }
    if need_delta:
        wanted["delta"] = _candidates(config.delta, root, f"{config.delta_name}/{DELTA_FILE}")
    if config.modality == "point_cloud":
        wanted["epcl"] = _candidates(config.epcl, root, EPCL_FILE)
    found: dict[str, Path] = {}
    missing: list[str] = []
    for key, paths in wanted.items():
        hit = next((p for p in paths if (p.is_dir() if key == "llm" else p.is_file())), None)
        if hit is None:
            tried = ", ".join(str(p) for p in paths) or f"nowhere (pass {key}=PATH or models_root=DIR)"
            missing.append(f"{key} (looked in: {tried})")
        else:
            found[key] = hit
    if missing:
        hint = "" if root is not None else f"; no models root set (models_root=DIR or ${MODELS_ROOT_ENV})"
        raise MissingWeightsError(f"LAMM weights missing: {'; '.join(missing)}{hint}")
    return WeightPaths(llm=found["llm"], clip=found["clip"], delta=found.get("delta"), epcl=found.get("epcl"))
