"""The run's final delta is gathered like the periodic checkpoints (ZeRO-3/FSDP keep only shards on each rank).

A fake sharded accelerator stands in for DeepSpeed ZeRO-3 here: its unwrapped module holds empty shards (what
ZeRO-3 leaves in ``param.data`` between forwards) and ``get_state_dict`` returns the gathered full tensors, frozen
ones included. The real ZeRO-3/FSDP runs are in ``test_sharded_gpu.py`` (``-m gpu``).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
accelerate = pytest.importorskip("accelerate")

from torch import nn  # noqa: E402

from lamm_bench.train import checkpoint as ckpt  # noqa: E402


class _Lora(nn.Module):
    def __init__(self):
        super().__init__()
        self.base = nn.Linear(3, 3)  # frozen
        self.lora_A = nn.ModuleDict({"default": nn.Linear(3, 2, bias=False)})
        self.lora_B = nn.ModuleDict({"default": nn.Linear(2, 3, bias=False)})


class _Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.llama_model = nn.ModuleDict({"q_proj": _Lora()})
        self.llama_proj = nn.Linear(4, 3)


class _ShardedAccelerator:
    """Just what the save path touches, behaving like accelerate under ZeRO-3."""

    distributed_type = accelerate.DistributedType.DEEPSPEED

    def __init__(self, full: dict[str, torch.Tensor], main: bool):
        self.full, self.is_main_process = full, main
        self.gathers = self.barriers = 0

    def unwrap_model(self, model):
        return model

    def get_state_dict(self, model):
        self.gathers += 1
        return {k: v.clone() for k, v in self.full.items()}

    def wait_for_everyone(self):
        self.barriers += 1


def _sharded_model():
    torch.manual_seed(0)
    model = _Model()
    full = {k: v.detach().clone() for k, v in model.state_dict().items()}
    for param in model.parameters():
        param.data = torch.empty(0)  # this rank's (empty) shard
    return model, full


def test_final_delta_is_gathered_not_read_from_the_shards(tmp_path):
    model, full = _sharded_model()
    accelerator = _ShardedAccelerator(full, main=True)
    path = tmp_path / ckpt.DELTA
    ckpt.save_final_delta(accelerator, model, path, "float32")
    delta = torch.load(path, weights_only=True)
    trainable = ["llama_model.q_proj.lora_A.default.weight", "llama_model.q_proj.lora_B.default.weight",
                 "llama_proj.weight", "llama_proj.bias"]  # fmt: skip
    assert sorted(delta) == sorted(trainable)
    for key in trainable:
        assert delta[key].shape == full[key].shape and torch.equal(delta[key], full[key]), key
    assert accelerator.gathers == 1 and accelerator.barriers == 1


def test_other_ranks_join_the_gather_and_write_nothing(tmp_path):
    model, full = _sharded_model()
    accelerator = _ShardedAccelerator(full, main=False)
    ckpt.save_final_delta(accelerator, model, tmp_path / ckpt.DELTA, "float16")
    assert accelerator.gathers == 1 and accelerator.barriers == 1  # a rank skipping the gather would hang the rest
    assert not list(tmp_path.iterdir())


def test_unsharded_runs_read_the_module_without_a_gather(tmp_path):
    torch.manual_seed(0)
    model = _Model()

    class Plain(_ShardedAccelerator):
        distributed_type = accelerate.DistributedType.MULTI_GPU

    accelerator = Plain({}, main=True)
    ckpt.save_final_delta(accelerator, model, tmp_path / ckpt.DELTA, "float16")
    delta = torch.load(tmp_path / ckpt.DELTA, weights_only=True)
    assert accelerator.gathers == 0
    assert torch.equal(delta["llama_proj.weight"], model.llama_proj.weight.detach().half())
    assert all(v.dtype == torch.float16 for v in delta.values()) and len(delta) == 4
