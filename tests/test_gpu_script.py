"""``benchmarks/gpu.sh --dry-run``: every step of the prepared GPU check at tiny size on the CPU, and the driver's
guarantee that a section that crashes or hangs loses neither its own rows nor the other sections.

The dry run takes about a minute on two cores (one run shared by the tests of this module)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

for _module in ("torch", "transformers", "peft", "accelerate", "open_clip", "sentencepiece"):
    pytest.importorskip(_module)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import gpu_bench  # noqa: E402
from gpu_report import render  # noqa: E402


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu_out")
    env = {**os.environ, "PYTHON": sys.executable, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu.sh"), "--dry-run", str(out)], env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    report = json.loads((out / "gpu.json").read_text())
    return done, report, out


def _rows(report: dict, table: str) -> list[dict]:
    return [r for s in report["sections"].values() for r in s["rows"] if r.get("table") == table]


def test_every_section_runs_and_succeeds(dry_run):
    done, report, out = dry_run
    statuses = {name: s["status"] for name, s in report["sections"].items()}
    assert statuses == dict.fromkeys(gpu_bench.SECTIONS, "ok"), (statuses, (out / "gpu.log").read_text()[-4000:])
    assert done.returncode == 0 and report["dry_run"] is True
    assert sorted(p.name for p in out.iterdir()) == ["gpu.json", "gpu.log", "gpu.md"]  # few files come back


def test_lamm_generation_compares_every_way_at_every_batch_and_dtype(dry_run):
    _, report, _ = dry_run
    rows = _rows(report, "lamm_generation")
    ways = {r["way"] for r in rows}
    assert ways == {"lamm adapter (images -> text)", "lamm decoder, static cache (visual tokens -> text)",
                    "lamm decoder, dynamic cache (visual tokens -> text)", "HF generate, same LLM + embeddings",
                    "HF generate + stop_strings ###"}  # fmt: skip
    assert {(r["dtype"], r["batch"]) for r in rows} == {(d, b) for d in ("bfloat16", "float32") for b in (1, 4)}
    # No stop string fires and no row ends early: every row generates exactly the fixed number of new tokens.
    assert all(r["new_tokens"] == 4 * r["batch"] and r["tokens_per_s"] > 0 for r in rows)
    assert len(rows) == 20
    # Same LLM, same embeddings, greedy: the LAMM decoder and HF generate produce the same texts (fp32 at least),
    # and the decoder's static and dynamic caches the same texts.
    agreement = {(r["dtype"], r["batch"]): (r["same_text_rows"], r["static_dynamic_same_rows"], r["rows"])
                 for r in _rows(report, "lamm_agreement")}  # fmt: skip
    assert agreement[("float32", 1)] == (1, 1, 1) and agreement[("float32", 4)] == (4, 4, 4)
    assert agreement[("bfloat16", 4)][1:] == (4, 4)


def test_hf_adapter_rows(dry_run):
    _, report, _ = dry_run
    rows = _rows(report, "hf_generation")
    assert [(r["dtype"], r["batch"], r["new_tokens"]) for r in rows] == [
        ("bfloat16", 1, 4), ("bfloat16", 4, 16), ("float32", 1, 4), ("float32", 4, 16)]  # fmt: skip


def test_choice_rows_time_naive_and_shared_scoring_that_agree(dry_run):
    _, report, _ = dry_run
    rows = _rows(report, "choice")
    assert [(r["recipe"], r["options"], r["dtype"]) for r in rows] == [("mmbench", 4, "float32"), ("cifar", 10, "float32")]
    for row in rows:
        assert row["naive_s"] > 0 and row["shared_s"] > 0 and row["speedup"] > 0
        assert row["max_score_difference"] < 1e-4 and row["choices_differing"] == 0


def test_trainer_rows_have_throughput_and_finite_losses(dry_run):
    _, report, _ = dry_run
    rows = {r["run"]: r for r in _rows(report, "train")}
    assert set(rows) == {"tiny preset", "lamm-7b recipe (tiny shape)", "lamm-7b recipe + grad ckpt (tiny shape)"}
    assert rows["lamm-7b recipe + grad ckpt (tiny shape)"]["grad_ckpt"] is True
    assert rows["lamm-7b recipe (tiny shape)"]["grad_ckpt"] is False
    for row in rows.values():
        assert row["tokens_per_s"] > 0 and math.isfinite(row["loss_first"]) and math.isfinite(row["loss_last"])
        assert row["mfu_6n"] is None  # no MFU on a CPU
    flops = report["sections"]["train"]["flops_lamm-7b recipe (tiny shape)"]
    assert flops["n_lora"] == 2 * 4 * 2 * 32 * 64  # 2 layers x q,k,v,o x (A + B) of rank 32 on hidden 64
    assert flops["six_n"] == 6 * flops["n_llm_nonembed"]
    # Frozen weights: forward + input gradient only (4 per parameter and token); LoRA 6; attention 12 L d S; CLIP
    # forward on 257 tokens and llama_proj on 256, once per sample.
    n, lora, seq = flops["n_llm_nonembed"], flops["n_lora"], flops["seq"]
    expected = 4 * (n - lora) + 6 * lora + 12 * 2 * 64 * seq + (2 * flops["n_clip"] * 257 + 6 * flops["n_proj"] * 256) / seq
    assert flops["lora"] == pytest.approx(expected)


def test_sharded_smoke_saves_and_reloads_the_delta(dry_run):
    _, report, _ = dry_run
    rows = {r["backend"]: r for r in _rows(report, "dist")}
    fsdp = rows["FSDP"]
    assert fsdp["status"] == "ok" and fsdp["delta_full_shapes"] and fsdp["reloaded_proj_equal"]
    assert fsdp["checkpoints"] == "step-0000001" and fsdp["reload_generated_tokens"] > 0
    zero2 = rows["DeepSpeed ZeRO-2"]
    assert zero2["status"] == "ok" or zero2["status"] == "skipped: deepspeed not installed"


def test_markdown_report_holds_every_table(dry_run):
    _, _, out = dry_run
    text = (out / "gpu.md").read_text()
    for title in ("LAMM adapter generation", "LAMM decoder (static cache) vs Hugging Face generate and vs its dynamic",
                  "static / dynamic cache", "hf adapter on a LLaVA",
                  "Trainer (lamm-bench train)", "One-GPU sharded smoke runs", "| pytest_gpu | ok |"):  # fmt: skip
        assert title in text


def test_a_crashing_or_hanging_section_keeps_its_rows(tmp_path):
    writes_then = ("import json, sys, time; from pathlib import Path; "
                   "Path(sys.argv[1]).write_text(json.dumps({'rows': [{'table': 't', 'x': 1}], 'notes': []})); ")  # fmt: skip
    log = tmp_path / "gpu.log"
    crash = gpu_bench.run_recorded("crash", [sys.executable, "-c", writes_then + "raise SystemExit(3)",
                                             str(tmp_path / "crash.json")], tmp_path, 30, log)  # fmt: skip
    hang = gpu_bench.run_recorded("hang", [sys.executable, "-c", writes_then + "time.sleep(60)",
                                           str(tmp_path / "hang.json")], tmp_path, 2, log)  # fmt: skip
    assert crash["status"] == "error (exit 3)" and crash["rows"] == [{"table": "t", "x": 1}]
    assert hang["status"] == "timeout after 2 s" and hang["rows"] == [{"table": "t", "x": 1}]
    assert hang["seconds"] < 20
    assert "===== crash: error (exit 3)" in log.read_text() and "===== hang: timeout after 2 s" in log.read_text()
    text = render({"sections": {"crash": crash, "hang": hang, "never": {"status": "skipped: out of time budget"}}})
    assert "| hang | timeout after 2 s |" in text and "| never | skipped: out of time budget |" in text
