"""Presets, overrides, validation and the accumulation that keeps the global batch at 64."""

from __future__ import annotations

import pytest

from lamm_bench.errors import UnknownNameError, UserError
from lamm_bench.train.config import (
    PRESETS,
    TrainConfig,
    apply_overrides,
    gradient_accumulation,
    preset,
    total_steps,
    warmup_steps,
)


def test_paper_presets_carry_the_reference_hyperparameters():
    for name in ("lamm-7b", "lamm-13b", "lamm3d-13b"):
        c = PRESETS[name]
        assert (c.global_batch_size, c.micro_batch_size, c.epochs, c.lr) == (64, 2, 2, 5e-4)
        assert (c.warmup_ratio, c.min_warmup_steps, c.warmup_type) == (0.1, 10, "log")
        assert (c.adam_beta1, c.adam_beta2, c.weight_decay, c.grad_clip, c.max_tgt_len) == (0.9, 0.95, 0.001, 1.0, 400)
        assert (c.lora_r, c.lora_alpha, c.lora_dropout, c.num_vision_tokens, c.use_system) == (32, 32, 0.1, 256, True)
        assert c.save_dtype == "float16"
    assert PRESETS["lamm-7b"].llm_name == "vicuna-7b-v0" and PRESETS["lamm-13b"].llm_name == "vicuna-13b-v0"
    assert PRESETS["lamm3d-13b"].modality == "point_cloud"


@pytest.mark.parametrize(("world", "expected"), [(1, 32), (4, 8), (8, 4), (32, 1)])
def test_accumulation_keeps_the_global_batch(world, expected):
    assert gradient_accumulation(PRESETS["lamm-13b"], world) == expected


@pytest.mark.parametrize("world", [3, 64])
def test_indivisible_global_batch_is_a_user_error(world):
    with pytest.raises(UserError, match="global batch 64"):
        gradient_accumulation(PRESETS["lamm-13b"], world)


def test_steps_and_warmup():
    c = PRESETS["lamm-7b"]
    assert total_steps(c, 186_000) == 5812 and warmup_steps(c, 5812) == 581
    assert warmup_steps(c, 50) == 10  # the reference's floor of 10
    assert total_steps(apply_overrides(c, {"max_steps": "7"}), 186_000) == 7
    with pytest.raises(UserError, match="cannot fill one global batch"):
        total_steps(c, 63)


def test_overrides_convert_to_field_types():
    c = apply_overrides(PRESETS["tiny"], {"lr": "0.5", "use_system": "true", "micro_batch_size": "1",
                                          "warmup_type": "log", "clip_config_dir": "/x"})
    assert (c.lr, c.use_system, c.micro_batch_size, c.warmup_type, c.clip_config_dir) == (0.5, True, 1, "log", "/x")


@pytest.mark.parametrize(
    ("pairs", "message"),
    [({"nope": "1"}, "no such setting"), ({"lr": "fast"}, "expected float"), ({"use_system": "maybe"}, "expected bool"),
     ({"warmup_type": "cosine"}, "warmup_type"), ({"lora_dropout": "1.5"}, "lora_dropout"),
     ({"micro_batch_size": "5"}, "not a multiple"), ({"num_vision_tokens": "300"}, "256")],
)
def test_bad_overrides_are_user_errors(pairs, message):
    with pytest.raises(UserError, match=message):
        apply_overrides(PRESETS["lamm-7b"], pairs)


def test_unknown_preset_suggests_close_names():
    with pytest.raises(UnknownNameError, match="lamm-7b"):
        preset("lamm7b")


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        TrainConfig().lr = 1.0  # type: ignore[misc]
