"""The point-cloud path: a few steps of the tiny preset on ``pcl`` records through the EPCL encoder."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

import tiny_instruct  # noqa: E402
import tiny_lamm  # noqa: E402

from lamm_bench.model_adapters.lamm.checkpoint import expected_delta_shapes  # noqa: E402
from lamm_bench.train.cli import run_train  # noqa: E402


def test_tiny_3d_run_trains_lora_and_projection_through_epcl(models_root, tmp_path):
    meta = tiny_instruct.write_point_clouds(tmp_path / "data")
    outcome = run_train(
        "tiny", meta, output=tmp_path / "run", max_steps=2, model_args=[f"models_root={models_root}"],
        overrides=[*tiny_lamm.train_settings(models_root), "modality=point_cloud", "use_system=true",
                   "num_points=1024"],
        progress=False,
    )
    delta = torch.load(outcome.delta, weights_only=True)
    expected = expected_delta_shapes(tiny_lamm.LAYERS, tiny_lamm.HIDDEN, tiny_lamm.LORA_R, tiny_lamm.VISION_WIDTH)
    assert {k: tuple(v.shape) for k, v in delta.items()} == expected
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in log if "loss" in r]
    assert len(losses) == 2 and all(0 < x < 20 for x in losses)
    # The frozen EPCL encoder stays in eval mode (batch norm statistics untouched).
    assert not outcome.model.visual_encoder.training
    assert outcome.model.modality == "point_cloud"
