"""Two ranks against one: `torchrun --nproc-per-node 2 -m lamm_bench run` on a CPU-bound workload (gloo).

The workload is the native LAMM adapter with the test suite's tiny random LAMM (real SentencePiece tokenizer, CLIP
ViT and LLaMA code paths; random weights generate up to the token budget), one torch thread per process
(``OMP_NUM_THREADS=1``), on the mini benchmark. Both ways run the same command end to end (process start, model
load, inference, scoring, result files), interleaved, fresh output folders each time; the script checks that the
2-rank predictions equal the 1-rank ones.

Run: ``python benchmarks/bench_ranks.py [--samples 1000] [--repeats 3] [--no-prefetch]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "adapters"))

import tiny_lamm  # noqa: E402

from lamm_bench import registry  # noqa: E402
from lamm_bench.demo.build import build_lamm_mini  # noqa: E402

BIN = Path(sys.executable).parent


def command(models: Path, data: Path, out: Path, prefetch: bool) -> list[str]:
    args = [a for k, v in tiny_lamm.TINY_ARGS.items() for a in ("--model-arg", f"{k}={v}")]
    return ["run", "--model", "lamm", *args, "--model-arg", f"models_root={models}",
            "--model-arg", f"clip_config_dir={models / 'open_clip_configs'}",
            "--task", "ucmerced", "--data-root", str(data), "--out", str(out), "--no-progress", "--batch-size", "4",
            "--prefetch" if prefetch else "--no-prefetch"]  # fmt: skip


def timed(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1000, help="samples in the task")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-prefetch", dest="prefetch", action="store_false",
                        help="decode each batch's images just before its call (one thread per process)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lamm-ranks-"))
    models = tiny_lamm.build_tiny_lamm(work / "models")
    data = work / "data"
    build_lamm_mini(data, [registry.get_task("ucmerced")], scale=args.samples / 50)  # lamm-mini writes 50 at 1.0
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    one, two = [], []
    for repeat in range(args.repeats):
        cmd = command(models, data, work / f"one{repeat}", args.prefetch)
        one.append(timed([str(BIN / "lamm-bench"), *cmd], env))
        cmd = command(models, data, work / f"two{repeat}", args.prefetch)
        two.append(timed([str(BIN / "torchrun"), "--nproc-per-node", "2", "--master-port", str(29700 + repeat),
                          "-m", "lamm_bench", *cmd], env))  # fmt: skip
        first = (work / f"one{repeat}/results/lamm/ucmerced.predictions.jsonl").read_text()
        assert first == (work / f"two{repeat}/results/lamm/ucmerced.predictions.jsonl").read_text()
    a, b = statistics.median(one), statistics.median(two)
    print(f"ucmerced (paper: up to 400 new tokens), {args.samples} samples, tiny LAMM, OMP_NUM_THREADS=1, "
          f"prefetch {'on' if args.prefetch else 'off'}, medians of {args.repeats}")  # fmt: skip
    print(f"1 process: {a:.1f} s   torchrun 2 ranks (gloo): {b:.1f} s   speed-up {a / b:.2f}x")
    print("runs (1 / 2):", " ".join(f"{x:.1f}/{y:.1f}" for x, y in zip(one, two)))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
