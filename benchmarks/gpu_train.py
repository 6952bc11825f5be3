"""Trainer sections of the GPU check: throughput, MFU and memory of ``lamm-bench train``, and the sharded smoke runs.

``train_section`` runs the ``tiny`` preset on the test fixture's tiny LAMM, then a few optimizer steps of the
``lamm-7b`` recipe (LoRA r32 on q/k/v/o, 400 target tokens, micro batch 2; a smaller global batch so a step is
short) on a random LLaMA-7B + CLIP ViT-L/14, without and with gradient checkpointing, all through
:func:`lamm_bench.train.cli.run_train` (the body of ``lamm-bench train``). Throughput is steady state: real
(non-pad) tokens of steps 2..N over the time between the end of step 1 and the end of step N, from the run's own
``train_log.jsonl``.

MFU uses the dense bf16 peak :data:`gpu_common.PEAK_FLOPS`, with two FLOP counts per token (documented in
``docs/performance.md``): ``6N`` (N = LLM parameters without the input embedding table, as if every weight trained)
and the LoRA count ``4 N_frozen + 6 N_trainable + 12 L d S + (2 N_clip (n_vis + 1) + 6 N_proj n_vis) / S``: the
frozen weights need a forward and the gradient with respect to their input, but no weight gradient; attention
scores and values cost ``12 L d S`` per token over forward and backward at sequence length ``S``; the CLIP tower runs
forward only, once per image. Recomputation by gradient checkpointing is not counted (MFU, not HFU).

``dist_section`` launches the ``tiny`` preset through ``accelerate launch`` with the repository's FSDP and
DeepSpeed ZeRO-2 configurations on one process, saves a resumable checkpoint after step 1 and the delta at the
end, then reloads the delta through the ``lamm`` adapter and generates.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from gpu_common import PEAK_FLOPS, Context, Recorder, free_memory, peak_gib, reset_peak, timed
from gpu_models import random_weights, write_instructions, write_lamm_root


def _tiny_fixtures(ctx: Context) -> tuple[Path, Path]:
    """The tests' tiny LAMM models root and a 16-record instruction set (built once per work folder)."""
    for sub in ("tests/adapters", "tests/train"):
        if str(ctx.repo / sub) not in sys.path:
            sys.path.insert(0, str(ctx.repo / sub))
    import tiny_instruct
    import tiny_lamm

    root = tiny_lamm.build_tiny_lamm(ctx.work / "tiny_models")
    meta = ctx.work / "tiny_instruct" / "meta_file" / "instruct.json"
    if not meta.is_file():
        meta = tiny_instruct.write_instruct(ctx.work / "tiny_instruct", n=16)
    return root, meta


def _step_tokens(meta: Path, config, steps: int, tokenizer_model: Path) -> list[int]:
    """Real (non-pad) tokens of each optimizer step of a one-process run, in the trainer's own data order."""
    import sentencepiece

    from lamm_bench.train.data import default_media_root, load_instructions, rank_indices, training_layout

    records = load_instructions(meta, default_media_root(meta), config.modality, use_system=config.use_system)
    sp = sentencepiece.SentencePieceProcessor(model_file=str(tokenizer_model))
    length = {}
    order = list(rank_indices(len(records), global_batch=config.global_batch_size, micro_batch=config.micro_batch_size,
                              world=1, rank=0, seed=config.seed, start_step=0, stop_step=steps))  # fmt: skip
    for index in set(order):
        length[index] = training_layout(sp.encode, sp.bos_id(), records[index], modality=config.modality,
                                        n_visual=config.num_vision_tokens, max_tgt_len=config.max_tgt_len,
                                        use_system=config.use_system).length  # fmt: skip
    per = config.global_batch_size
    return [sum(length[i] for i in order[s * per : (s + 1) * per]) for s in range(steps)]


