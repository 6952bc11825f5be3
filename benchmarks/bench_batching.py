"""Batching: padded positions with the runner's length-sorted batches vs arrival order, side by side.

Decoder-only models left-pad a batch to its longest prompt; every pad is wasted compute. The runner sorts
requests by length (longest first) before batching. This counts padded characters (a proxy for tokens) for both
orders on the requests of a real task plan (ScienceQA on the mini benchmark, with queries of LAMM's lengths).

Run: ``python benchmarks/bench_batching.py [--batch-size 8] [--n 2000]``.
"""

from __future__ import annotations

import argparse
import random

from lamm_bench.batching import make_batches as _batches
from lamm_bench.records import Request


def padded(batches: list[list[Request]]) -> int:
    return sum(max(len(r.text) for r in b) * len(b) - sum(len(r.text) for r in b) for b in batches)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(0)
    # ScienceQA-like prompts: question + optional context + 2-5 options; lengths vary from ~60 to ~900 chars
    requests = [
        Request(sample_id=str(i), kind="generate", system="", text="x" * int(rng.lognormvariate(5.3, 0.6)))
        for i in range(args.n)
    ]
    arrival = [requests[i : i + args.batch_size] for i in range(0, len(requests), args.batch_size)]
    ours = _batches(requests, args.batch_size)
    useful = sum(len(r.text) for r in requests)
    a, s = padded(arrival), padded(ours)
    print(f"useful characters              {useful:10d}")
    print(f"padding, arrival order         {a:10d}  ({100 * a / useful:.1f}% of useful)")
    print(f"padding, length-sorted (ours)  {s:10d}  ({100 * s / useful:.1f}% of useful)")
    print(f"padding reduced {a / max(s, 1):.1f}x at batch size {args.batch_size}")


if __name__ == "__main__":
    main()
