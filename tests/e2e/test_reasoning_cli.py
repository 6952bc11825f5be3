"""Reasoning models through the installed CLI: a plugin adapter that thinks aloud (``<think>`` … ``</think>`` before
its answer) on the demo plugin's echo task. The metric is computed on the stripped answer, an answer cut off inside
its reasoning is unanswered, ``--no-strip-reasoning`` parses the raw text (from the same stored answers),
``--reasoning-tags`` strips other tags, and the prediction browser shows the reasoning folded and escaped.

The echo task scores a sample 1 when the word it was asked to say is in the answer. The thinker answers
``cat`` with the word only in its reasoning, ``dog`` right after reasoning about markup, and ``bird`` (target
``fish``) with ``fish`` in a block it never closes: stripped, only ``dog`` scores; raw, all three do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from cli_helpers import run_cli
from plugin_dist import write_demo_data, write_demo_plugin, write_distribution

THINKER = '''
from lamm_bench.adapter import ModelCard
from lamm_bench.records import Response


class ThinkerAdapter:
    capabilities = frozenset({"generate", "image"})

    def __init__(self, args):
        self.open, self.close = args.get("open", "<think>"), args.get("close", "</think>")

    def load(self):
        pass

    def describe(self):
        return {"open": self.open, "close": self.close}

    def generate(self, requests):
        o, c = self.open, self.close
        answers = {"cat": f"{o} cat {c} mouse", "dog": f"{o} <img src=x onerror=alert(1)> {c} dog",
                   "bird": f"{o} fish fish"}
        return [Response(text=answers[r.text.split()[-1]], n_tokens=4) for r in requests]

    def score_choices(self, requests):
        raise NotImplementedError
'''


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    site = write_demo_plugin(tmp_path_factory.mktemp("site"))
    write_distribution(site, "lamm-bench-thinker", "lamm_thinker", {"adapter.py": THINKER},
                       {"lamm_bench.adapters": {"thinker": "lamm_thinker.adapter:ThinkerAdapter"}})  # fmt: skip
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_demo_data(tmp_path_factory.mktemp("data"))


def run(env: dict, data: Path, out: Path, *args: str) -> dict:
    proc = run_cli("run", "--model", "thinker", "--task", "demo-echo", "--data-root", str(data), "--out", str(out),
                   "--no-progress", *args, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "results/thinker/demo-echo.json").read_text())


@pytest.fixture(scope="module")
def default_run(env, data, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("out")
    return out, run(env, data, out)


def test_the_metric_is_computed_on_the_stripped_answer_and_a_cut_off_one_is_unanswered(default_run):
    out, result = default_run
    assert result["metrics"]["echo_rate"] == pytest.approx(100 / 3)  # dog only: cat was in the reasoning
    assert result["metrics"]["answer_length"] == pytest.approx((len("mouse") + len("dog") + 0) / 3)
    assert result["reasoning"] == {"stripped": 2, "cut_off": 1, "tags": ["<think>", "</think>"]}
    assert result["unparsed"] == 1 and result["task"]["settings"]["reasoning_tags"] == ["<think>", "</think>"]
    rows = [json.loads(line) for line in (out / "results/thinker/demo-echo.predictions.jsonl").read_text().splitlines()]
    assert [r["prediction"] for r in rows] == ["mouse", "dog", ""] and [r["unparsed"] for r in rows] == [False, False, True]
    assert [r["requests"][0]["reasoning"] for r in rows] == ["cat", "<img src=x onerror=alert(1)>", "fish fish"]
    assert rows[2]["requests"][0] == {**rows[2]["requests"][0], "raw": "<think> fish fish", "cut_off": True}


def test_no_strip_reasoning_parses_the_raw_answers_from_the_same_store(default_run, env, data, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(default_run[0] / "store", out / "store")
    result = run(env, data, out, "--no-strip-reasoning")
    assert result["metrics"]["echo_rate"] == 100.0 and result["unparsed"] == 0
    assert "reasoning" not in result and result["task"]["settings"]["reasoning_tags"] is None
    assert result["throughput"]["new_requests"] == 0  # the stored raw answers, not asked again
    rows = [json.loads(line) for line in (out / "results/thinker/demo-echo.predictions.jsonl").read_text().splitlines()]
    assert rows[0]["prediction"] == "<think> cat </think> mouse" and "raw" not in rows[0]["requests"][0]


def test_custom_tags_and_bad_tags(env, data, tmp_path):
    tags = ("--model-arg", "open=[R]", "--model-arg", "close=[/R]")
    custom = run(env, data, tmp_path / "custom", *tags, "--reasoning-tags", "[R],[/R]")
    assert custom["metrics"]["echo_rate"] == pytest.approx(100 / 3)
    assert custom["reasoning"] == {"stripped": 2, "cut_off": 1, "tags": ["[R]", "[/R]"]}
    default = run(env, data, tmp_path / "custom", *tags)  # <think> is not what this model writes
    assert default["metrics"]["echo_rate"] == 100.0 and default["reasoning"]["stripped"] == 0
    proc = run_cli("run", "--model", "thinker", "--task", "demo-echo", "--data-root", str(data), "--out",
                   str(tmp_path / "bad"), "--reasoning-tags", "<think>", env=env)  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [
        "lamm-bench: error: --reasoning-tags must be OPEN,CLOSE: two different non-empty tags, got '<think>'"]


def test_the_browser_pages_hold_the_reasoning_as_data_and_count_it(default_run, env, tmp_path):
    out = tmp_path / "lb"
    shutil.copytree(default_run[0] / "results", out / "results")
    proc = run_cli("leaderboard", "--out", str(out), env={**env, "LAMM_BENCH_DATA": ""})
    assert proc.returncode == 0, proc.stderr
    text = (out / "predictions/thinker/demo-echo/0000.js").read_text()
    assert "<img" not in text and "\\u003cimg src=x onerror=alert(1)>" in text  # data, never markup
    samples = json.loads(re.fullmatch(r"lammChunk\(0,(.*)\);\n", text, re.S).group(1))
    assert samples[1]["requests"][0]["reasoning"] == "<img src=x onerror=alert(1)>"
    page = (out / "predictions/thinker/demo-echo.html").read_text()
    assert "2 answers stripped of reasoning · 1 cut off inside it" in page
