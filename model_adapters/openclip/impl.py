"""The torch/open_clip half of the ``openclip`` adapter: model loading and zero-shot scoring.

Image embeddings are computed once per request, text embeddings once per distinct prompt (and cached across
batches, since a classification task asks about the same labels for every image); the logits are
``exp(logit_scale) * cos(image, text)`` (``+ logit_bias`` for SigLIP-style models), as open_clip computes them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from lamm_bench.errors import MissingWeightsError, UnknownNameError, UserError
from lamm_bench.media import Media
from lamm_bench.model_adapters._common import open_rgb
from lamm_bench.model_adapters.openclip import prompt_for
from lamm_bench.records import Request, Response

logger = logging.getLogger(__name__)

_PRECISION = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16"}


@dataclass
class LoadedCLIP:
    """A loaded CLIP model, its preprocessing and tokenizer, and the text embeddings computed so far."""

    model: Any
    preprocess: Any
    tokenizer: Any
    device: torch.device
    dtype: torch.dtype
    text_cache: dict[str, torch.Tensor] = field(default_factory=dict)


def resolve_dtype_device(config) -> tuple[str, str]:
    """The concrete (dtype name, device) that ``auto`` stands for on this machine."""
    device = config.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return ("float32" if config.dtype == "auto" else config.dtype), device


def load(config) -> LoadedCLIP:
    """Create the model from ``config.arch`` and load ``config.weights``."""
    import open_clip

    name = config.arch
    if config.is_config_file:
        _check_config_file(Path(config.arch))
        # open_clip finds model configs through its registry, keyed by the file's stem.
        open_clip.add_model_config(Path(config.arch))
        name = Path(config.arch).stem
    elif not name.startswith("local-dir:") and name not in open_clip.list_models():
        raise UnknownNameError("open_clip model", name, open_clip.list_models())
    dtype_name, device = resolve_dtype_device(config)
    weights = str(Path(config.weights).expanduser()) if config.weights else None
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            name, pretrained=weights, precision=_PRECISION[dtype_name], device=device,
            pretrained_text=False, pretrained_image=False,  # never fetch tower weights from the hub
        )
    except FileNotFoundError as exc:
        raise MissingWeightsError(f"openclip {config.arch}: {exc}") from None
    except (RuntimeError, KeyError) as exc:
        # A state dict that does not fit the architecture surfaces here (strict loading).
        message = " ".join(str(exc).split())[:300]
        raise UserError(f"openclip {config.arch}: weights {config.weights} do not fit: {message}") from None
    model.eval()
    return LoadedCLIP(
        model=model, preprocess=preprocess, tokenizer=open_clip.get_tokenizer(name), device=torch.device(device),
        dtype=getattr(torch, dtype_name),
    )


def _check_config_file(path: Path) -> None:
    try:
        parsed = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"openclip model config {path}: not readable JSON ({exc})") from None
    missing = [k for k in ("embed_dim", "vision_cfg", "text_cfg") if not isinstance(parsed, dict) or k not in parsed]
    if missing:
        raise UserError(f"openclip model config {path}: missing {', '.join(missing)}")


def _single_image(request: Request) -> str:
    if len(request.images) != 1:
        raise UserError(
            f"sample {request.sample_id!r}: openclip classifies exactly one image per request, "
            f"got {len(request.images)}"
        )
    return request.images[0]


def text_features(loaded: LoadedCLIP, prompts: Sequence[str]) -> torch.Tensor:
    """L2-normalized text embeddings for ``prompts`` (cached by prompt)."""
    missing = [p for p in dict.fromkeys(prompts) if p not in loaded.text_cache]
    if missing:
        tokens = loaded.tokenizer(missing).to(loaded.device)
        with torch.inference_mode():
            encoded = loaded.model.encode_text(tokens, normalize=True).float()
        loaded.text_cache.update(zip(missing, encoded))
    return torch.stack([loaded.text_cache[p] for p in prompts])


def image_features(loaded: LoadedCLIP, requests: Sequence[Request], media: Media | None = None) -> torch.Tensor:
    """L2-normalized image embeddings, one per request (``media``: the runner's decoded images, by path)."""
    pixels = torch.stack(
        [loaded.preprocess(open_rgb(_single_image(r), sample_id=r.sample_id, media=media)) for r in requests]
    )
    with torch.inference_mode():
        return loaded.model.encode_image(pixels.to(loaded.device, loaded.dtype), normalize=True).float()


def classify(loaded: LoadedCLIP, requests: Sequence[Request], template: str, media: Media | None = None) -> list[Response]:
    """Zero-shot logits over each request's options; the response text is the best option."""
    if not requests:
        return []
    images = image_features(loaded, requests, media)
    scale = loaded.model.logit_scale.exp().float()
    bias = getattr(loaded.model, "logit_bias", None)
    responses = []
    for image, request in zip(images, requests):
        texts = text_features(loaded, [prompt_for(template, o) for o in request.options])
        logits = scale * (texts @ image)
        if bias is not None:
            logits = logits + bias.float()
        scores = tuple(float(x) for x in logits.tolist())
        best = max(range(len(scores)), key=scores.__getitem__)
        responses.append(Response(text=request.options[best], option_scores=scores))
    return responses
