"""The ``lamm-bench train`` command's body: resolve the preset and overrides, validate the data, run the loop.

Everything a user can get wrong -- an unknown preset or setting, a malformed record, a missing image, missing
weights -- is checked before torch is imported and raised as a one-line ``UserError`` (exit 2).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lamm_bench.errors import UserError

if TYPE_CHECKING:
    from lamm_bench.train.loop import TrainOutcome
from lamm_bench.train.config import BUILTIN_BASE_PRESETS, TrainConfig, apply_overrides, preset

logger = logging.getLogger(__name__)


def parse_pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    """``["k=v", ...]`` -> ``{"k": "v"}`` (``UserError`` naming ``option`` on a malformed pair)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"{option} expects KEY=VALUE, got {pair!r}")
        out[key.strip()] = value
    return out


def resolve_config(preset_name: str, overrides: Sequence[str], max_steps: int | None) -> TrainConfig:
    """The preset with ``--set`` overrides and ``--max-steps`` applied."""
    pairs = parse_pairs(overrides, "--set")
    if max_steps is not None:
        pairs["max_steps"] = str(max_steps)
    return apply_overrides(preset(preset_name), pairs)


BuiltinBase = Callable[[TrainConfig, Path, Sequence[str]], tuple[TrainConfig, dict[str, str]]]
"""Given (preset configuration, instruction file, ``--set`` overrides): the base weights as ``--model-arg`` paths and
the configuration to train with (the demo's built-in tiny base, :func:`lamm_bench.demo.tiny_models.training_base`)."""


def run_train(
    preset_name: str, data: Path, *, media_root: Path | None = None, output: Path | None = None,
    max_steps: int | None = None, overrides: Sequence[str] = (), model_args: Sequence[str] = (),
    resume: bool = True, progress: bool = True, builtin_base: BuiltinBase | None = None,
) -> TrainOutcome:  # fmt: skip
    """Validate everything, then train; returns the outcome (``.delta`` is the written ``pytorch_model.pt``).

    Args:
        preset_name: ``lamm-7b``, ``lamm-13b``, ``lamm3d-13b``, ``tiny`` or ``tiny-3d`` (the last two train the
            built-in tiny base when ``model_args`` is empty).
        data: LAMM instruction file (``2D_Instruct/meta_file/*.json``).
        media_root: Folder the records' media paths are relative to (default: the meta file's grandparent).
        output: Run folder (default ``runs/<preset>``).
        max_steps: Stop after this many optimizer steps.
        overrides: ``key=value`` settings of :class:`~lamm_bench.train.config.TrainConfig`.
        model_args: ``llm=DIR``, ``clip=FILE``, ``epcl=FILE``, ``models_root=DIR``.
        resume: Continue from the newest checkpoint in ``output``.
        progress: Show a progress bar.
        builtin_base: What the ``tiny``/``tiny-3d`` presets train when ``model_args`` is empty (``lamm-bench train``
            passes the demo's built-in tiny base); without it those presets need ``model_args`` like the others.
    """
    from lamm_bench.train.config import total_steps
    from lamm_bench.train.data import default_media_root, load_instructions
    from lamm_bench.train.config import resolve_base_weights

    config = resolve_config(preset_name, overrides, max_steps)
    args = parse_pairs(model_args, "--model-arg")
    root = media_root if media_root is not None else default_media_root(data)
    instructions = load_instructions(data, root, config.modality, use_system=config.use_system)
    if preset_name in BUILTIN_BASE_PRESETS and not args and builtin_base is not None:
        config, args = builtin_base(config, data, overrides)
    resolve_base_weights(config, args)  # fail fast, before torch loads
    total_steps(config, len(instructions))  # refuses data smaller than one global batch
    from lamm_bench.train.loop import train

    return train(config, instructions, data=data, output=output or Path("runs") / preset_name, model_args=args,
                 resume=resume, progress=progress)  # fmt: skip