def _train_run(rec: Recorder, ctx: Context, label: str, preset: str, meta: Path, tokenizer_model: Path,
               overrides: list[str], model_args: list[str], steps: int, patch) -> None:  # fmt: skip
    from lamm_bench.train.cli import resolve_config, run_train

    from accelerate.state import AcceleratorState

    config = resolve_config(preset, overrides, steps)
    tokens = _step_tokens(meta, config, steps, tokenizer_model)
    output = ctx.work / "runs" / re.sub(r"\W+", "_", label)
    # accelerate keeps one process-wide state and refuses a second Accelerator with another mixed precision (the
    # tiny preset is fp32, the 7B recipe bf16); each run here stands for a fresh ``lamm-bench train`` process.
    AcceleratorState._reset_state(reset_partial_state=True)
    free_memory()
    reset_peak(ctx.device)
    with patch:
        outcome, wall = timed(ctx.device, lambda: run_train(preset, meta, output=output, max_steps=steps,
                                                            overrides=overrides, model_args=model_args,
                                                            resume=False, progress=False))  # fmt: skip
    peak = peak_gib(ctx.device)
    log = [json.loads(line) for line in (output / "train_log.jsonl").read_text().splitlines()]
    ends = {r["step"]: r["elapsed_s"] for r in log if "step" in r and "elapsed_s" in r}
    losses = [r["loss"] for r in log if "loss" in r]
    seconds = ends[steps] - ends[1]
    measured = sum(tokens[1:steps])
    speed = measured / seconds if seconds > 0 else float("nan")
    seq = sum(tokens) / (steps * config.global_batch_size)
    flops = flop_counts(outcome.model, seq)
    del outcome
    free_memory()
    on_gpu = ctx.device.startswith("cuda")
    rec.row(table="train", run=label, precision=config.precision if config.precision != "auto" else
            ("bf16" if on_gpu else "fp32"), grad_ckpt=config.gradient_checkpointing,
            global_batch=config.global_batch_size, micro_batch=config.micro_batch_size, steps=steps,
            mean_seq_tokens=round(seq, 1), tokens_per_s=round(speed, 1),
            s_per_step=round(seconds / (steps - 1), 3), wall_s=round(wall, 1), peak_gib=peak,
            mfu_6n=round(flops["six_n"] * speed / PEAK_FLOPS, 4) if on_gpu else None,
            mfu_lora=round(flops["lora"] * speed / PEAK_FLOPS, 4) if on_gpu else None,
            loss_first=round(losses[0], 4), loss_last=round(losses[-1], 4))  # fmt: skip
    rec.set(f"flops_{label}", flops)


def flop_counts(model, seq: float) -> dict[str, float]:
    """Parameter counts and FLOPs per token of a trainable LAMM (see the module docstring for the formulas)."""
    llm = model.llama_model
    base = llm.get_base_model() if hasattr(llm, "get_base_model") else llm
    embed = base.get_input_embeddings().weight.numel()
    n_llm = sum(p.numel() for p in llm.parameters()) - embed
    n_lora = sum(p.numel() for n, p in llm.named_parameters() if p.requires_grad)
    n_proj = sum(p.numel() for p in model.llama_proj.parameters())
    n_clip = sum(p.numel() for p in model.visual_encoder.parameters())
    layers, hidden, n_vis = base.config.num_hidden_layers, base.config.hidden_size, model.num_tokens
    lora = (4 * (n_llm - n_lora) + 6 * n_lora + 12 * layers * hidden * seq
            + (2 * n_clip * (n_vis + 1) + 6 * n_proj * n_vis) / seq)  # fmt: skip
    return {"n_llm_nonembed": n_llm, "n_lora": n_lora, "n_proj": n_proj, "n_clip": n_clip, "seq": seq,
            "six_n": 6.0 * n_llm, "lora": float(lora), "peak_flops": PEAK_FLOPS}  # fmt: skip


def tiny_lamm_settings(root: Path) -> list[str]:
    """The ``--set`` pairs that train the tests' tiny fixture with the ``tiny`` preset (``tiny_lamm.TRAIN_SETTINGS``;
    the preset itself is the built-in tiny base's recipe)."""
    import tiny_lamm  # on sys.path once _tiny_fixtures ran

    return tiny_lamm.train_settings(root)


def train_section(rec: Recorder, ctx: Context) -> None:
    """The ``tiny`` preset, then the ``lamm-7b`` recipe without and with gradient checkpointing."""
    from contextlib import nullcontext

    root, meta = _tiny_fixtures(ctx)
    tiny_steps = 2 if ctx.dry_run else 20
    rec.attempt("train tiny preset", lambda: _train_run(
        rec, ctx, "tiny preset", "tiny", meta, root / "vicuna-tiny" / "tokenizer.model",
        [*tiny_lamm_settings(root), "save_every=0", "log_every=1"], [f"models_root={root}"],
        tiny_steps, nullcontext()))  # fmt: skip
    shape = ctx.shape
    lamm = write_lamm_root(ctx.work / "train7b", shape)
    global_batch, steps = (2, 2) if ctx.dry_run else (8, 10)
    meta7 = write_instructions(ctx.work / "instruct7b", global_batch * steps, answer_words=480)
    common = [f"global_batch_size={global_batch}", "save_every=0", "log_every=1"]
    if ctx.dry_run:  # the dry run checks the path, not the size: short sequences, no worker processes; bf16 as
        # on the GPU, so the switch from the tiny preset's fp32 happens here too
        common += ["num_workers=0", "max_tgt_len=32", "precision=bf16", f"clip_model={shape.clip_model}",
                   f"clip_config_dir={lamm.clip_config_dir}"]
    else:
        common += ["num_workers=2"]
    for ckpt in (False, True):
        label = f"lamm-7b recipe{' + grad ckpt' if ckpt else ''} ({shape.name} shape)"
        rec.attempt(label, lambda: _train_run(
            rec, ctx, label, "lamm-7b", meta7, lamm.llm / "tokenizer.model",
            [*common, f"gradient_checkpointing={ckpt}"], [f"llm={lamm.llm}", f"clip={lamm.clip}"], steps,
            random_weights(shape, ctx.device, None)))  # fmt: skip


