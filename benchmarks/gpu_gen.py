"""Generation sections of the GPU check: the native ``lamm`` adapter beside Hugging Face ``generate``, and ``hf``.

``lamm_generation`` loads a random LAMM-7B through the adapter's own ``load()`` (tokenizer, delta check, LoRA
r32 merge) and, per dtype and batch size, times five ways on the same requests: the adapter end to end (images in,
text out), the LAMM decoder alone on precomputed visual tokens with its static KV cache (the default) and with the
dynamic one, and Hugging Face ``generate`` on the same merged LLM with the same input embeddings, plain and with
``stop_strings=["###"]`` (the reference's stopping rule). Every
row generates exactly ``new_tokens`` tokens (see :mod:`gpu_models`), so tokens/s compare like for like. Before the
timed runs of each batch, one full-length run warms every sequence length (kernel choices, allocator growth).
``hf_generation`` does the same for the ``hf`` adapter on a random LLaVA-1.5-7B.
"""

from __future__ import annotations

import dataclasses

from gpu_common import Context, Recorder, free_memory, peak_gib, reset_peak, timed
from gpu_models import llava_from_pretrained, random_llava, random_weights, write_images, write_lamm_root, write_llava_dir

SYSTEM = "\nYou are an AI visual assistant that can analyze a single image.\n"
STOPS = ("###", "</answer>")
"""Stop strings of every request; no generated token can produce them."""
STATIC = "lamm decoder, static cache (visual tokens -> text)"
DYNAMIC = "lamm decoder, dynamic cache (visual tokens -> text)"


def requests(images: list[str], batch: int, new_tokens: int):
    """``batch`` greedy generation requests with the stop strings above."""
    from lamm_bench.adapter import GENERATE
    from lamm_bench.records import GenerationSettings, Request

    settings = GenerationSettings(max_new_tokens=new_tokens, do_sample=False, stop=STOPS)
    return [
        Request(sample_id=str(i), kind=GENERATE, system=SYSTEM, images=(images[i % len(images)],), generation=settings,
                text=f"Question {i}: what objects are in the image, and where are they?")
        for i in range(batch)
    ]  # fmt: skip


def _shorter(batch, tokens: int):
    return [dataclasses.replace(r, generation=dataclasses.replace(r.generation, max_new_tokens=tokens)) for r in batch]


def _base_llm(model):
    llm = model.llama_model
    return llm.get_base_model() if hasattr(llm, "get_base_model") else llm


def lamm_generation(rec: Recorder, ctx: Context) -> None:
    """Load a random LAMM through the adapter, then measure every dtype x batch size (see module docstring)."""
    import torch
    from transformers import LlamaTokenizer

    from lamm_bench.model_adapters.lamm.adapter import LammAdapter

    shape, device = ctx.shape, ctx.device
    root = write_lamm_root(ctx.work / "lamm_gen", shape)
    images = write_images(ctx.work / "images", max(ctx.batches), ctx.image_size)
    adapter = LammAdapter({
        "llm": str(root.llm), "clip": str(root.clip), "delta": str(root.delta), "clip_model": shape.clip_model,
        "clip_config_dir": root.clip_config_dir, "device": device, "dtype": ctx.gen_dtypes[0], "lora_r": "32",
        "lora_alpha": "32",
    })  # fmt: skip
    with random_weights(shape, device, root.allowed):
        _, seconds = timed(device, adapter.load)
    rec.note(f"lamm: random {shape.name} + CLIP {shape.clip_model} built and loaded through LammAdapter.load() "
             f"(delta check, LoRA r32 merge) in {seconds:.1f} s")  # fmt: skip
    hf_tokenizer = rec.attempt("HF tokenizer for stop_strings", lambda: LlamaTokenizer.from_pretrained(root.llm))
    for dtype in ctx.gen_dtypes:
        if adapter.model.dtype != getattr(torch, dtype):
            adapter.model.to(getattr(torch, dtype))  # the same random weights, cast
        for batch in ctx.batches:
            reqs = requests(images, batch, ctx.new_tokens)
            rec.attempt(f"lamm {dtype} batch {batch}", lambda: _lamm_batch(rec, ctx, adapter, reqs, dtype, hf_tokenizer))
        free_memory()


