"""On a GPU: the tiny preset trained under FSDP (and ZeRO-3 when DeepSpeed is installed) through ``accelerate
launch`` with the shipped configs, one process; the final delta must hold every trainable tensor at full shape
(not this rank's shard) and load into the ``lamm`` adapter. Run with ``-m gpu``; about 40 s a case on an H200."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

import tiny_lamm  # noqa: E402
from train_helpers import env, tiny_cli_args  # noqa: E402

from lamm_bench.model_adapters.lamm.checkpoint import expected_delta_shapes  # noqa: E402

CONFIGS = Path(__file__).parents[2] / "train" / "configs"
STEPS = 3

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def _one_process_config(name: str, folder: Path) -> Path:
    """The shipped accelerate config, for one process (fp32: the tiny preset's precision)."""
    text = (CONFIGS / name).read_text()
    assert "num_processes: 4" in text and "mixed_precision: bf16" in text
    text = text.replace("num_processes: 4", "num_processes: 1")
    text = text.replace("mixed_precision: bf16", "mixed_precision: 'no'")
    if "zero_stage: 3" in text:
        # ZeRO-3 keeps tensors under stage3_param_persistence_threshold (1e5 elements) whole on every rank, which
        # would be all of the tiny LoRA; threshold 0 partitions them, as the 7B/13B ones are. Otherwise as shipped.
        ds = {"zero_optimization": {"stage": 3, "stage3_param_persistence_threshold": 0,
                                    "stage3_gather_16bit_weights_on_model_save": True},
              "gradient_clipping": 1.0, "gradient_accumulation_steps": "auto", "train_micro_batch_size_per_gpu": "auto",
              "train_batch_size": "auto"}  # fmt: skip
        assert "zero3_save_16bit_model: true" in text and "gradient_clipping: 1.0" in text
        (folder / "zero3.json").write_text(json.dumps(ds))
        # The inline DeepSpeed keys and mixed_precision must go: accelerate refuses them beside a config file.
        lines = [line for line in text.splitlines() if not line.startswith(("  ", "mixed_precision"))]
        text = "\n".join(lines).replace("deepspeed_config:", f"deepspeed_config:\n  deepspeed_config_file: "
                                         f"{folder / 'zero3.json'}\n  zero3_init_flag: false")  # fmt: skip
    config = folder / name
    config.write_text(text)
    return config


@pytest.mark.parametrize("config", [
    "fsdp.yaml",
    pytest.param("deepspeed_zero3.yaml", marks=pytest.mark.skipif(
        importlib.util.find_spec("deepspeed") is None, reason="deepspeed not installed")),
])  # fmt: skip
def test_sharded_run_saves_the_full_delta(config, models_root, meta, tmp_path):
    from lamm_bench.model_adapters.lamm.adapter import LammAdapter
    from lamm_bench.records import Request

    output = tmp_path / "run"
    args = tiny_cli_args(models_root, meta, output, "--set", "save_every=2")
    args[args.index("--max-steps") + 1] = str(STEPS)
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--config_file",
              str(_one_process_config(config, tmp_path)), "-m", "lamm_bench", *args]  # fmt: skip
    done = subprocess.run(launch, env=env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]

    expected = expected_delta_shapes(tiny_lamm.LAYERS, tiny_lamm.HIDDEN, tiny_lamm.LORA_R, tiny_lamm.VISION_WIDTH)
    delta = torch.load(output / "pytorch_model.pt", weights_only=True)
    assert {k: tuple(v.shape) for k, v in delta.items()} == expected
    assert all(delta[k].abs().sum() > 0 for k in delta if "lora_B" in k)  # trained, not the zero init
    # The periodic checkpoint (step 2, gathered by save_checkpoint) is complete too, and training moved on since.
    periodic = torch.load(output / "checkpoints" / "step-0000002" / "pytorch_model.pt", weights_only=True)
    assert {k: tuple(v.shape) for k, v in periodic.items()} == expected
    assert any(not torch.equal(periodic[k], delta[k]) for k in delta)

    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(models_root), "delta": str(output /
                           "pytorch_model.pt"), "num_vision_tokens": "32", "merge_lora": "false"})  # fmt: skip
    adapter.load()
    root = meta.parent.parent
    request = Request(sample_id="0", kind="generate", system="", text="What is in the image?",
                      images=(str(root / "images/0.png"),))  # fmt: skip
    assert adapter.generate([request])[0].error is None
