"""The ``hf`` adapter: any Hugging Face image-text-to-text model from a local directory, plus the LLaVA-1.5 cards.

LLaVA-1.5 (``model_type`` ``llava``) loads through ``LlavaForConditionalGeneration``; anything else (Qwen2-VL,
InternVL-hf, Idefics, ...) through ``AutoModelForImageTextToText`` and ``AutoProcessor``, with prompts built by
the processor's chat template. Generation is batched with left padding; choice scoring is the mean log-prob
of each option's tokens after the prompt (LAMM's PPL score). This module is import-light (registration,
config, argument checks); torch and transformers are imported by ``impl`` when weights are loaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from lamm_bench.adapter import CHOICE, DECODED, GENERATE, IMAGE, Adapter, ModelCard, config_from_args
from lamm_bench.errors import MissingWeightsError, UserError
from lamm_bench.media import Media
from lamm_bench.model_adapters._common import file_identity
from lamm_bench.records import Request, Response

logger = logging.getLogger(__name__)

ADAPTERS = {"hf": "lamm_bench.model_adapters.hf:HFAdapter"}

MODELS_ENV = "LAMM_BENCH_MODELS"
"""Environment variable naming the directory that holds model directories (``models_root``)."""

CARDS = (
    ModelCard(
        name="llava-1.5-7b",
        adapter="hf",
        args={"path": "llava-1.5-7b-hf"},
        description="LLaVA-1.5 7B (llava-hf/llava-1.5-7b-hf), Hugging Face transformers",
        files=("<models_root>/llava-1.5-7b-hf/ (a copy of the Hugging Face repo llava-hf/llava-1.5-7b-hf)",),
    ),
    ModelCard(
        name="llava-1.5-13b",
        adapter="hf",
        args={"path": "llava-1.5-13b-hf"},
        description="LLaVA-1.5 13B (llava-hf/llava-1.5-13b-hf), Hugging Face transformers",
        files=("<models_root>/llava-1.5-13b-hf/ (a copy of the Hugging Face repo llava-hf/llava-1.5-13b-hf)",),
    ),
)

DTYPES = ("auto", "float32", "bfloat16", "float16")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class HFConfig:
    """Arguments of the ``hf`` adapter (``--model-arg key=value``)."""

    path: str = ""
    """Model directory: absolute, relative to the working directory, or relative to ``models_root``."""
    models_root: str | None = None
    """Directory holding model directories (default: ``$LAMM_BENCH_MODELS``)."""
    dtype: str = "auto"
    """``auto`` (bfloat16 on CUDA where supported, else float16 there; float32 on CPU) or a torch dtype name."""
    device: str = "auto"
    """``auto`` (CUDA if available), ``cpu`` or ``cuda`` (``cuda:N`` too)."""
    device_map: str | None = None
    """Passed to ``from_pretrained`` (e.g. ``auto`` to spread a large model over GPUs); overrides ``device``."""
    trust_remote_code: bool = False
    """Run code shipped with the model directory. Off unless asked for."""
    batch_size: int | None = None
    """Largest number of sequences run through the model at once (default: the runner's batch)."""
    kv_cache: str = "static"
    """``generate``'s KV cache: ``static`` (allocated once, written in place; used where the family's transformers
    class can run on one, its ``_can_compile_fullgraph``; never compiled) or ``dynamic``. The same logits up to float
    rounding (the same greedy answers on the test models), like a change of batch width, so not in the fingerprint."""

    def __post_init__(self) -> None:
        if not self.path:
            raise UserError("adapter 'hf' needs the model directory: --model-arg path=DIR")
        if self.dtype not in DTYPES:
            raise UserError(f"adapter 'hf': dtype={self.dtype!r} is not one of {', '.join(DTYPES)}")
        if self.device not in DEVICES and not self.device.startswith("cuda:"):
            raise UserError(f"adapter 'hf': device={self.device!r} is not one of {', '.join(DEVICES)} or cuda:N")
        if self.batch_size is not None and self.batch_size < 1:
            raise UserError(f"adapter 'hf': batch_size={self.batch_size} must be at least 1")
        if self.kv_cache not in ("static", "dynamic"):
            raise UserError(f"adapter 'hf': kv_cache={self.kv_cache!r} is not one of static, dynamic")


def model_dir_candidates(path: str, models_root: str | None, env: Mapping[str, str], cwd: Path) -> list[Path]:
    """Where a model directory is looked for, in order (pure).

    Args:
        path: The ``path`` argument.
        models_root: The ``models_root`` argument, if given.
        env: Environment variables (for ``LAMM_BENCH_MODELS``).
        cwd: The working directory.

    Returns:
        An absolute path as given; a relative one under ``cwd`` and then under the models root.
    """
    given = Path(path).expanduser()
    if given.is_absolute():
        return [given]
    found = [cwd / given]
    root = models_root or env.get(MODELS_ENV)
    if root:
        found.append(Path(root).expanduser() / given)
    return found


def find_model_dir(path: str, models_root: str | None) -> Path:
    """The first candidate directory holding a ``config.json``, else ``MissingWeightsError`` listing them."""
    candidates = model_dir_candidates(path, models_root, os.environ, Path.cwd())
    for candidate in candidates:
        if (candidate / "config.json").is_file():
            return candidate.resolve()
    looked = ", ".join(str(c) for c in candidates)
    hint = "" if models_root or os.environ.get(MODELS_ENV) else f" (set {MODELS_ENV} or --model-arg models_root=DIR)"
    raise MissingWeightsError(f"hf model {path!r}: no config.json found; looked in {looked}{hint}")


def files_digest(directory: Path) -> str:
    """Identify a model directory's content cheaply: the bytes of its small config/tokenizer files plus a
    sampled identity of each weight file (see ``file_identity``)."""
    digest = hashlib.sha256()
    for item in sorted(directory.iterdir()):
        if not item.is_file():
            continue
        if item.suffix in (".json", ".jinja", ".model", ".txt") and item.stat().st_size < 50_000_000:
            digest.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
        elif item.suffix in (".safetensors", ".bin", ".pt", ".pth"):
            digest.update(file_identity(item).encode() + b"\0")
    return digest.hexdigest()[:16]


class HFAdapter(Adapter):
    """A Hugging Face image-text-to-text model (see the module docstring)."""

    capabilities = frozenset({GENERATE, CHOICE, IMAGE})
    media = DECODED
    """The runner hands over each batch's decoded images (decoded ahead when prefetch is on)."""

    def __init__(self, args: Mapping[str, str]):
        self.config: HFConfig = config_from_args(HFConfig, args, adapter="hf")
        self._loaded = None  # impl.LoadedModel once load() ran

    def load(self) -> None:
        """Load the processor and weights from the model directory."""
        from lamm_bench.model_adapters.hf import impl

        directory = find_model_dir(self.config.path, self.config.models_root)
        self._loaded = impl.load(directory, self.config)

    def _model(self):
        if self._loaded is None:
            self.load()
        return self._loaded

    def generate(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Greedy or sampled generation, batched with left padding; text cut at the first stop string."""
        from lamm_bench.model_adapters.hf import impl

        return impl.generate(self._model(), requests, self.config.batch_size, media, kv_cache=self.config.kv_cache)

    def score_choices(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Mean log-prob of each option's tokens after the prompt, ``assistant_prefix`` and the answer template."""
        from lamm_bench.model_adapters.hf import choice

        return choice.score_choices(self._model(), requests, self.config.batch_size, media)

    def describe(self) -> Mapping[str, object]:
        """Settings that change answers: the model directory's identity, dtype, device, remote code."""
        from lamm_bench.model_adapters.hf import impl

        settings = asdict(self.config)
        settings.pop("batch_size")  # left padding keeps answers independent of the batch size
        settings.pop("models_root")
        settings.pop("kv_cache")  # the same logits up to rounding with either cache (tests/adapters/test_hf_cache.py)
        try:
            settings["files"] = files_digest(find_model_dir(self.config.path, self.config.models_root))
        except MissingWeightsError:
            settings["files"] = None
        settings["dtype"], settings["device"] = impl.resolve_dtype_device(self.config)
        settings["answer_version"] = impl.ANSWER_VERSION  # stored answers of older code are not reused
        return settings