def _lamm_batch(rec: Recorder, ctx: Context, adapter, reqs, dtype: str, hf_tokenizer) -> None:
    import torch

    from lamm_bench.model_adapters.lamm.decode import generate
    from lamm_bench.model_adapters.lamm.prompt import cut_at_stop
    from lamm_bench.model_adapters.lamm.vision import image_transform, open_image

    device, model, batch = ctx.device, adapter.model, len(reqs)
    llm, eos = _base_llm(model), model.tokenizer.eos_id
    to_tensor = image_transform("center_crop")
    layouts = adapter.generation_layouts(reqs)
    settings, seeds = [r.generation for r in reqs], [r.seed for r in reqs]
    visual = model.encode_pixels(torch.stack([to_tensor(open_image(r.images)) for r in reqs]))

    def hf(stop: bool, tokens: int = ctx.new_tokens):
        embeds, mask, _ = model.embed(layouts, visual, left_pad=True)
        extra = {"stop_strings": ["###"], "tokenizer": hf_tokenizer} if stop else {}
        with torch.inference_mode():
            return llm.generate(inputs_embeds=embeds, attention_mask=mask, max_new_tokens=tokens, do_sample=False,
                                pad_token_id=eos, eos_token_id=eos, **extra)  # fmt: skip

    # Warm-up: every sequence length once (kernel choices, allocator growth), and each way's first-call costs.
    generate(model, layouts, visual, settings, seeds, kv_cache="static")
    generate(model, layouts, visual, settings, seeds, kv_cache="dynamic")
    adapter.generate(_shorter(reqs, 2))
    hf(False, 2)
    ways = {
        "lamm adapter (images -> text)": lambda: adapter.generate(reqs),
        STATIC: lambda: generate(model, layouts, visual, settings, seeds, kv_cache="static"),
        DYNAMIC: lambda: generate(model, layouts, visual, settings, seeds, kv_cache="dynamic"),
        "HF generate, same LLM + embeddings": lambda: hf(False),
    }
    if hf_tokenizer is not None:
        ways["HF generate + stop_strings ###"] = lambda: hf(True)
    outputs = {}
    for way, fn in ways.items():
        reset_peak(device)
        out, seconds = rec.attempt(f"lamm {dtype} batch {batch} {way}", lambda: timed(device, fn)) or (None, None)
        if out is None:
            continue
        tokens = sum(o.n_tokens for o in out) if isinstance(out, list) else int(out.numel())
        outputs[way] = out
        rec.row(table="lamm_generation", dtype=dtype, batch=batch, way=way, new_tokens=tokens,
                seconds=round(seconds, 4), tokens_per_s=round(tokens / seconds, 1),
                ms_per_step=round(1000 * seconds / ctx.new_tokens, 2), peak_gib=peak_gib(device))  # fmt: skip
    decoded, plain = outputs.get(STATIC), outputs.get("HF generate, same LLM + embeddings")
    if decoded is not None and plain is not None:
        texts = [cut_at_stop(model.tokenizer.decode(ids), STOPS) for ids in plain.tolist()]
        same = sum(d.text == t for d, t in zip(decoded, texts))
        dynamic = outputs.get(DYNAMIC)
        same_caches = None if dynamic is None else sum(a.text == b.text for a, b in zip(decoded, dynamic))
        rec.row(table="lamm_agreement", dtype=dtype, batch=batch, same_text_rows=same, rows=batch,
                static_dynamic_same_rows=same_caches)  # fmt: skip


def hf_generation(rec: Recorder, ctx: Context) -> None:
    """The ``hf`` adapter on a random LLaVA-1.5-7B: tokens/s and peak memory per dtype x batch size."""
    import torch

    from lamm_bench.model_adapters.hf import HFAdapter

    shape, device = ctx.shape, ctx.device
    directory = ctx.work / "llava"
    config, allowed = write_llava_dir(directory, shape)
    images = write_images(ctx.work / "images", max(ctx.batches), ctx.image_size)
    for dtype in ctx.gen_dtypes:
        free_memory()
        adapter = HFAdapter({"path": str(directory), "dtype": dtype, "device": device})
        model, seconds = timed(device, lambda: random_llava(config, getattr(torch, dtype), device, allowed))
        with llava_from_pretrained(model):
            adapter.load()
        rec.note(f"hf {dtype}: random LLaVA-1.5 ({shape.name} text, CLIP-L/14-336 shape vision) built in "
                 f"{seconds:.1f} s and loaded through HFAdapter.load()")  # fmt: skip
        for batch in ctx.batches:
            reqs = requests(images, batch, ctx.new_tokens)
            rec.attempt(f"hf {dtype} batch {batch}", lambda: _hf_batch(rec, ctx, adapter, reqs, dtype))
        del adapter, model


def _hf_batch(rec: Recorder, ctx: Context, adapter, reqs, dtype: str) -> None:
    device = ctx.device
    adapter.generate(reqs)  # warm-up: every sequence length once
    reset_peak(device)
    out, seconds = timed(device, lambda: adapter.generate(reqs))
    tokens = sum(o.n_tokens for o in out)
    rec.row(table="hf_generation", dtype=dtype, batch=len(reqs), way="hf adapter (images -> text)",
            new_tokens=tokens, seconds=round(seconds, 4), tokens_per_s=round(tokens / seconds, 1),
            ms_per_step=round(1000 * seconds / ctx.new_tokens, 2), peak_gib=peak_gib(device))  # fmt: skip
