"""The LAMM decoder's own cost per generated token, without the model, from 50 to 800 tokens.

A scripted stand-in model returns fixed logits at every step, so what is timed is the decoder: picking tokens,
bookkeeping and the stop-string check. The naive way re-decodes each row's whole text after every token to look
for ``###`` and the request's stop strings (the decoder before this change), which costs O(length) per token;
lamm-bench decodes only the last few tokens (``decode.StopWatch``). Both ways give the same answers (checked).

Run: ``python benchmarks/bench_decoder.py [--batch 8] [--repeats 5]``.
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


class NaiveWatch(decode.StopWatch):
    """The old check: decode everything generated so far after every token."""

    def stopped(self, token: int) -> bool:
        self.visible.append(token)
        text = self.tokenizer.decode(self.visible)
        return any(stop in text for stop in self.stops)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    tok = tokenizer(Path(tempfile.mkdtemp()))
    text = " the cat sat on the mat and the dog shows a red bicycle [0.25, 0.5]" * 80
    ids = [t for t in tok.encode(text) if t != tok.eos_id]
    print(f"decoder time per generated token (batch {args.batch}, medians of {args.repeats}, stand-in model)")
    print(f"{'tokens':>7} {'naive us/token':>15} {'lamm-bench us/token':>20} {'ratio':>6}")
    for length in (50, 100, 200, 400, 800):
        model = Scripted(tok, [ids[r : r + length] for r in range(args.batch)])
        naive, ours = [], []
        for _ in range(args.repeats):  # interleaved, so drift in the machine's load hits both
            seconds, slow_out = run(model, args.batch, length, NaiveWatch)
            naive.append(seconds)
            seconds, fast_out = run(model, args.batch, length, FAST)
            ours.append(seconds)
            assert slow_out == fast_out
        per = 1e6 / (length * args.batch)
        n, o = statistics.median(naive) * per, statistics.median(ours) * per
        print(f"{length:>7} {n:>15.1f} {o:>20.1f} {n / o:>6.1f}x")


if __name__ == "__main__":
    main()
