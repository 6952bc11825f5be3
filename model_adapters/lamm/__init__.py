"""Registration of the native LAMM model: the ``lamm`` adapter and the ``lamm-7b``/``lamm-13b``/``lamm3d-13b`` cards.

Import-light on purpose (no torch): ``lamm-bench list models`` reads ``ADAPTERS`` and ``CARDS`` from here; the
adapter class in :mod:`lamm_bench.model_adapters.lamm.adapter` is imported only when a model is built. A
card's ``files`` are relative to the models root (``models_root=DIR`` or ``$LAMM_BENCH_MODELS``), each with the
argument that points at it directly; ``docs/lamm-model.md`` has the full layout.
"""

from __future__ import annotations

from lamm_bench.adapter import ModelCard

ADAPTERS = {"lamm": "lamm_bench.model_adapters.lamm.adapter:LammAdapter"}

_CLIP = "clip/ViT-L-14.pt (clip=FILE; also ~/.cache/clip/ViT-L-14.pt)"

CARDS = (
    ModelCard(
        name="lamm-7b",
        adapter="lamm",
        args={"llm_name": "vicuna-7b-v0", "delta_name": "lamm_7b_lora32_186k", "modality": "image"},
        description="LAMM 7B (Vicuna-7B v0 + CLIP ViT-L/14, LoRA 32, LAMM-Instruct 186k), 2D",
        files=("vicuna-7b-v0/ (llm=DIR)", _CLIP, "lamm_7b_lora32_186k/pytorch_model.pt (delta=FILE)"),
    ),
    ModelCard(
        name="lamm-13b",
        adapter="lamm",
        args={"llm_name": "vicuna-13b-v0", "delta_name": "lamm_13b_lora32_186k", "modality": "image"},
        description="LAMM 13B (Vicuna-13B v0 + CLIP ViT-L/14, LoRA 32, LAMM-Instruct 186k), 2D",
        files=("vicuna-13b-v0/ (llm=DIR)", _CLIP, "lamm_13b_lora32_186k/pytorch_model.pt (delta=FILE)"),
    ),
    ModelCard(
        name="lamm3d-13b",
        adapter="lamm",
        args={"llm_name": "vicuna-13b-v0", "delta_name": "lamm3d_13b_lora32_10k", "modality": "point_cloud"},
        description="LAMM 3D 13B (Vicuna-13B v0 + EPCL point encoder on frozen CLIP ViT-L/14, LoRA 32), 3D",
        files=(
            "vicuna-13b-v0/ (llm=DIR)",
            _CLIP,
            "lamm3d_13b_lora32_10k/pytorch_model.pt (delta=FILE)",
            "epcl/epcl_scannet_vit-L-14_256tokens_latest.pth (epcl=FILE)",
        ),
    ),
)
