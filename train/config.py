"""The trainer's settings: one frozen :class:`TrainConfig` (a docstring under every field) and the named presets.

``lamm-7b`` and ``lamm-13b`` carry the LAMM paper's hyper-parameters (``src/config/LAMM/train.yaml``: global batch
64, 2 epochs, LR 5e-4 with 10% warm-up then linear decay, AdamW betas (0.9, 0.95), weight decay 0.001, clip 1.0,
400 target tokens, LoRA r 32 / alpha 32 / dropout 0.1 on q, k, v, o); ``lamm3d-13b`` is the same recipe on point
clouds; ``tiny`` and ``tiny-3d`` are the recipe of the built-in ``lamm-tiny`` / ``lamm3d-tiny`` (the built-in tiny
base, trained on lamm-mini on a CPU in about a minute). ``--set key=value`` overrides any field
(:func:`apply_overrides`), and ``__post_init__`` rejects impossible values with a one-line ``UserError``. No torch
here: the CLI validates the configuration and the data before importing anything heavy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from lamm_bench.errors import UnknownNameError, UserError
from lamm_bench.model_adapters.lamm.config import LammConfig, WeightPaths, resolve_weights

WARMUP_TYPES = ("log", "linear")
PRECISIONS = ("auto", "bf16", "fp16", "fp32")
SAVE_DTYPES = ("float16", "bfloat16", "float32")
MODALITIES = ("image", "point_cloud")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what a training run computes (saved beside the weights as JSON)."""

    modality: str = "image"
    """``image`` (CLIP ViT-L/14 patch tokens, ``<Img>`` tags, ``image`` records) or ``point_cloud`` (EPCL,
    ``<Pcl>`` tags, ``pcl`` records)."""
    llm_name: str = "vicuna-13b-v0"
    """Sub-directory of the models root holding the base LLM (``--model-arg llm=DIR`` points at it directly)."""
    clip_model: str = "ViT-L-14"
    """open_clip model config of the vision tower (QuickGELU forced, as for OpenAI's weights)."""
    clip_config_dir: str = ""
    """Folder of extra open_clip model configs (JSON) to register first; needed only for custom towers such as
    the test fixture's tiny one."""
    num_vision_tokens: int = 256
    """Visual tokens fed to the LLM per sample (the first N of the encoder's 256)."""
    lora_r: int = 32
    """LoRA rank on q/k/v/o of every attention layer."""
    lora_alpha: int = 32
    """LoRA alpha (the update is scaled by alpha / r)."""
    lora_dropout: float = 0.1
    """Dropout on the LoRA branch's input during training."""
    use_system: bool = True
    """Put the task's system message (chosen by the record's ``task_type``) before ``### Human: <Img>``, as the
    reference's ``--use_system`` does."""
    max_tgt_len: int = 400
    """Text tokens kept after the visual tokens (the head and system message are not counted)."""
    num_points: int = 40_000
    """Points sampled from each point cloud (3D only), seeded by ``seed`` and the record index."""
    global_batch_size: int = 64
    """Samples per optimizer step over all processes: micro batch x accumulation x world size."""
    micro_batch_size: int = 2
    """Samples per forward pass on each process."""
    length_groups: int = 1
    """Run each micro batch through the LLM in this many slices of rows sorted by length, each padded only to its
    own longest row: less padding, the same loss up to floating-point rounding (1: the whole micro batch at once,
    as the reference does)."""
    epochs: int = 2
    """Passes over the data; incomplete last global batches are dropped, as in the reference."""
    max_steps: int = 0
    """Stop after this many optimizer steps (0: ``epochs`` worth); the LR schedule spans this total."""
    lr: float = 5e-4
    """Peak learning rate."""
    warmup_ratio: float = 0.1
    """Share of the optimizer steps spent warming up."""
    min_warmup_steps: int = 10
    """Lower bound on warm-up steps (the reference uses ``max(10, int(total * 0.1))``)."""
    warmup_type: str = "log"
    """``log`` (DeepSpeed's default warm-up shape, which the reference ran) or ``linear``."""
    adam_beta1: float = 0.9
    """AdamW beta 1."""
    adam_beta2: float = 0.95
    """AdamW beta 2."""
    adam_eps: float = 1e-8
    """AdamW epsilon."""
    weight_decay: float = 0.001
    """Decoupled weight decay on every trainable tensor."""
    grad_clip: float = 1.0
    """Clip the global gradient norm to this value (0 disables)."""
    precision: str = "auto"
    """``auto`` (bf16 autocast on CUDA, fp32 on CPU), ``bf16``, ``fp16`` or ``fp32``; frozen weights are stored in
    the low precision, trainable ones stay fp32."""
    gradient_checkpointing: bool = False
    """Recompute LLM activations in the backward pass (less memory, about a third more compute)."""
    save_every: int = 500
    """Write a resumable checkpoint every N optimizer steps (0: only at the end)."""
    keep_checkpoints: int = 1
    """How many periodic checkpoints to keep (the newest)."""
    save_dtype: str = "float16"
    """dtype of the saved ``pytorch_model.pt`` (the released deltas are float16)."""
    log_every: int = 5
    """Write loss, token accuracy and LR to the log every N optimizer steps."""
    seed: int = 0
    """Seed of the data order, ``llama_proj`` and LoRA initialization, dropout and point sampling."""
    num_workers: int = 1
    """DataLoader worker processes per training process (image decoding)."""
    debug_grads: str = ""
    """Debug: write the first optimizer step's reduced gradients of every trainable tensor to this file."""

    def __post_init__(self) -> None:
        choices = {"modality": MODALITIES, "warmup_type": WARMUP_TYPES, "precision": PRECISIONS,
                   "save_dtype": SAVE_DTYPES}  # fmt: skip
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise UserError(f"train: {key}={getattr(self, key)!r} must be one of {', '.join(allowed)}")
        positive = ("num_vision_tokens", "lora_r", "lora_alpha", "max_tgt_len", "num_points", "global_batch_size",
                    "micro_batch_size", "length_groups", "epochs", "log_every", "keep_checkpoints")  # fmt: skip
        for key in positive:
            if getattr(self, key) < 1:
                raise UserError(f"train: {key} must be a positive integer, got {getattr(self, key)}")
        for key in ("max_steps", "min_warmup_steps", "save_every", "num_workers", "seed"):
            if getattr(self, key) < 0:
                raise UserError(f"train: {key} cannot be negative, got {getattr(self, key)}")
        for key in ("lr", "adam_eps"):
            if not getattr(self, key) > 0:
                raise UserError(f"train: {key} must be positive, got {getattr(self, key)}")
        if self.num_vision_tokens > 256:
            raise UserError("train: num_vision_tokens cannot exceed the encoder's 256 tokens")
        if not 0 <= self.lora_dropout < 1:
            raise UserError(f"train: lora_dropout must be in [0, 1), got {self.lora_dropout}")
        if not 0 <= self.warmup_ratio <= 1:
            raise UserError(f"train: warmup_ratio must be in [0, 1], got {self.warmup_ratio}")
        for key in ("adam_beta1", "adam_beta2"):
            if not 0 <= getattr(self, key) < 1:
                raise UserError(f"train: {key} must be in [0, 1), got {getattr(self, key)}")
        if self.weight_decay < 0 or self.grad_clip < 0:
            raise UserError("train: weight_decay and grad_clip cannot be negative")
        if self.global_batch_size % self.micro_batch_size:
            raise UserError(f"train: global_batch_size {self.global_batch_size} is not a multiple of "
                            f"micro_batch_size {self.micro_batch_size}")  # fmt: skip

    @property
    def lora_scale(self) -> float:
        """The factor on ``B @ A`` (alpha / r)."""
        return self.lora_alpha / self.lora_r

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready mapping of every field."""
        return dataclasses.asdict(self)


def gradient_accumulation(config: TrainConfig, world_size: int) -> int:
    """Micro-steps per optimizer step so the global batch stays ``global_batch_size`` on ``world_size`` processes.

    Raises:
        UserError: The global batch is not a multiple of ``micro_batch_size x world_size``.
    """
    per_pass = config.micro_batch_size * world_size
    if world_size < 1 or config.global_batch_size % per_pass:
        raise UserError(
            f"train: global batch {config.global_batch_size} cannot be split into micro batches of "
            f"{config.micro_batch_size} on {world_size} process(es); change micro_batch_size or the process count"
        )
    return config.global_batch_size // per_pass


def total_steps(config: TrainConfig, num_samples: int) -> int:
    """Optimizer steps of the run: ``max_steps`` when set, else ``epochs x (samples // global batch)``.

    Raises:
        UserError: The data holds fewer samples than one global batch.
    """
    per_epoch = num_samples // config.global_batch_size
    if per_epoch == 0:
        raise UserError(f"train: {num_samples} record(s) cannot fill one global batch of {config.global_batch_size}")
    return config.max_steps or config.epochs * per_epoch


def warmup_steps(config: TrainConfig, steps: int) -> int:
    """Warm-up length: ``max(min_warmup_steps, int(steps x warmup_ratio))``, at most ``steps``."""
    return min(steps, max(config.min_warmup_steps, int(steps * config.warmup_ratio)))


_PAPER = TrainConfig()
_TINY = dataclasses.replace(
    _PAPER, llm_name="tiny-llama", clip_model="LammBuiltin-ViT-28", num_vision_tokens=64, lora_r=32, lora_alpha=64,
    global_batch_size=16, micro_batch_size=16, length_groups=4, max_steps=200, lr=5e-3, min_warmup_steps=4, warmup_type="linear",
    lora_dropout=0.0, use_system=False, precision="fp32", save_every=0, save_dtype="float32", log_every=5,
    num_workers=0,
)  # fmt: skip
"""The built-in tiny base's recipe: 200 steps of 16 (3,200 samples, about one pass over lamm-mini's 3,640 2D
instruction records; 80 s on two cores); ``use_system=False`` because the tiny cards' data carries the evaluation
prompt's system message in the question (``lamm_bench.demo.tiny_data``). No LoRA dropout: a run this short
underfits rather than overfits, and on the CPU the four dropout masks per layer cost a fifth of every step (measured:
200 steps in 80 s without, 100 s with). At 100 steps the model had not yet told counting from captioning (it
answered every FSC147 question ``A``). Four length slices per micro batch: 90% of the tokens the LLM sees are real
rather than 67%, 18% less time per step (measured side by side, 35 steps), the same loss to 7 digits."""
_TINY_3D = dataclasses.replace(_TINY, modality="point_cloud", global_batch_size=8, micro_batch_size=8, length_groups=2,
                              max_steps=40, num_points=4096)  # fmt: skip
"""lamm-mini's scenes hold 1,800-3,000 points, so 4,096 samples keep every point (40,000 would repeat each ~15x).
Two length slices per micro batch of 8 (23% less time per step than one, measured side by side; four: 17%)."""

PRESETS: dict[str, TrainConfig] = {
    "lamm-7b": dataclasses.replace(_PAPER, llm_name="vicuna-7b-v0"),
    "lamm-13b": dataclasses.replace(_PAPER, llm_name="vicuna-13b-v0"),
    "lamm3d-13b": dataclasses.replace(_PAPER, llm_name="vicuna-13b-v0", modality="point_cloud"),
    # The built-in tiny base (lamm_bench.demo.tiny_base; built into the cache on first use when no weights are given):
    # the recipe lamm-tiny / lamm3d-tiny are trained with on lamm-mini, sized to learn in about a minute on 2 CPU
    # cores. fp32 throughout and a float32 delta, so a cached model and a fresh one compare exactly.
    "tiny": _TINY,
    "tiny-3d": _TINY_3D,
}
"""Named starting points for ``lamm-bench train --preset``."""

BUILTIN_BASE_PRESETS = ("tiny", "tiny-3d")
"""Presets that train the built-in tiny base when no ``--model-arg`` names weights."""


def preset(name: str) -> TrainConfig:
    """The preset called ``name`` (``UnknownNameError`` with close matches otherwise)."""
    if name not in PRESETS:
        raise UnknownNameError("training preset", name, PRESETS)
    return PRESETS[name]


def apply_overrides(config: TrainConfig, pairs: Mapping[str, str]) -> TrainConfig:
    """A copy of ``config`` with ``--set key=value`` strings converted to each field's type.

    Raises:
        UserError: An unknown key or a value that does not convert (or fails validation).
    """
    import typing

    hints = typing.get_type_hints(TrainConfig)
    values: dict[str, object] = {}
    for key, raw in pairs.items():
        if key not in hints:
            raise UserError(f"train: --set {key}=...: no such setting; known: {', '.join(sorted(hints))}")
        values[key] = _convert(key, raw, hints[key])
    return dataclasses.replace(config, **values)


def _convert(key: str, raw: str, kind: object) -> object:
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return lowered in ("1", "true", "yes")
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        return raw
    except ValueError:
        raise UserError(f"train: --set {key}={raw!r}: expected {getattr(kind, '__name__', kind)}") from None


MODEL_ARGS = ("llm", "clip", "epcl", "models_root")
"""``--model-arg`` keys the trainer takes (the adapter's names)."""


def resolve_base_weights(
    config: TrainConfig, args: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> WeightPaths:
    """Find the base LLM, CLIP and (3D) EPCL files exactly as the ``lamm`` adapter does (no delta needed).

    Raises:
        UserError: An unknown ``--model-arg`` key.
        MissingWeightsError: One line with each missing file and every path tried.
    """
    unknown = sorted(set(args) - set(MODEL_ARGS))
    if unknown:
        raise UserError(f"train: unknown --model-arg {', '.join(unknown)}; it takes: {', '.join(MODEL_ARGS)}")
    adapter_config = LammConfig(
        llm=args.get("llm"), clip=args.get("clip"), epcl=args.get("epcl"), models_root=args.get("models_root"),
        llm_name=config.llm_name, modality=config.modality, clip_model=config.clip_model,
    )  # fmt: skip
    return resolve_weights(adapter_config, environ, need_delta=False)
