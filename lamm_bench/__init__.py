"""lamm-bench: evaluate multimodal LLMs on the LAMM benchmark (2D and 3D), exactly and reproducibly.

Importing the package does nothing heavy; :func:`evaluate` loads what it needs when called.
"""

from __future__ import annotations

__all__ = ["evaluate"]


def evaluate(*args, **kwargs):
    """Evaluate a model on tasks; see :func:`lamm_bench.api.evaluate`."""
    from lamm_bench.api import evaluate as _evaluate

    return _evaluate(*args, **kwargs)
