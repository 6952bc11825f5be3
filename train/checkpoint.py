"""Saving what a run produces: the LAMM delta (trainable weights only) and resumable checkpoints.

The delta ``pytorch_model.pt`` is a plain ``{name: tensor}`` dict of the trainable parameters under the model's
own names, which are the released checkpoints' names, cast to ``save_dtype`` (float16 like the releases; float32
for the tiny preset so tests compare exactly); the ``lamm`` adapter loads it with ``delta=FILE``. A resumable
checkpoint ``checkpoints/step-NNNNNNN/`` holds that delta, the fp32 trainable weights, the optimizer state, each
rank's RNG states and ``state.json`` (the step; the data order and LR are functions of it). Folders are written
under a temporary name and renamed when complete, so a kill mid-save leaves the previous checkpoint usable.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
from pathlib import Path

import numpy as np
import torch

from lamm_bench.errors import UserError
from lamm_bench.train.model import is_trainable

logger = logging.getLogger(__name__)

DELTA = "pytorch_model.pt"
TRAINABLE = "trainable_fp32.pt"
OPTIMIZER = "optimizer.pt"
STATE = "state.json"
PREFIX = "step-"


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Detached CPU copies of the trainable parameters, keyed as in the released deltas."""
    return {name: p.detach().to("cpu", copy=True) for name, p in model.named_parameters() if is_trainable(name)}


def save_delta(state: dict[str, torch.Tensor], path: Path, dtype: str) -> None:
    """Write a delta file atomically, cast to ``dtype``."""
    cast = {k: v.to(getattr(torch, dtype)).contiguous() for k, v in state.items()}
    temporary = path.with_name(path.name + ".tmp")
    torch.save(cast, temporary)
    os.replace(temporary, path)


def is_sharded(accelerator) -> bool:
    """Whether parameters or optimizer state live in shards (DeepSpeed, FSDP) rather than whole on each rank."""
    return accelerator.distributed_type.value in ("DEEPSPEED", "FSDP")


def gathered_trainable_state(accelerator, model) -> dict[str, torch.Tensor]:
    """The full trainable tensors of a prepared model (every rank must call this; only the main process's result
    is complete).

    Under ZeRO-3 or FSDP each rank's module holds only its shard of a parameter (ZeRO-3: an empty tensor), so
    reading the unwrapped module would save shards; ``accelerator.get_state_dict`` gathers them first (ZeRO-3 needs
    ``zero3_save_16bit_model: true``; FSDP gathers onto the main process only).
    """
    if not is_sharded(accelerator):
        return trainable_state(accelerator.unwrap_model(model))
    full = accelerator.get_state_dict(model)
    return {k: v.detach().to("cpu", copy=True) for k, v in full.items() if is_trainable(k)}


def save_final_delta(accelerator, model, path: Path, dtype: str) -> None:
    """Gather the trainable tensors (on every rank: the gather is collective) and write them from the main process
    as the run's delta."""
    state = gathered_trainable_state(accelerator, model)
    if accelerator.is_main_process:
        save_delta(state, path, dtype)
    accelerator.wait_for_everyone()


def rng_state() -> dict[str, object]:
    """Python, numpy, torch (and CUDA) RNG states of this process."""
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, object]) -> None:
    """Restore what :func:`rng_state` captured."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def checkpoint_dir(output: Path, step: int) -> Path:
    """Folder of the checkpoint taken after ``step`` optimizer steps."""
    return output / "checkpoints" / f"{PREFIX}{step:07d}"


def latest_checkpoint(output: Path) -> Path | None:
    """The newest complete checkpoint folder, if any."""
    folder = output / "checkpoints"
    if not folder.is_dir():
        return None
    done = sorted(p for p in folder.glob(f"{PREFIX}*") if (p / STATE).is_file() and not p.name.endswith(".partial"))
    return done[-1] if done else None


def save_checkpoint(accelerator, model, optimizer, output: Path, step: int, save_dtype: str, keep: int) -> Path:
    """Write a resumable checkpoint after ``step`` optimizer steps (every rank must call this).

    Under DeepSpeed or FSDP the optimizer is sharded, so its state goes through ``accelerator.save_state``;
    otherwise rank 0 writes the trainable weights and the optimizer state, and every rank its RNG states.
    """
    final = checkpoint_dir(output, step)
    staging = final.with_name(final.name + ".partial")
    sharded = is_sharded(accelerator)
    if accelerator.is_main_process:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    accelerator.wait_for_everyone()
    state = gathered_trainable_state(accelerator, model)
    if sharded:
        accelerator.save_state(str(staging / "accelerate"))
    torch.save(rng_state(), staging / f"rng-{accelerator.process_index}.pt")
    if accelerator.is_main_process:
        torch.save(state, staging / TRAINABLE)
        save_delta(state, staging / DELTA, save_dtype)
        if not sharded:
            torch.save(optimizer.state_dict(), staging / OPTIMIZER)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        (staging / STATE).write_text(json.dumps({"step": step, "world_size": accelerator.num_processes}))
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
        complete = sorted(p for p in final.parent.glob(f"{PREFIX}*") if p.is_dir() and not p.name.endswith(".partial"))
        for old in complete[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final




def load_checkpoint(accelerator, model, optimizer, folder: Path) -> int:
    """Restore weights, optimizer and this rank's RNG from ``folder``; returns the step to continue from.

    Raises:
        UserError: The checkpoint's trainable tensors do not match the model.
    """
    sharded = is_sharded(accelerator)
    step = int(json.loads((folder / STATE).read_text())["step"])
    if sharded:
        accelerator.load_state(str(folder / "accelerate"))
    else:
        state = torch.load(folder / TRAINABLE, map_location="cpu", weights_only=True)
        unwrapped = accelerator.unwrap_model(model)
        own = {name: p for name, p in unwrapped.named_parameters() if is_trainable(name)}
        if own.keys() != state.keys() or any(own[k].shape != state[k].shape for k in own):
            raise UserError(f"{folder}: checkpoint does not match this model (different LoRA shape or base LLM?)")
        with torch.no_grad():
            for name, param in own.items():
                param.copy_(state[name].to(param.device, param.dtype))
        optimizer.load_state_dict(torch.load(folder / OPTIMIZER, map_location="cpu", weights_only=True))
    rng_file = folder / f"rng-{accelerator.process_index}.pt"
    if rng_file.is_file():
        set_rng_state(torch.load(rng_file, weights_only=False))  # our own file: numpy/python states need pickle
    else:
        logger.warning("%s: no RNG state for rank %d (world size changed?)", folder, accelerator.process_index)
    return step
