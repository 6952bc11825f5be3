"""The training loop (Hugging Face accelerate): one process per device, DDP or DeepSpeed/FSDP by launch config.

Read it top to bottom: set up the processes and the accumulation that keeps the global batch fixed, build the
model with fresh LoRA and ``llama_proj`` (same seed on every rank), resume if a checkpoint exists, then for each
optimizer step set the LR from :func:`~lamm_bench.train.schedule.lr_at`, run ``accumulation`` micro batches
(gradients synchronized across processes only on the last), clip, step, log, and checkpoint every
``save_every`` steps. The data order and the dropout masks depend only on (seed, step, micro batch position), so
a resumed run and a run on a different number of processes see the same batches.
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from lamm_bench.errors import UserError
from lamm_bench.train import checkpoint as ckpt
from lamm_bench.train.config import TrainConfig, gradient_accumulation, resolve_base_weights, total_steps, warmup_steps
from lamm_bench.train.data import Instruction, rank_indices
from lamm_bench.train.dataset import InstructionDataset, collate
from lamm_bench.train.model import initial_model
from lamm_bench.train.schedule import lr_at

logger = logging.getLogger(__name__)

ARGS_FILE = "training_args.json"
LOG_FILE = "train_log.jsonl"
_MIXED = {"bf16": ("bf16", torch.bfloat16), "fp16": ("fp16", torch.float16), "fp32": ("no", torch.float32)}


def _micro_seed(seed: int, step: int, micro: int) -> int:
    """Seed of one micro batch's dropout: the same wherever (rank, accumulation index) it runs."""
    return ((seed * 1_000_003 + step) * 1_009 + micro) % (2**63)


def run_info(config: TrainConfig, **extra: object) -> dict[str, object]:
    """The resolved configuration, run facts and library versions (written as ``training_args.json``)."""
    import accelerate
    import peft
    import transformers

    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("lamm-bench")
    except PackageNotFoundError:
        own = "unknown"
    versions = {"lamm_bench": own, "torch": torch.__version__, "transformers": transformers.__version__,
                "peft": peft.__version__, "accelerate": accelerate.__version__, "python": platform.python_version()}
    return {"config": config.to_dict(), **extra, "versions": versions}


@dataclass(frozen=True)
class TrainOutcome:
    """What a finished run leaves."""

    delta: Path
    """The written ``pytorch_model.pt``."""
    model: torch.nn.Module
    """The trained model (unwrapped), for inspection in the same process."""
    steps: int
    """Optimizer steps of the whole run."""


