"""The ``openclip`` adapter: CLIP zero-shot classification over a request's closed set of options.

Each option is put through a prompt template (``a photo of a {}.`` by default), embedded by the text tower and
compared with the image embedding; ``option_scores`` are the image-text logits (scaled cosine similarities), so a
softmax over them gives the zero-shot probabilities. ``choice`` requests and ``generate`` requests that carry
``options`` (CIFAR-10 labels, CelebA yes/no, UCMerced classes) are answered with the best option's text; a free
``generate`` request cannot be answered by CLIP and is refused. This module is import-light; open_clip and torch
are imported by ``impl`` when the model is loaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from lamm_bench.adapter import CHOICE, DECODED, GENERATE, IMAGE, Adapter, config_from_args
from lamm_bench.errors import MissingWeightsError, UserError
from lamm_bench.media import Media
from lamm_bench.model_adapters._common import file_identity
from lamm_bench.records import Request, Response

ADAPTERS = {"openclip": "lamm_bench.model_adapters.openclip:OpenCLIPAdapter"}

DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass(frozen=True)
class OpenCLIPConfig:
    """Arguments of the ``openclip`` adapter (``--model-arg key=value``)."""

    arch: str = ""
    """An open_clip model name (``ViT-B-32``), a model config JSON file, or ``local-dir:DIR``."""
    weights: str | None = None
    """The checkpoint file (required unless ``arch`` is ``local-dir:DIR``, which holds its own)."""
    template: str = "a photo of a {}."
    """Prompt template for each option; ``{}`` marks where the option goes (``{}`` alone: the bare option)."""
    device: str = "auto"
    """``auto`` (CUDA if available), ``cpu`` or ``cuda``."""
    dtype: str = "auto"
    """``auto`` (float32) or a torch dtype name."""

    def __post_init__(self) -> None:
        if not self.arch:
            raise UserError("adapter 'openclip' needs --model-arg arch=NAME (an open_clip model name or config JSON)")
        if self.arch.startswith("hf-hub:"):
            raise UserError(f"adapter 'openclip': arch={self.arch!r} would download; use local-dir:DIR or a JSON file")
        if self.template.count("{}") != 1:
            raise UserError(f"adapter 'openclip': template={self.template!r} must contain '{{}}' exactly once")
        if self.dtype not in DTYPES:
            raise UserError(f"adapter 'openclip': dtype={self.dtype!r} is not one of {', '.join(DTYPES)}")

    @property
    def is_config_file(self) -> bool:
        """Whether ``arch`` names a model config JSON file rather than a registered model name."""
        return self.arch.endswith(".json")


def prompt_for(template: str, option: str) -> str:
    """The text embedded for an option: the template with ``{}`` replaced (no ``str.format``, so braces in
    an option are harmless)."""
    return template.replace("{}", option)


def closed_set_options(request: Request) -> tuple[str, ...]:
    """The options CLIP chooses among, or ``UserError`` for a request that has none."""
    if not request.options:
        what = f"sample {request.sample_id!r}" + (f" (request {request.key!r})" if request.key else "")
        raise UserError(
            f"openclip can only answer closed-set tasks: {what} asks for free text and gives no options"
        )
    return request.options


class OpenCLIPAdapter(Adapter):
    """CLIP zero-shot classification (see the module docstring)."""

    capabilities = frozenset({GENERATE, CHOICE, IMAGE})
    media = DECODED
    """The runner hands over each batch's decoded images (decoded ahead when prefetch is on)."""

    def __init__(self, args: Mapping[str, str]):
        self.config: OpenCLIPConfig = config_from_args(OpenCLIPConfig, args, adapter="openclip")
        self._loaded = None

    def load(self) -> None:
        """Build the model from its config and load the checkpoint (local files only)."""
        from lamm_bench.model_adapters.openclip import impl

        config = self.config
        if config.is_config_file and not Path(config.arch).is_file():
            raise UserError(f"adapter 'openclip': model config {config.arch} not found")
        if not config.arch.startswith("local-dir:"):
            if not config.weights:
                raise MissingWeightsError(f"adapter 'openclip' ({config.arch}) needs --model-arg weights=FILE")
            if not Path(config.weights).expanduser().is_file():
                raise MissingWeightsError(f"openclip weights for {config.arch} not found: looked for {config.weights}")
        self._loaded = impl.load(config)

    def _model(self):
        if self._loaded is None:
            self.load()
        return self._loaded

    def refuse(self, request: Request) -> str | None:
        """Why this adapter cannot answer a request (checked by the runner before loading), or None."""
        try:
            closed_set_options(request)
        except UserError as exc:
            return str(exc)
        return None

    def generate(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Answer closed-set ``generate`` requests with the best option; refuse open-ended ones."""
        for request in requests:
            closed_set_options(request)
        return self.score_choices(requests, media)

    def score_choices(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Image-text logits for every option of every request; text is the best option."""
        from lamm_bench.model_adapters.openclip import impl

        for request in requests:
            closed_set_options(request)
        return impl.classify(self._model(), requests, self.config.template, media)

    def describe(self) -> Mapping[str, object]:
        """Architecture (and the config file's hash), checkpoint identity, template, dtype, device."""
        settings: dict[str, object] = asdict(self.config)
        if self.config.is_config_file and Path(self.config.arch).is_file():
            settings["arch_sha256"] = hashlib.sha256(Path(self.config.arch).read_bytes()).hexdigest()[:16]
        if self.config.weights:
            settings["weights"] = file_identity(Path(self.config.weights).expanduser())
        from lamm_bench.model_adapters.openclip import impl

        settings["dtype"], settings["device"] = impl.resolve_dtype_device(self.config)
        return settings
