"""EPCL's point sampling and grouping: the straightforward ``[B, N, 3]`` form against lamm-bench's, side by side.

LAMM's 3D encoder starts with farthest point sampling and a ball query (pointnet2's CUDA kernels in the reference;
pure torch here, following the kernels' rules). The straightforward torch form computes every squared distance as
``((a - b) ** 2).sum(-1)`` over ``[B, N, 3]`` tensors and picks a ball's first points with a top-k; lamm-bench's
(``lamm_bench.model_adapters.lamm.epcl``) works on one coordinate plane at a time into reused buffers (the kernel's
``dx*dx + dy*dy + dz*dz``, left to right) and finds a ball's first points with a running count. Both give the same
indices; that is checked on every cloud before its time counts.

The clouds are lamm-mini's ScanNet-style scenes (``lamm-bench data mini``), sampled as the evaluation samples them
(40,000 points, seeded) and as the tiny training preset does (4,096); EPCL's settings are the tiny card's (64
centres, radius 0.4, 64 points per ball). Medians of interleaved rounds; one process, CPU.

Run: ``python benchmarks/bench_epcl.py --data-root build/lamm-mini [--scenes 12] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from lamm_bench.model_adapters.lamm.epcl import ball_query, furthest_point_sample
from lamm_bench.pointcloud import load_point_cloud


def naive_fps(xyz: torch.Tensor, npoint: int) -> torch.Tensor:
    """Farthest point sampling in the ``[B, N, 3]`` form (the kernel's rules: start at 0, skip the origin)."""
    batch, n, _ = xyz.shape
    near_origin = (xyz * xyz).sum(-1) <= 1e-3
    dist = torch.full((batch, n), 1e10)
    chosen = torch.zeros(batch, npoint, dtype=torch.long)
    rows, last = torch.arange(batch), torch.zeros(batch, dtype=torch.long)
    for j in range(1, npoint):
        dist = torch.minimum(dist, ((xyz - xyz[rows, last].unsqueeze(1)) ** 2).sum(-1))
        last = torch.where(near_origin, torch.full_like(dist, -1.0), dist).argmax(-1)
        chosen[:, j] = last
    return chosen


def naive_ball_query(xyz: torch.Tensor, centers: torch.Tensor, radius: float, nsample: int) -> torch.Tensor:
    """The first ``nsample`` points inside each ball by a top-k over index keys, padded with the first."""
    n = xyz.shape[1]
    d2 = ((centers[:, :, None, :] - xyz[:, None, :, :]) ** 2).sum(-1)
    key = torch.where(d2 < radius * radius, torch.arange(n), n)
    first = torch.topk(key, min(nsample, n), dim=-1, largest=False, sorted=True).values
    head = torch.where(first[..., :1] == n, torch.zeros_like(first[..., :1]), first[..., :1])
    return torch.where(first == n, head.expand_as(first), first)


def timed(fn, *args) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--scenes", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    files = sorted((args.data_root / "3D_Benchmark/scannet_pcls").iterdir())[: args.scenes]
    print(f"EPCL sampling and grouping on {len(files)} lamm-mini scenes (64 centres, radius 0.4, 64 per ball; "
          f"medians of {args.repeats} rounds)")  # fmt: skip
    print(f"{'points':>7} {'step':>12} {'naive ms':>9} {'lamm-bench ms':>14} {'ratio':>6}")
    for points in (40_000, 4_096):
        clouds = [torch.from_numpy(load_point_cloud(f, num_points=points, seed=i)[:, :3].copy())[None]
                  for i, f in enumerate(files)]  # fmt: skip
        times = {k: [] for k in ("fps naive", "fps ours", "ball naive", "ball ours")}
        for _ in range(args.repeats):  # interleaved, so drift in the machine's load hits both ways
            for cloud in clouds:
                t_naive, slow = timed(naive_fps, cloud, 64)
                t_ours, fast = timed(furthest_point_sample, cloud, 64)
                assert torch.equal(slow, fast)
                times["fps naive"].append(t_naive)
                times["fps ours"].append(t_ours)
                centers = torch.gather(cloud, 1, fast.unsqueeze(-1).expand(-1, -1, 3))
                t_naive, slow = timed(naive_ball_query, cloud, centers, 0.4, 64)
                t_ours, fast = timed(ball_query, cloud, centers, 0.4, 64)
                assert torch.equal(slow, fast)
                times["ball naive"].append(t_naive)
                times["ball ours"].append(t_ours)
        for step in ("fps", "ball"):
            naive, ours = (statistics.median(times[f"{step} {way}"]) * 1e3 for way in ("naive", "ours"))
            name = "farthest pts" if step == "fps" else "ball query"
            print(f"{points:>7} {name:>12} {naive:>9.2f} {ours:>14.2f} {naive / ours:>5.1f}x")


if __name__ == "__main__":
    main()
