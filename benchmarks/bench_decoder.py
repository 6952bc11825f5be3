"""The LAMM decoder: its own cost per generated token (the stop check), and the KV cache's cost per decode step.

``stops``: a scripted stand-in model returns fixed logits at every step, so what is timed is the decoder: picking
tokens, bookkeeping and the stop-string check, from 50 to 800 tokens. The naive way re-decodes each row's whole text
after every token to look for ``###`` and the request's stop strings (the decoder before this change), which costs
O(length) per token; the windowed check decodes only the last few tokens after every token; lamm-bench
(``decode.StopWatch``) decodes that window only after a token that writes the last character of a stop string. The
three give the same answers (checked).

``cache``: LAMM's model (``LammModel``) around a random LLaMA (CPU default: hidden 512, 8 layers, vocabulary
32000) decodes a left-padded batch after 256 visual tokens and a short prompt, with the static KV cache (the
default: allocated once, written in place) and with transformers' dynamic one (concatenated at every step), runs
interleaved; plus the static cache allocated for four times the tokens used (a token budget that an early stop
leaves unused: its empty slots are still attended to, masked). Every row generates exactly the new tokens asked
(the LM head's rows of ``</s>``, byte and ``#`` pieces are zeroed, as in the GPU check) and the three give the
same tokens (checked). A decode step is timed from the end of the prompt's forward to the end of decoding, divided
by the steps: the forward and the decoder's own work per token.

``prefix``: the same model's prompt forward for LSP-like rows, 14 questions about each figure (one system text, 256
visual tokens, the joint's name near the end): each figure's rows sharing their common prefix's forward
(``LammModel.prefill`` with the rows' sources, the default) against every row run whole (without). The logits of
the last position are compared.

Run: ``python benchmarks/bench_decoder.py [--only stops,cache,prefix] [--batch 8] [--repeats 5] [--hidden 512]
[--layers 8] [--vocab 32000] [--new-tokens 32,128] [--device cpu] [--dtype float32]``. ``benchmarks/gpu.sh`` times both caches at LAMM-7B's size in
its ``lamm_gen`` section.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from lamm_bench.model_adapters.lamm import decode
from lamm_bench.model_adapters.lamm.checkpoint import load_tokenizer
from lamm_bench.records import GenerationSettings

WORDS = "the a cat dog sat on mat image shows person bicycle answer is ### \n 0.25 [x, y] red blue".split(" ")


def tokenizer(folder: Path):
    """A small SentencePiece BPE model with byte fallback, like LLaMA's."""
    import sentencepiece

    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(12)) for i in range(400)))
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(folder / "tokenizer"), vocab_size=300, model_type="bpe",
        byte_fallback=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2,
    )  # fmt: skip
    return load_tokenizer(folder)


class Scripted:
    """Emits a fixed token sequence per row; its own cost per step is constant."""

    def __init__(self, tok, scripts):
        self.tokenizer, self.scripts = tok, scripts
        self.table = torch.zeros(len(scripts), max(len(s) for s in scripts) + 1, tok.processor.get_piece_size())
        for row, script in enumerate(scripts):
            for step, token in enumerate(script):
                self.table[row, step, token] = 1.0

    def embed(self, layouts, visual, left_pad):
        rows = len(self.scripts)
        return torch.zeros(rows, 1, 1), torch.ones(rows, 1, dtype=torch.long), torch.zeros(rows, 1, dtype=torch.long)

    def forward_logits(self, embeds, mask, positions, past=None, keep=1):
        step = 0 if past is None else past + 1
        return self.table[:, step : step + 1], step

    def embed_ids(self, ids):
        return torch.zeros(ids.shape[0], 1, 1)

    def prefill(self, layouts, visual, sources=None, *, budget=0, kv_cache="dynamic"):
        embeds, mask, positions = self.embed(layouts, visual, left_pad=True)
        logits, past = self.forward_logits(embeds, mask, positions)
        return logits, past, mask, positions