def deepspeed_available(env: dict[str, str]) -> str | None:
    """None when ``import deepspeed`` works in a fresh process, else why not (one line)."""
    done = subprocess.run([sys.executable, "-c", "import deepspeed; print(deepspeed.__version__)"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    if done.returncode == 0:
        return None
    last = (done.stderr.strip().splitlines() or ["?"])[-1]
    return "deepspeed not installed" if "No module named 'deepspeed'" in last else f"deepspeed import failed: {last}"


def _wait_for_deepspeed_build(rec: Recorder, limit_s: float) -> None:
    """``gpu.sh`` builds deepspeed in the background; wait (bounded) for its exit-status file."""
    pending = os.environ.get("GPU_BENCH_DS_RC")
    if not pending:
        return
    deadline = time.monotonic() + limit_s
    while not Path(pending).exists() and time.monotonic() < deadline:
        time.sleep(2)
    status = Path(pending).read_text().strip() if Path(pending).exists() else "still building"
    rec.note(f"deepspeed background build: exit status {status}")


def dist_section(rec: Recorder, ctx: Context) -> None:
    """FSDP and DeepSpeed ZeRO-2 on one process: a short run that checkpoints, then the delta reloaded."""
    root, meta = _tiny_fixtures(ctx)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for backend, config in (("FSDP", "fsdp.yaml"), ("DeepSpeed ZeRO-2", "deepspeed_zero2.yaml")):
        if "DeepSpeed" in backend:
            _wait_for_deepspeed_build(rec, 5 if ctx.dry_run else 120)
            why = deepspeed_available(env)
            if why is not None:
                rec.row(table="dist", backend=backend, status=f"skipped: {why}")
                continue
        # bf16 is what the shipped configs and the 7B/13B recipes use; fp32 (the tiny preset's own) is the fallback
        # so that a bf16-only failure still leaves the save/reload path checked.
        for precision in ("fp32",) if ctx.dry_run else ("bf16", "fp32"):
            ok = rec.attempt(f"{backend} {precision}", lambda: _dist_run(rec, ctx, backend, config, precision, root,
                                                                         meta, env))  # fmt: skip
            if ok:
                break


def _dist_run(rec: Recorder, ctx: Context, backend: str, config: str, precision: str, root: Path, meta: Path,
              env) -> bool:  # fmt: skip
    """One ``accelerate launch`` of the tiny preset; True when it trained, saved and reloaded."""
    output = ctx.work / "dist" / f"{config.split('.')[0]}_{precision}"
    command = [sys.executable, "-m", "accelerate.commands.accelerate_cli", "launch", "--config_file",
               str(ctx.repo / "train" / "configs" / config), "--num_processes", "1", "--num_machines", "1",
               *(["--cpu"] if ctx.dry_run else []), "-m", "lamm_bench", "train", "--preset", "tiny", "--data", str(meta),
               "--output", str(output), "--max-steps", "2", "--no-resume", "--no-progress",
               *[arg for pair in tiny_lamm_settings(root) for arg in ("--set", pair)],  # first: the later --set win
               "--set", "save_every=1", "--set", f"precision={precision}", "--model-arg", f"models_root={root}"]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=ctx.work, capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    sys.stdout.write(done.stdout[-4000:] + done.stderr[-8000:])
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1][:300]
        rec.row(table="dist", backend=backend, precision=precision, status=f"failed (exit {done.returncode}): {last}",
                seconds=round(seconds, 1))  # fmt: skip
        return False
    checkpoints = sorted(p.name for p in (output / "checkpoints").glob("*")) if (output / "checkpoints").is_dir() else []
    reload = _reload_delta(ctx, root, output / "pytorch_model.pt")
    rec.row(table="dist", backend=backend, precision=precision, status="ok", seconds=round(seconds, 1),
            checkpoints=",".join(checkpoints), **reload)  # fmt: skip
    return True


def _reload_delta(ctx: Context, root: Path, delta: Path) -> dict:
    """Load the written delta through the ``lamm`` adapter (its key/shape check), compare ``llama_proj``, generate."""
    import tiny_lamm
    import torch

    from lamm_bench.model_adapters.lamm.adapter import LammAdapter
    from gpu_gen import requests
    from gpu_models import write_images

    from lamm_bench.model_adapters.lamm.checkpoint import expected_delta_shapes

    saved = torch.load(delta, map_location="cpu", weights_only=True)
    expected = expected_delta_shapes(tiny_lamm.LAYERS, tiny_lamm.HIDDEN, tiny_lamm.LORA_R, tiny_lamm.VISION_WIDTH)
    full = {k: tuple(v.shape) for k, v in saved.items()} == expected
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), "delta": str(delta),
                           "clip_config_dir": str(root / "open_clip_configs"), "device": ctx.device})  # fmt: skip
    adapter.load()
    proj = adapter.model.llama_proj.weight.detach().float().cpu()
    same = bool(torch.allclose(proj, saved["llama_proj.weight"].float(), atol=1e-3))
    answer = adapter.generate(requests(write_images(ctx.work / "images_small", 1, (64, 48)), 1, 4))[0]
    return {"delta_tensors": len(saved), "delta_full_shapes": full, "reloaded_proj_equal": same,
            "reload_generated_tokens": answer.n_tokens}
