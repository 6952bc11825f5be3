"""Shared pieces of the GPU check's sections: the run context, an incremental result file, timing and memory.

Each section runs in its own process and appends rows to its own JSON file, rewritten atomically after every
measurement, so a section killed by its timeout (or by a CUDA error) still leaves every figure it had measured.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gpu_models import REAL, TINY, Shape

PEAK_FLOPS = 989e12
"""Dense bf16/fp16 tensor-core peak of one H100 SXM or H200 (989.4 TFLOP/s, without sparsity), for MFU."""


@dataclass(frozen=True)
class Context:
    """What one section runs on and at which size."""

    dry_run: bool
    work: Path
    """Scratch folder of this run (outside the repository)."""
    repo: Path

    @property
    def shape(self) -> Shape:
        return TINY if self.dry_run else REAL

    @property
    def device(self) -> str:
        return "cpu" if self.dry_run else "cuda"

    @property
    def gen_dtypes(self) -> tuple[str, ...]:
        """Generation dtypes, most important first (bf16; fp16 as the reference ran; fp32 stands in on CPU)."""
        return ("bfloat16", "float32") if self.dry_run else ("bfloat16", "float16")

    @property
    def batches(self) -> tuple[int, ...]:
        return (1, 4) if self.dry_run else (1, 8, 32)

    @property
    def new_tokens(self) -> int:
        return 4 if self.dry_run else 64

    @property
    def image_size(self) -> tuple[int, int]:
        return (64, 48) if self.dry_run else (640, 480)


class Recorder:
    """One section's rows and notes, written to ``path`` (atomically) after every change."""

    def __init__(self, path: Path, section: str):
        self.path = path
        self.data: dict = {"section": section, "rows": [], "notes": []}
        self.flush()

    def row(self, **fields) -> None:
        self.data["rows"].append(fields)
        self.flush()

    def note(self, text: str) -> None:
        self.data["notes"].append(text)
        self.flush()

    def set(self, key: str, value) -> None:
        self.data[key] = value
        self.flush()

    def flush(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, default=str))
        os.replace(tmp, self.path)

    def attempt(self, what: str, fn: Callable[[], object]):
        """Run ``fn``; on an exception record ``what`` failed (with the error's last line) and return None."""
        try:
            return fn()
        except Exception as err:  # noqa: BLE001 - one failed measurement must not lose the others
            traceback.print_exc()
            last = (str(err).strip().splitlines() or [""])[-1][:300]
            self.note(f"{what}: FAILED: {type(err).__name__}: {last}")
            _free()
            return None


def _free() -> None:
    import gc

    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


def free_memory() -> None:
    """Collect garbage and return cached CUDA blocks (between models)."""
    _free()


def sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def timed(device: str, fn: Callable[[], object]) -> tuple[object, float]:
    """``(fn(), seconds)`` with the device synchronized on both sides."""
    sync(device)
    start = time.perf_counter()
    out = fn()
    sync(device)
    return out, time.perf_counter() - start


def reset_peak(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.reset_peak_memory_stats()


def peak_gib(device: str) -> float | None:
    """``torch.cuda.max_memory_allocated`` since the last reset, in GiB (None on CPU)."""
    if not device.startswith("cuda"):
        return None
    import torch

    return round(torch.cuda.max_memory_allocated() / 2**30, 2)
