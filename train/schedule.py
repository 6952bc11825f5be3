"""The learning-rate schedule as one pure function: warm-up (DeepSpeed's log shape or linear), then linear decay to 0.

The reference ran DeepSpeed's ``WarmupDecayLR`` with ``warmup_min_lr=0``: during warm-up the rate is
``peak * log(i + 1) / log(W)`` (``warmup_type='log'``, DeepSpeed's default) or ``peak * i / W`` (linear), where
``i`` is the step and ``W = max(2, warmup_steps)``; afterwards ``peak * (T - i) / max(1, T - W)``, never below 0.
Here ``i`` is the zero-based index of the optimizer step the rate is used for. (DeepSpeed's engine advances its
scheduler after each optimizer step starting from iteration -1, so its first two steps both run at rate 0; this
schedule is one step ahead of that, which changes only where warm-up starts.)
"""

from __future__ import annotations

import math


def lr_at(step: int, total_steps: int, peak: float, warmup_steps: int, warmup_type: str = "log") -> float:
    """The learning rate of optimizer step ``step`` (zero-based).

    Args:
        step: Index of the optimizer step, ``0 <= step``.
        total_steps: Steps in the whole run (the rate reaches 0 there).
        peak: Rate at the end of warm-up.
        warmup_steps: Warm-up length; values below 2 count as 2, as in DeepSpeed.
        warmup_type: ``log`` or ``linear``.

    Returns:
        The rate, in ``[0, peak]``.
    """
    if warmup_type not in ("log", "linear"):
        raise ValueError(f"unknown warmup_type {warmup_type!r}")
    warm = max(2, warmup_steps)
    if step < warm:
        if warmup_type == "log":
            return peak * math.log(step + 1) / math.log(warm)
        return peak * step / warm
    return peak * max(0.0, (total_steps - step) / max(1.0, total_steps - warm))
