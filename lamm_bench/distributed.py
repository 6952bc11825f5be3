"""Data parallelism under ``torchrun``: rank/world from the environment, a barrier through torch.distributed.

Each rank evaluates every ``world``-th sample and writes its own store; after a barrier rank 0 reads all stores,
scores and writes the result, which is identical to a single-process run. Outside ``torchrun`` this is a no-op
and torch is never imported.
"""

from __future__ import annotations

import os

from lamm_bench.errors import RankFailure


def rank_and_world() -> tuple[int, int]:
    """(rank, world size) from torchrun's environment; (0, 1) otherwise."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def barrier() -> None:
    """Wait for every rank (gloo on CPU, NCCL on GPU); initializes the process group on first use."""
    if rank_and_world()[1] <= 1:
        return
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    try:
        dist.barrier()
    except Exception as exc:  # gloo/NCCL report a peer that died as a connection or backend error
        rank, world = rank_and_world()
        raise RankFailure(
            f"rank {rank} of {world}: another rank stopped before finishing its shard ({type(exc).__name__}); the "
            "answers stored so far are kept: run the same command again to resume"
        ) from exc