def train(config: TrainConfig, instructions: list[Instruction], *, data: Path, output: Path,
          model_args: dict[str, str], resume: bool = True, progress: bool = True) -> TrainOutcome:  # fmt: skip
    """Train LoRA + ``llama_proj`` on validated instructions and write ``output/pytorch_model.pt``.

    Args:
        config: Resolved settings.
        instructions: From :func:`~lamm_bench.train.data.load_instructions`.
        data: The instruction file (recorded in ``training_args.json``).
        output: Run folder (delta, checkpoints, logs).
        model_args: ``llm``/``clip``/``epcl``/``models_root`` as for the ``lamm`` adapter.
        resume: Continue from the newest checkpoint in ``output`` when there is one.
        progress: Show a progress bar on the main process.
    """
    weights = resolve_base_weights(config, model_args)
    accelerator, world, accumulation, frozen_dtype = _accelerator(config)
    steps = total_steps(config, len(instructions))
    warm = warmup_steps(config, steps)
    output.mkdir(parents=True, exist_ok=True)
    info = run_info(config, data=str(data), world_size=world, accumulation=accumulation, total_steps=steps,
                    warmup_steps=warm, weights={k: str(v) for k, v in vars(weights).items()})  # fmt: skip

    # Same seed on every rank: LoRA A and llama_proj start identical everywhere (B starts at zero).
    model = initial_model(config, weights, frozen_dtype, accelerator.device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=0.0, betas=(config.adam_beta1, config.adam_beta2), eps=config.adam_eps,
                                  weight_decay=config.weight_decay)  # fmt: skip
    if accelerator.state.deepspeed_plugin is not None:
        # No DataLoader goes through prepare(), so DeepSpeed is told the micro batch here (unverified: no DeepSpeed
        # install was available to test it).
        accelerator.state.deepspeed_plugin.deepspeed_config["train_micro_batch_size_per_gpu"] = config.micro_batch_size
    model, optimizer = accelerator.prepare(model, optimizer)

    start = _resume_or_start(accelerator, model, optimizer, output, info, resume)
    batches = iter(_loader(accelerator, model, instructions, weights, config, start, steps))
    logger.info("training %d steps from step %d: %d records, %d process(es) x micro %d x accumulation %d",
                steps, start, len(instructions), world, config.micro_batch_size, accumulation)
    with _Reporter(accelerator, output, steps, start, progress, config.log_every) as report:
        for step in range(start, steps):
            lr = lr_at(step, steps, config.lr, warm, config.warmup_type)
            for group in optimizer.param_groups:
                group["lr"] = lr
            stats = _optimizer_step(accelerator, model, optimizer, batches, config, step, accumulation)
            report.step(step, lr=lr, **stats)
            done = step + 1
            if config.save_every and done % config.save_every == 0 and done < steps:
                ckpt.save_checkpoint(accelerator, model, optimizer, output, done, config.save_dtype,
                                     config.keep_checkpoints)  # fmt: skip

    # Gathered like the periodic checkpoints: under ZeRO-3/FSDP the unwrapped module holds only this rank's shards.
    final = output / ckpt.DELTA
    ckpt.save_final_delta(accelerator, model, final, config.save_dtype)
    accelerator.end_training()
    return TrainOutcome(delta=final, model=accelerator.unwrap_model(model), steps=steps)


def _accelerator(config: TrainConfig):
    """The accelerator, the process count, the accumulation that keeps the global batch, the frozen weights' dtype."""
    from accelerate import Accelerator, PartialState

    precision = config.precision if config.precision != "auto" else ("bf16" if torch.cuda.is_available() else "fp32")
    mixed, frozen_dtype = _MIXED[precision]
    # The accumulation keeps micro x accumulation x processes equal to the paper's global batch.
    # Without CUDA, accelerate must be told so, or it ignores torchrun's world and runs every rank alone.
    cpu = not torch.cuda.is_available()
    world = PartialState(cpu=cpu).num_processes
    accumulation = gradient_accumulation(config, world)
    accelerator = Accelerator(cpu=cpu, mixed_precision=mixed, gradient_accumulation_steps=accumulation)
    return accelerator, world, accumulation, frozen_dtype


def _loader(accelerator, model, instructions, weights, config: TrainConfig, start: int, steps: int):
    """This rank's micro batches from optimizer step ``start`` to ``steps``, in the seeded global order."""
    dataset = InstructionDataset(instructions, str(weights.llm / "tokenizer.model"), config)
    order = list(rank_indices(len(instructions), global_batch=config.global_batch_size,
                              micro_batch=config.micro_batch_size, world=accelerator.num_processes,
                              rank=accelerator.process_index, seed=config.seed, start_step=start,
                              stop_step=steps))  # fmt: skip
    return torch.utils.data.DataLoader(
        dataset, batch_size=config.micro_batch_size, sampler=order, num_workers=config.num_workers,
        collate_fn=partial(collate, pad_id=model_eos(accelerator, model)), pin_memory=torch.cuda.is_available(),
    )  # fmt: skip


def model_eos(accelerator, model) -> int:
    """The pad id (``</s>``: the reference pads with ``eos``)."""
    return accelerator.unwrap_model(model).tokenizer.eos_id


