"""One in-process run of the ``tiny`` preset: learning, what trains, the saved delta, LoRA merging."""

from __future__ import annotations

import copy
import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("accelerate")

import tiny_lamm  # noqa: E402
from train_helpers import STEPS  # noqa: E402

from lamm_bench.model_adapters.lamm.adapter import LammAdapter  # noqa: E402
from lamm_bench.model_adapters.lamm.checkpoint import expected_delta_shapes  # noqa: E402
from lamm_bench.records import Request  # noqa: E402


def _log(outcome) -> list[dict]:
    lines = (outcome.delta.parent / "train_log.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if "loss" in r]


def test_loss_falls_over_the_run(reference_run):
    losses = [r["loss"] for r in _log(reference_run)]
    assert len(losses) == STEPS
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < first - 0.15, (first, last)
    accuracy = [r["token_acc"] for r in _log(reference_run)]
    assert max(accuracy[-5:]) > max(accuracy[:2])


def test_lr_follows_the_schedule_in_the_log(reference_run):
    lrs = [r["lr"] for r in _log(reference_run)]
    # tiny preset: peak 1e-2, linear warm-up over max(2, int(24 * 0.1)) = 2 steps, then linear decay.
    assert lrs[:3] == pytest.approx([0.0, 5e-3, 1e-2]) and lrs[-1] == pytest.approx(1e-2 / 22)


def test_only_lora_and_llama_proj_train(reference_run):
    model = reference_run.model
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    expected = expected_delta_shapes(tiny_lamm.LAYERS, tiny_lamm.HIDDEN, tiny_lamm.LORA_R, tiny_lamm.VISION_WIDTH)
    assert trainable == set(expected)
    delta = torch.load(reference_run.delta, weights_only=True)
    assert {k: tuple(v.shape) for k, v in delta.items()} == expected
    assert all(v.dtype == torch.float32 for v in delta.values())  # tiny preset saves float32
    # LoRA B starts at zero; after training it is not.
    assert all(delta[k].abs().sum() > 0 for k in delta if "lora_B" in k)


def test_base_weights_are_unchanged(reference_run, models_root):
    from transformers import LlamaForCausalLM

    from lamm_bench.model_adapters.lamm.vision import load_clip_visual

    base = LlamaForCausalLM.from_pretrained(models_root / "vicuna-tiny").state_dict()
    trained = reference_run.model.llama_model.get_base_model()
    own = {n.replace(".base_layer", ""): p for n, p in trained.named_parameters() if "lora_" not in n}
    assert own.keys() == base.keys()
    for name, value in base.items():
        assert torch.equal(own[name], value), name
    clip = load_clip_visual(models_root / "clip" / "ViT-L-14.pt", tiny_lamm.CLIP_NAME).state_dict()
    for name, value in reference_run.model.visual_encoder.state_dict().items():
        assert torch.equal(value, clip[name]), name


def _requests(meta):
    root = meta.parent.parent
    return [Request(sample_id=str(i), kind="generate", system="", text=q, images=(str(root / f"images/{i}.png"),))
            for i, q in enumerate(["What is in the image?", "Which colour is it?", "What is in the image?"])]


def test_saved_delta_loads_in_the_adapter_and_generates_like_the_trained_model(reference_run, models_root, meta):
    args = {**tiny_lamm.TINY_ARGS, "models_root": str(models_root), "delta": str(reference_run.delta),
            "num_vision_tokens": "32", "merge_lora": "false"}
    loaded = LammAdapter(args)
    loaded.load()
    in_memory = LammAdapter(args)
    in_memory._model = copy.deepcopy(reference_run.model).eval()
    requests = _requests(meta)
    from_disk = [r.text for r in loaded.generate(requests)]
    assert from_disk == [r.text for r in in_memory.generate(requests)]
    assert any(from_disk)
    # The merged form (the adapter's default) answers the same.
    merged = LammAdapter({**args, "merge_lora": "true"})
    merged.load()
    assert [r.text for r in merged.generate(requests)] == from_disk


def test_lora_merge_is_idempotent(reference_run):
    llm = copy.deepcopy(reference_run.model.llama_model).eval()
    layer = llm.get_base_model().model.layers[0].self_attn.q_proj
    base = layer.base_layer.weight.detach().clone()
    llm.merge_adapter()
    once = layer.base_layer.weight.detach().clone()
    llm.merge_adapter()  # already merged: peft must not add B @ A a second time
    assert torch.equal(layer.base_layer.weight, once) and not torch.equal(once, base)
    llm.unmerge_adapter()
    torch.testing.assert_close(layer.base_layer.weight, base, rtol=0, atol=1e-6)


def test_length_groups_give_the_unsliced_gradients(models_root, meta, tmp_path):
    # Four rows of different lengths in one micro batch, run whole and in three length-sorted slices (2, 1, 1 rows,
    # each cut to its own longest row): the same first-step gradients up to float rounding. No dropout, whose
    # masks are drawn per slice.
    from lamm_bench.train.cli import run_train

    grads = {}
    for groups in (1, 3):
        output = tmp_path / f"groups{groups}"
        run_train("tiny", meta, output=output, max_steps=1, model_args=[f"models_root={models_root}"],
                  overrides=[*tiny_lamm.train_settings(models_root), "micro_batch_size=4", "lora_dropout=0",
                             f"length_groups={groups}", f"debug_grads={output / 'grads.pt'}"],
                  progress=False)  # fmt: skip
        grads[groups] = torch.load(output / "grads.pt", weights_only=True)
    assert grads[1].keys() == grads[3].keys()
    assert all(g.abs().max() > 0 for n, g in grads[1].items() if "lora_A" not in n)
    for name, grad in grads[1].items():
        torch.testing.assert_close(grads[3][name], grad, rtol=1e-5, atol=1e-6, msg=name)
