"""Registration of the built-in tiny LAMM models: the ``lamm-builtin`` adapter and its four cards.

Import-light on purpose (no torch), like :mod:`lamm_bench.model_adapters.lamm`. The cards need no weight files:
``lamm-tiny`` and ``lamm3d-tiny`` are trained by lamm-bench's own trainer on lamm-mini the first time they are loaded
(about a minute on two CPU cores), ``lamm-tiny-base`` and ``lamm3d-tiny-base`` are the same models before training;
everything is kept in ``$LAMM_BENCH_CACHE`` (default ``~/.cache/lamm-bench``). ``docs/lamm-model.md`` has the details.
"""

from __future__ import annotations

from lamm_bench.adapter import ModelCard

ADAPTERS = {"lamm-builtin": "lamm_bench.demo.tiny_adapter:BuiltinLammAdapter"}
"""The adapter lives with the rest of the demo (it builds and trains its weights with the demo's data); it is named
here, not imported, so the model adapters never import the demo."""

_CACHED = "built on first use into $LAMM_BENCH_CACHE (default ~/.cache/lamm-bench); no weights to download"

CARDS = (
    ModelCard(
        name="lamm-tiny",
        adapter="lamm-builtin",
        args={"modality": "image", "trained": "true"},
        description="built-in tiny LAMM (random tiny LLaMA + tiny CLIP ViT), LoRA-trained on lamm-mini 2D, CPU",
        files=(_CACHED,),
    ),
    ModelCard(
        name="lamm-tiny-base",
        adapter="lamm-builtin",
        args={"modality": "image", "trained": "false"},
        description="lamm-tiny before training (the trainer's step-0 delta): the 2D baseline",
        files=(_CACHED,),
    ),
    ModelCard(
        name="lamm3d-tiny",
        adapter="lamm-builtin",
        args={"modality": "point_cloud", "trained": "true"},
        description="built-in tiny LAMM 3D (tiny EPCL on the tiny CLIP transformer), LoRA-trained on lamm-mini 3D, CPU",
        files=(_CACHED,),
    ),
    ModelCard(
        name="lamm3d-tiny-base",
        adapter="lamm-builtin",
        args={"modality": "point_cloud", "trained": "false"},
        description="lamm3d-tiny before training (the trainer's step-0 delta): the 3D baseline",
        files=(_CACHED,),
    ),
)
