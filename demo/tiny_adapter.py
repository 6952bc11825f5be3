"""The ``lamm-builtin`` adapter: the ``lamm`` adapter on the built-in tiny models, built into the cache on first use.

``load()`` makes sure lamm-mini, the tiny base and the card's delta are in the cache (training the delta with
lamm-bench's own trainer the first time; see :mod:`lamm_bench.demo.tiny_models`), then loads exactly as the
``lamm`` adapter does, with explicit ``llm=``/``clip=``/``delta=``/``epcl=`` paths into the cache. ``describe()``
names the base's and the delta's cache keys instead of paths, so stored answers follow the weights, not the
folder they are kept in; like construction, it writes nothing (the keys are computed, not built). Only ``load()``
touches the cache. Registered by name in ``lamm_bench.model_adapters.tiny`` (the model adapters never import the
demo); the trainer is imported only inside ``load()``, through :mod:`lamm_bench.demo.tiny_models`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lamm_bench.adapter import config_from_args
from lamm_bench.errors import UserError
from lamm_bench.model_adapters.lamm.adapter import LammAdapter
from lamm_bench.model_adapters.lamm.config import DEVICES, DTYPES, PROMPT_STYLES, LammConfig
from lamm_bench.model_adapters.lamm.prompt import LAYOUT_VERSION

NAME = "lamm-builtin"


@dataclass(frozen=True)
class BuiltinConfig:
    """Arguments of the ``lamm-builtin`` adapter (``--model-arg key=value``); the cards set the first two."""

    modality: str = "image"
    """``image`` (``lamm-tiny``) or ``point_cloud`` (``lamm3d-tiny``)."""
    trained: bool = True
    """The trained delta (``lamm-tiny``) or the trainer's step-0 delta (``lamm-tiny-base``)."""
    data_root: str | None = None
    """A lamm-mini data root to take the tokenizer's text and the training data from (default: lamm-mini, seed 0,
    written into the cache)."""
    cache: str | None = None
    """The cache folder (default ``$LAMM_BENCH_CACHE``, else ``~/.cache/lamm-bench``)."""
    max_steps: int = 0
    """Train for this many optimizer steps instead of the preset's epochs (0: the preset; changes the key)."""
    prompt_style: str = "auto"
    """As the ``lamm`` adapter's: ``auto``, ``paper`` or ``chef``."""
    dtype: str = "auto"
    """As the ``lamm`` adapter's (float32 on CPU)."""
    device: str = "auto"
    """As the ``lamm`` adapter's."""
    merge_lora: bool = True
    """As the ``lamm`` adapter's."""
    choice_batch: int = 16
    """As the ``lamm`` adapter's."""
    max_new_tokens: int = -1
    """Cap on the new tokens of every answer (the ``lamm`` adapter's setting; -1: the card's own, 48 for 2D and 256
    for 3D, above the longest lamm-mini answers with their ``\n###`` -- 31 tokens for a ``Detection_VOC2012`` box,
    224 for ``Detection_ScanNet``'s six boxes -- so a trained model is not cut short, while the untrained bases,
    which never write ``###``, stop there instead of at the paper's 400/800 tokens; 0: no cap)."""
    kv_cache: str = "static"
    """As the ``lamm`` adapter's: ``static`` or ``dynamic`` (the same answers up to float rounding; not in the
    fingerprint)."""
    share_prefix: bool = True
    """As the ``lamm`` adapter's (the same answers up to float rounding; not in the fingerprint)."""
    threads: int = 0
    """torch CPU threads while this model runs on the CPU (0: torch's default, one per core). Set 1 when other busy
    processes share the cores (torchrun ranks on one machine): there, two threads ran ten times slower than one."""

    def __post_init__(self) -> None:
        if self.modality not in ("image", "point_cloud"):
            raise UserError(f"adapter {NAME!r}: modality={self.modality!r} must be image or point_cloud")
        if self.max_new_tokens < -1:
            raise UserError(f"adapter {NAME!r}: max_new_tokens must be -1 (the card's), 0 (no cap) or positive")
        if self.max_steps < 0 or self.threads < 0:
            raise UserError(f"adapter {NAME!r}: max_steps and threads cannot be negative")
        for key, allowed in (("prompt_style", PROMPT_STYLES), ("dtype", DTYPES)):
            if getattr(self, key) not in allowed:
                raise UserError(f"adapter {NAME!r}: {key}={getattr(self, key)!r} must be one of {', '.join(allowed)}")
        if self.device not in DEVICES and not self.device.startswith("cuda:"):
            raise UserError(f"adapter {NAME!r}: device={self.device!r} must be auto, cpu, cuda or cuda:N")


class BuiltinLammAdapter(LammAdapter):
    """A built-in tiny LAMM card, run by the ``lamm`` adapter's code once its files are in the cache."""

    def __init__(self, args: Mapping[str, str]):
        self.builtin: BuiltinConfig = config_from_args(BuiltinConfig, args, adapter=NAME)
        super().__init__(self._lamm_args({}))
        self._plan = None

    def _lamm_args(self, paths: Mapping[str, str]) -> dict[str, str]:
        b = self.builtin
        return {"modality": b.modality, "prompt_style": b.prompt_style, "dtype": b.dtype, "device": b.device,
                "merge_lora": str(b.merge_lora), "choice_batch": str(b.choice_batch),
                "max_new_tokens": str(self.token_cap), "kv_cache": b.kv_cache,
                "share_prefix": str(b.share_prefix), **paths}  # fmt: skip

    @property
    def token_cap(self) -> int:
        """The cap on new tokens this card answers with (0: none)."""
        b = self.builtin
        return b.max_new_tokens if b.max_new_tokens >= 0 else (48 if b.modality == "image" else 256)

    def plan(self):
        """The card resolved to cache keys (nothing is built or written)."""
        if self._plan is None:
            from lamm_bench.demo.tiny_models import plan

            b = self.builtin
            self._plan = plan(b.modality, b.trained, data_root=b.data_root, cache=b.cache, max_steps=b.max_steps)
        return self._plan

    def load(self) -> None:
        """Build what the cache lacks (base, delta: training on first use), then load as the ``lamm`` adapter."""
        from lamm_bench.demo.tiny_models import lamm_args, materialize

        card = materialize(self.plan())
        self.config = config_from_args(LammConfig, self._lamm_args(lamm_args(card)), adapter=NAME)
        super().load()
        if self.builtin.threads and self.model.device.type == "cpu":
            import torch

            torch.set_num_threads(self.builtin.threads)

    def describe(self) -> Mapping[str, object]:
        """The card and the cache keys of its weights, and the settings that change answers."""
        card, b = self.plan(), self.builtin
        c = card.config
        return {
            "adapter": NAME,
            "model": card.name,
            "base_key": card.base.key,
            "delta_key": card.key,
            "modality": b.modality,
            "clip_model": c.clip_model,
            "prompt_style": b.prompt_style,
            "layout_version": LAYOUT_VERSION,
            "dtype": b.dtype,
            "device": b.device,
            "merge_lora": b.merge_lora,
            "lora": [c.lora_r, c.lora_alpha],
            "num_vision_tokens": c.num_vision_tokens,
            "max_new_tokens": self.token_cap,
        }
