"""Store: the cost of one append as the store grows, today's store vs the old one that re-read the file, side by side.

The prediction store is appended to after every batch. The old store read the whole file before each append to cut
a torn last line, so an append cost O(file) and a run O(n^2); the store now cuts a torn tail once, before its
first append, reading back only to the last newline. For stores of 1k, 10k and 100k responses this times one
append of a batch of 8 responses (with its flush and fsync) both ways, in the same folder, interleaved, and prints
the medians and their ratio.

fsync dominates a small append and its time varies with the disk; ``--no-fsync`` leaves it out of both ways.

Run: ``python benchmarks/bench_store.py [--sizes 1000,10000,100000] [--appends 200] [--dir DIR] [--no-fsync]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from lamm_bench.store import PredictionStore, StoredResponse

BATCH = 8


class OldStore(PredictionStore):
    """The store before the fix: every append reads the whole file to cut a torn tail."""

    def append(self, entries: Iterable[StoredResponse]) -> None:
        payload = "".join(json.dumps(asdict(e), ensure_ascii=False) + "\n" for e in entries)
        with self.path.open("rb+") as fh:
            data = fh.read()
            if not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())


def response(i: int) -> StoredResponse:
    # about the size of a real line: a sentence-long answer
    return StoredResponse(f"sample-{i}", "", "The image shows a small dog running on the beach near the water. " * 2,
                          n_tokens=32)  # fmt: skip


def filled(path: Path, n: int) -> None:
    """A store file holding ``n`` responses."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps(asdict(response(i))) + "\n")


def time_appends(store: PredictionStore, start: int, count: int) -> list[float]:
    times = []
    for k in range(count):
        batch = [response(start + k * BATCH + j) for j in range(BATCH)]
        t0 = time.perf_counter()
        store.append(batch)
        times.append(time.perf_counter() - t0)
    return times


def measure(folder: Path, n: int, appends: int) -> tuple[float, float]:
    """Median seconds per append at ``n`` stored responses: (today's store, old store)."""
    new_path, old_path = folder / f"new-{n}.jsonl", folder / f"old-{n}.jsonl"
    filled(new_path, n)
    filled(old_path, n)
    new, old = PredictionStore(new_path), OldStore(old_path)
    new.append([response(-1)])  # today's store: the one-off tail check happens here, before timing
    new_times, old_times = [], []
    for k in range(appends):  # interleaved, so both see the same machine load
        new_times += time_appends(new, n + k * BATCH, 1)
        old_times += time_appends(old, n + k * BATCH, 1)
    new_path.unlink()
    old_path.unlink()
    return statistics.median(new_times), statistics.median(old_times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--appends", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=None, help="Folder for the store files (default: a temp dir).")
    parser.add_argument("--no-fsync", action="store_true", help="Skip fsync in both ways (isolates the read cost).")
    args = parser.parse_args()
    if args.no_fsync:
        os.fsync = lambda fd: None  # both stores call os.fsync through this module attribute
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(f"{'stored':>8}  {'today (ms/append)':>18}  {'old (ms/append)':>16}  {'old/today':>9}")
        for n in (int(s) for s in args.sizes.split(",")):
            new, old = measure(Path(tmp), n, args.appends)
            print(f"{n:>8}  {1000 * new:>18.3f}  {1000 * old:>16.3f}  {old / new:>8.1f}x")


if __name__ == "__main__":
    main()
