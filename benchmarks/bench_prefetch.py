"""Image decoding overlapped with the model: the runner's prefetch thread on vs off, side by side.

A stand-in adapter does what a real one does per batch: it asks for decoded media (``media = "decoded"``), takes
each image from the ``Media`` record the runner hands it (decoded in the background while the previous batch ran
when prefetch is on, just before the call when off), resizes it to 224x224, then "run the model" — a torch matmul workload
sized to take about as long as the batch's decoding, so the best possible overlap is visible. JPEGs are
1024x768 photos-like noise (slow to decode). Same requests, same adapter, one process.

Run: ``python benchmarks/bench_prefetch.py [--images 96] [--batch-size 8]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from lamm_bench.adapter import DECODED, Adapter
from lamm_bench.batching import answer_batches, make_batches, new_stats
from lamm_bench.records import Request, Response
from lamm_bench.store import PredictionStore


class StandInAdapter(Adapter):
    media = DECODED

    def __init__(self, flops: int):
        self.a = torch.randn(flops, flops)

    def load(self) -> None:
        pass

    def describe(self) -> dict:
        return {}

    def generate(self, batch, media=None):
        pixels = [np.asarray(media.image(p).convert("RGB").resize((224, 224))) for r in batch for p in r.images]
        for _ in range(4):
            self.a @ self.a  # the model's forward passes (releases the GIL, as a real model does)
        return [Response(text=str(len(pixels))) for _ in batch]


def run(batches, adapter, prefetch: bool, folder: Path) -> float:
    store = PredictionStore(folder / f"store-{prefetch}-{time.perf_counter_ns()}.jsonl")
    start = time.perf_counter()
    answer_batches(adapter, batches, store, new_stats(len(batches[0])), identity=lambda r: None, prefetch=prefetch)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--flops", type=int, default=700, help="matrix size of the stand-in model's work")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        requests = []
        for i in range(args.images):
            path = folder / f"{i}.jpg"
            Image.fromarray(rng.integers(0, 255, (768, 1024, 3), dtype=np.uint8)).save(path, quality=90)
            requests.append(Request(sample_id=str(i), kind="generate", system="", text="q", images=(str(path),)))
        batches = make_batches(requests, args.batch_size)
        adapter = StandInAdapter(args.flops)
        run(batches[:2], adapter, True, folder)  # warm-up
        results = {label: min(run(batches, adapter, on, folder) for _ in range(3))
                   for label, on in (("decode before each call (prefetch off)", False), ("prefetch thread (ours)", True))}  # fmt: skip
    for label, seconds in results.items():
        print(f"{label:38s} {seconds:6.2f} s  {args.images / seconds:6.1f} images/s")
    off, on = results.values()
    print(f"speed-up {off / on:.2f}x ({args.images} JPEG 1024x768, batch {args.batch_size})")


if __name__ == "__main__":
    main()
