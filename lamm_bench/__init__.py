"""lamm-bench: evaluate multimodal LLMs on the LAMM benchmark (2D and 3D), exactly and reproducibly.

Importing the package does nothing heavy: :func:`evaluate` and the types below are imported on first access. The
names here are what a plugin needs: an adapter subclasses :class:`Adapter` (registered under the
``lamm_bench.adapters`` entry point, with :class:`ModelCard` s under ``lamm_bench.cards``); a task module exports
:class:`TaskSpec` s (entry point ``lamm_bench.tasks``) built from the records and helpers listed in ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lamm_bench.adapter import CHOICE, DECODED, GENERATE, IMAGE, PATHS, POINT_CLOUD, Adapter, ModelCard, config_from_args
    from lamm_bench.api import evaluate
    from lamm_bench.errors import MissingWeightsError, UserError
    from lamm_bench.media import Media
    from lamm_bench.records import GenerationSettings, Request, Response, Sample, SampleScore
    from lamm_bench.results import TaskResult
    from lamm_bench.rows import Overlay, PredictionRow, read_prediction_rows
    from lamm_bench.task import JudgeSetting, TaskSpec, mean_of, needs, ratio_of

_EXPORTS = {
    "evaluate": "lamm_bench.api",
    "Adapter": "lamm_bench.adapter",
    "ModelCard": "lamm_bench.adapter",
    "config_from_args": "lamm_bench.adapter",
    "GENERATE": "lamm_bench.adapter",
    "CHOICE": "lamm_bench.adapter",
    "IMAGE": "lamm_bench.adapter",
    "POINT_CLOUD": "lamm_bench.adapter",
    "PATHS": "lamm_bench.adapter",
    "DECODED": "lamm_bench.adapter",
    "Media": "lamm_bench.media",
    "GenerationSettings": "lamm_bench.records",
    "Request": "lamm_bench.records",
    "Response": "lamm_bench.records",
    "Sample": "lamm_bench.records",
    "SampleScore": "lamm_bench.records",
    "TaskSpec": "lamm_bench.task",
    "JudgeSetting": "lamm_bench.task",
    "Overlay": "lamm_bench.rows",
    "PredictionRow": "lamm_bench.rows",
    "read_prediction_rows": "lamm_bench.rows",
    "needs": "lamm_bench.task",
    "mean_of": "lamm_bench.task",
    "ratio_of": "lamm_bench.task",
    "TaskResult": "lamm_bench.results",
    "UserError": "lamm_bench.errors",
    "MissingWeightsError": "lamm_bench.errors",
}
"""Public name -> the module that defines it (imported on first access, PEP 562)."""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lamm_bench' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