class NaiveWatch(decode.StopWatch):
    """The old check: decode everything generated so far after every token."""

    def stopped(self, token: int) -> bool:
        self.visible.append(token)
        text = self.tokenizer.decode(self.visible)
        return any(stop in text for stop in self.stops)


class WindowWatch(decode.StopWatch):
    """The windowed check that decodes the window after every token (lamm-bench before the characters shortcut)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ends = None


def run(model, rows: int, length: int, watch) -> tuple[float, list]:
    decode.StopWatch = watch
    try:
        settings = [GenerationSettings(max_new_tokens=length, stop=("\n###",))] * rows
        start = time.perf_counter()
        out = decode.generate(model, [None] * rows, None, settings, [0] * rows)
        return time.perf_counter() - start, out
    finally:
        decode.StopWatch = FAST


FAST = decode.StopWatch


def stops_table(args) -> None:
    """The stop check's table (see the module docstring)."""
    tok = tokenizer(Path(tempfile.mkdtemp()))
    text = " the cat sat on the mat and the dog shows a red bicycle [0.25, 0.5]" * 80
    ids = [t for t in tok.encode(text) if t != tok.eos_id]
    print(f"decoder time per generated token (batch {args.batch}, medians of {args.repeats}, stand-in model)")
    print(f"{'tokens':>7} {'naive us/token':>15} {'window us/token':>16} {'lamm-bench us/token':>20} {'ratio':>6}")
    for length in (50, 100, 200, 400, 800):
        model = Scripted(tok, [ids[r : r + length] for r in range(args.batch)])
        naive, window, ours = [], [], []
        for _ in range(args.repeats):  # interleaved, so drift in the machine's load hits every way
            seconds, slow_out = run(model, args.batch, length, NaiveWatch)
            naive.append(seconds)
            seconds, window_out = run(model, args.batch, length, WindowWatch)
            window.append(seconds)
            seconds, fast_out = run(model, args.batch, length, FAST)
            ours.append(seconds)
            assert slow_out == window_out == fast_out
        per = 1e6 / (length * args.batch)
        n, w, o = (statistics.median(x) * per for x in (naive, window, ours))
        print(f"{length:>7} {n:>15.1f} {w:>16.1f} {o:>20.1f} {n / o:>6.1f}x")


CACHE_WAYS = {"static": ("static", 1), "dynamic": ("dynamic", 1), "static, 4x budget": ("static", 4)}
"""Way -> (``kv_cache``, cache length in multiples of the tokens generated)."""


