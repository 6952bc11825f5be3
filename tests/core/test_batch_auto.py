"""``--batch-size auto``: back off on GPU out-of-memory, retry the same requests, lose and duplicate nothing."""

from __future__ import annotations

import json

import pytest

import lamm_bench
from lamm_bench.model_adapters.dummy import DummyAdapter

torch = pytest.importorskip("torch")


class OutOfMemoryAbove(DummyAdapter):
    """The dummy's answers, but a batch larger than ``limit`` raises CUDA's out-of-memory error."""

    def __init__(self, limit: int):
        super().__init__({})
        self.limit, self.calls = limit, []

    def generate(self, requests, media=None):
        self.calls.append(len(requests))
        if len(requests) > self.limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return super().generate(requests, media)


def _store_lines(out):
    return [json.loads(line) for path in (out / "store").rglob("*.jsonl") for line in path.read_text().splitlines()]


def test_auto_backs_off_and_keeps_every_answer_once(mini_root, tmp_path):
    adapter = OutOfMemoryAbove(limit=5)
    (auto,) = lamm_bench.evaluate(adapter, "scienceqa", data_root=mini_root, out_dir=tmp_path / "auto", batch_size="auto", name="m")
    # Stage 1: the whole stage (6 requests < 64) runs out of memory, then two halves; stage 2 keeps the size.
    assert adapter.calls == [6, 3, 3, 3, 3]
    lines = _store_lines(tmp_path / "auto")
    keys = [(line["sample_id"], line["key"]) for line in lines]
    assert len(keys) == len(set(keys)) == 2 * auto["task"]["n_samples"]  # reasoning + answer, each stored once
    assert auto["throughput"]["batch_size"] == 3 and auto["throughput"]["batch_size_setting"] == "auto"
    (fixed,) = lamm_bench.evaluate(DummyAdapter({}), "scienceqa", data_root=mini_root, out_dir=tmp_path / "fixed", batch_size=2, name="m")
    assert auto["metrics"] == fixed["metrics"]
    rows = {p: (tmp_path / p / "results/m/scienceqa.predictions.jsonl").read_text() for p in ("auto", "fixed")}
    assert rows["auto"] == rows["fixed"]


def test_auto_halves_down_to_one(mini_root, tmp_path):
    adapter = OutOfMemoryAbove(limit=1)
    (result,) = lamm_bench.evaluate(adapter, "ucmerced", data_root=mini_root, out_dir=tmp_path, batch_size="auto", name="m")
    assert adapter.calls == [6, 3, 1, 1, 1, 1, 1, 1]
    assert result["throughput"]["batch_size"] == 1 and len(_store_lines(tmp_path)) == 6


def test_other_errors_are_not_retried(mini_root, tmp_path):
    class Broken(DummyAdapter):
        def generate(self, requests, media=None):
            raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        lamm_bench.evaluate(Broken({}), "ucmerced", data_root=mini_root, out_dir=tmp_path, batch_size="auto", name="m")


def test_out_of_memory_at_a_fixed_size_is_not_hidden(mini_root, tmp_path):
    with pytest.raises(torch.cuda.OutOfMemoryError):
        lamm_bench.evaluate(OutOfMemoryAbove(limit=1), "ucmerced", data_root=mini_root, out_dir=tmp_path, batch_size=4, name="m")


@pytest.mark.parametrize("bad", ["0", "-3", "many"])
def test_bad_batch_size_is_a_user_error(bad, mini_root, tmp_path):
    from cli_helpers import run_cli

    done = run_cli("run", "--model", "dummy", "--task", "ucmerced", "--data-root", str(mini_root), "--out", str(tmp_path), "--batch-size", bad)
    assert done.returncode == 2 and "--batch-size" in done.stderr and "Traceback" not in done.stderr