def _resume_or_start(accelerator, model, optimizer, output: Path, info: dict, resume: bool) -> int:
    """Load the newest checkpoint when resuming (refusing one made with other settings); write the run info."""
    args_file = output / ARGS_FILE
    latest = ckpt.latest_checkpoint(output) if resume else None
    start = 0
    if not resume and accelerator.is_main_process:
        # Starting over: an old run's later checkpoints would otherwise outrank (and prune) the new ones.
        shutil.rmtree(output / "checkpoints", ignore_errors=True)
    if latest is not None:
        saved = json.loads(args_file.read_text()) if args_file.is_file() else {}
        same = {k: saved.get(k) for k in ("config", "data", "world_size")}
        if same != {k: info[k] for k in same}:
            raise UserError(f"{output}: holds a run with different settings, data or process count; use another "
                            "--output, or --no-resume to start over")  # fmt: skip
        start = ckpt.load_checkpoint(accelerator, model, optimizer, latest)
        logger.info("resumed from %s (step %d)", latest, start)
    if accelerator.is_main_process:
        args_file.write_text(json.dumps(info, indent=2) + "\n")
    accelerator.wait_for_everyone()
    return start


def _optimizer_step(accelerator, model, optimizer, batches, config: TrainConfig, step: int, accumulation: int):
    """Run one optimizer step's micro batches; returns the step's mean loss, token accuracy and grad norm."""
    rank, world = accelerator.process_index, accelerator.num_processes
    losses, correct, count, norm = [], 0, 0, None
    for micro in range(accumulation):
        batch = next(batches).to(accelerator.device)
        torch.manual_seed(_micro_seed(config.seed, step, micro * world + rank))
        # accumulate() skips the gradient all-reduce until the last micro batch of the step.
        with accelerator.accumulate(model):
            with accelerator.autocast():
                loss, hits, tokens = model(batch)
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                if config.debug_grads and step == 0 and accelerator.is_main_process:
                    _dump_grads(accelerator.unwrap_model(model), Path(config.debug_grads))
                if config.grad_clip:
                    norm = accelerator.clip_grad_norm_([p for p in model.parameters() if p.requires_grad],
                                                       config.grad_clip)  # fmt: skip
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        losses.append(loss.detach().float())
        correct, count = correct + hits, count + tokens
    totals = accelerator.reduce(torch.stack([torch.stack(losses).mean(), correct.float(), count.float()]), "sum")
    return {"loss": (totals[0] / world).item(), "token_acc": (totals[1] / totals[2].clamp(min=1)).item(),
            "grad_norm": None if norm is None else float(norm)}  # fmt: skip


def _dump_grads(model, path: Path) -> None:
    grads = {n: p.grad.detach().float().cpu().clone() for n, p in model.named_parameters() if p.grad is not None}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(grads, path)


class _Reporter:
    """Progress bar and the JSONL (and, when installed, TensorBoard) log, on the main process only."""

    def __init__(self, accelerator, output: Path, steps: int, start: int, progress: bool, log_every: int):
        self.main = accelerator.is_main_process
        self.output, self.steps, self.start, self.show = output, steps, start, progress and self.main
        self.log_every = log_every
        self.bar = self.task = self.board = self.handle = None
        self.began = time.monotonic()

    def __enter__(self):
        if not self.main:
            return self
        self.handle = (self.output / LOG_FILE).open("a", encoding="utf-8")
        self.handle.write(json.dumps({"event": "start", "step": self.start, "time": time.time()}) + "\n")
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.board = SummaryWriter(str(self.output / "tensorboard"))
        except ImportError:
            logger.debug("tensorboard not installed; logging to %s only", LOG_FILE)
        if self.show:
            from rich.console import Console
            from rich.progress import Progress

            # On stderr, like the evaluator's bars: stdout stays for the command's result line.
            self.bar = Progress(*Progress.get_default_columns(), "{task.fields[status]}", console=Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task("train", total=self.steps, completed=self.start, status="")
        return self

    def step(self, step: int, **stats) -> None:
        if not self.main:
            return
        if self.bar is not None:
            self.bar.update(self.task, advance=1, status=f"loss {stats['loss']:.4f} acc {stats['token_acc']:.3f}")
        if (step + 1) % self.log_every and step + 1 != self.steps:
            return
        record = {"step": step + 1, **stats, "elapsed_s": round(time.monotonic() - self.began, 3)}
        self.handle.write(json.dumps(record) + "\n")
        self.handle.flush()
        if self.board is not None:
            for key in ("loss", "token_acc", "lr"):
                self.board.add_scalar(f"train/{key}", stats[key], step + 1)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
        if self.board is not None:
            self.board.close()
        if self.handle is not None:
            self.handle.close()