def cache_model(folder: Path, hidden: int, layers: int, device: str, dtype: str, vocab: int = 32000):
    """LAMM's model around a random LLaMA that can only emit ordinary pieces (no stop ever fires)."""
    from gpu_models import Shape, random_llama, safe_ids, train_tokenizer

    from lamm_bench.model_adapters.lamm.model import LammModel

    spm = train_tokenizer(folder / "tokenizer.model")
    shape = Shape(name="bench", vocab=vocab, hidden=hidden, intermediate=hidden * 8 // 3, layers=layers,
                  heads=max(1, hidden // 64), clip_model="")  # fmt: skip
    llm = random_llama(shape, getattr(torch, dtype), device, safe_ids(spm))
    return LammModel(torch.nn.Identity(), llm, load_tokenizer(folder), modality="image", vision_width=hidden,
                     num_tokens=256).to(device).eval()  # fmt: skip


def decode_steps(model, layouts, visual, new_tokens: int, kv_cache: str, budget: int, device: str):
    """Seconds per decode step of one ``decode.generate`` call, and its token ids."""
    marks = []
    forward, make = model.forward_logits, model.static_cache

    def timed_forward(*args, **kwargs):
        out = forward(*args, **kwargs)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        marks.append(time.perf_counter())
        return out

    model.forward_logits = timed_forward
    model.static_cache = lambda length: make(length - new_tokens + budget * new_tokens)
    try:
        settings = [GenerationSettings(max_new_tokens=new_tokens, stop=())] * len(layouts)
        out = decode.generate(model, layouts, visual, settings, [0] * len(layouts), kv_cache=kv_cache)
    finally:
        del model.forward_logits, model.static_cache
    end = time.perf_counter()
    return (end - marks[0]) / (new_tokens - 1), [o.text for o in out]


def measure_cache(hidden: int = 512, layers: int = 8, batch: int = 4, lengths=(32, 128), repeats: int = 3,
                  device: str = "cpu", dtype: str = "float32", vocab: int = 32000) -> list[dict]:
    """One row per number of new tokens: ms per decode step of each way in :data:`CACHE_WAYS` (median of
    ``repeats`` interleaved rounds, after a warm-up round) and the dynamic/static ratios (median over the rounds of
    each round's ratio)."""
    from lamm_bench.model_adapters.lamm.prompt import generation_layout, user_prompt

    with tempfile.TemporaryDirectory() as tmp:
        model = cache_model(Path(tmp), hidden, layers, device, dtype, vocab)
    tok = model.tokenizer
    questions = ["What is in the image?", "Describe the picture in detail, with every object you can see.",
                 "How many people are there?", "Where is the dog?"]  # fmt: skip
    layouts = [generation_layout(tok.encode, tok.bos_id, user_prompt("", questions[i % 4]), modality="image",
                                 n_visual=256) for i in range(batch)]  # fmt: skip
    visual = torch.randn(batch, 256, hidden, device=device, dtype=getattr(torch, dtype))
    rows = []
    with torch.no_grad():
        for new_tokens in lengths:
            runs: dict[str, list[float]] = {way: [] for way in CACHE_WAYS}
            texts = {}
            for attempt in range(repeats + 1):  # the first round warms up (allocator, kernels)
                for way, (kv_cache, budget) in CACHE_WAYS.items():
                    seconds, texts[way] = decode_steps(model, layouts, visual, new_tokens, kv_cache, budget, device)
                    if attempt:
                        runs[way].append(seconds)
            same = all(texts[way] == texts["dynamic"] for way in CACHE_WAYS)
            ms = {way: 1000 * statistics.median(values) for way, values in runs.items()}
            # Ratios of the runs of one round (back to back), then their median: drift in the load cancels.
            ratio = {way: statistics.median(d / s for d, s in zip(runs["dynamic"], runs[way]))
                     for way in ("static", "static, 4x budget")}  # fmt: skip
            rows.append({"new_tokens": new_tokens, "batch": batch, "prompt_tokens": max(x.length for x in layouts),
                         **{f"{way} ms/step": round(value, 2) for way, value in ms.items()},
                         "dynamic / static": round(ratio["static"], 2),
                         "dynamic / static 4x": round(ratio["static, 4x budget"], 2),
                         "same_tokens": same})  # fmt: skip
    return rows


def cache_table(args) -> None:
    """The KV cache's table (see the module docstring)."""
    lengths = tuple(int(n) for n in args.new_tokens.split(","))
    rows = measure_cache(args.hidden, args.layers, args.batch, lengths, args.repeats, args.device, args.dtype, args.vocab)
    print(f"LAMM decoder, ms per decode step: random LLaMA hidden {args.hidden}, {args.layers} layers, vocab {args.vocab}, "
          f"batch {args.batch}, {args.device} {args.dtype}, {torch.get_num_threads()} threads; "
          f"medians of {args.repeats} interleaved rounds")  # fmt: skip
    print("| new tokens | prompt | static | dynamic | static, 4x budget | dynamic / static | dynamic / static 4x "
          "| same tokens |\n|---:|---:|---:|---:|---:|---:|---:|---|")  # fmt: skip
    for r in rows:
        print(f"| {r['new_tokens']} | {r['prompt_tokens']} | {r['static ms/step']:.1f} | {r['dynamic ms/step']:.1f} "
              f"| {r['static, 4x budget ms/step']:.1f} | {r['dynamic / static']:.2f}x | {r['dynamic / static 4x']:.2f}x "
              f"| {r['same_tokens']} |")  # fmt: skip


JOINTS = ("right ankle", "right knee", "right hip", "left hip", "left knee", "left ankle", "right wrist",
          "right elbow", "right shoulder", "left shoulder", "left elbow", "left wrist", "neck", "head top")
"""LSP's 14 joints: the questions asked of every figure."""


def measure_prefix(hidden: int = 512, layers: int = 8, figures: int = 4, repeats: int = 3, device: str = "cpu",
                   dtype: str = "float32", vocab: int = 32000) -> dict:
    """Seconds of the prompt's forward (``LammModel.prefill``) for ``figures`` x 14 LSP-like rows (one system text,
    256 visual tokens, a question naming a joint), each figure's rows sharing their prefix, and every row whole;
    medians of ``repeats`` interleaved rounds after a warm-up, the ratio the median of the rounds' ratios, and the
    largest difference of the last-position logits."""
    from lamm_bench.model_adapters.lamm.prompt import generation_layout, user_prompt

    with tempfile.TemporaryDirectory() as tmp:
        model = cache_model(Path(tmp), hidden, layers, device, dtype, vocab)
    tok = model.tokenizer
    system = "You are an AI assistant that can locate the joints of the person in the image, one point each.\n"
    layouts, sources = [], []
    for figure in range(figures):
        for joint in JOINTS:
            text = user_prompt(system, f"Where is the {joint} of the person in the image? Answer with a point.")
            layouts.append(generation_layout(tok.encode, tok.bos_id, text, modality="image", n_visual=256))
            sources.append(figure)
    visual = torch.randn(figures, 256, hidden, device=device, dtype=getattr(torch, dtype))[sources]
    times: dict[str, list[float]] = {"shared": [], "whole": []}
    logits = {}
    with torch.no_grad():
        for attempt in range(repeats + 1):
            for way in times:
                start = time.perf_counter()
                logits[way] = model.prefill(layouts, visual, sources if way == "shared" else None, budget=16,
                                            kv_cache="static")[0]  # fmt: skip
                if device.startswith("cuda"):
                    torch.cuda.synchronize()
                if attempt:
                    times[way].append(time.perf_counter() - start)
    return {"rows": len(layouts), "prompt_tokens": max(x.length for x in layouts),
            "whole s": round(statistics.median(times["whole"]), 3), "shared s": round(statistics.median(times["shared"]), 3),
            "whole / shared": round(statistics.median(w / s for w, s in zip(times["whole"], times["shared"])), 2),
            "max |logit diff|": float((logits["whole"] - logits["shared"]).abs().max())}  # fmt: skip


def prefix_table(args) -> None:
    """The shared prefix's table (see the module docstring)."""
    row = measure_prefix(args.hidden, args.layers, args.batch, args.repeats, args.device, args.dtype, args.vocab)
    print(f"LAMM prompt forward, {args.batch} figures x 14 questions: random LLaMA hidden {args.hidden}, "
          f"{args.layers} layers, vocab {args.vocab}, {args.device} {args.dtype}, {torch.get_num_threads()} threads; "
          f"medians of {args.repeats} interleaved rounds")  # fmt: skip
    print("| rows | prompt | whole (s) | shared (s) | whole / shared | max logit difference |\n|---:|---:|---:|---:|---:|---:|")
    print(f"| {row['rows']} | {row['prompt_tokens']} | {row['whole s']:.3f} | {row['shared s']:.3f} "
          f"| {row['whole / shared']:.2f}x | {row['max |logit diff|']:.1e} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="stops,cache,prefix", help="comma-separated tables: stops, cache, prefix")
    parser.add_argument("--batch", type=int, default=None,
                        help="rows per batch (default 8 for stops, 4 for cache); figures for prefix (default 4)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--new-tokens", default="32,128", help="comma-separated (cache table)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float16", "bfloat16"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    only = args.only.split(",")
    if "stops" in only:
        stops_table(argparse.Namespace(**{**vars(args), "batch": args.batch or 8}))
    if "cache" in only:
        cache_table(argparse.Namespace(**{**vars(args), "batch": args.batch or 4}))
    if "prefix" in only:
        prefix_table(argparse.Namespace(**{**vars(args), "batch": args.batch or 4}))


if __name__ == "__main__":
    main()
