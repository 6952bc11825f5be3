"""The README's code examples run as written (so the quick start and the extension guides tell the truth)."""

import json
import re
from pathlib import Path

import lamm_bench

README = (Path(__file__).parents[2] / "README.md").read_text()


def _block(first_line: str) -> str:
    for block in re.findall(r"```python\n(.*?)```", README, flags=re.S):
        if block.startswith(first_line):
            return block
    raise AssertionError(f"README has no python block starting with {first_line!r}")


def test_echo_adapter_example_runs(mini_root, tmp_path):
    namespace: dict = {}
    exec(compile(_block("# model_adapters/echo.py"), "README-echo", "exec"), namespace)
    adapter = namespace["EchoAdapter"]({"prefix": "Surely a"})
    assert namespace["ADAPTERS"] == {"echo": "lamm_bench.model_adapters.echo:EchoAdapter"}
    [result] = lamm_bench.evaluate(adapter, "ucmerced", data_root=mini_root, out_dir=tmp_path, name="echo")
    # the echo answers "Surely a <first option>", the first of the data's labels in sorted order ("four" in
    # lamm-mini's six UCMerced records: two, three, three, four, four, four): right exactly for those images
    meta = mini_root / "2D_Benchmark/meta_file/Fine-grained_Classification_UCMerced.json"
    labels = [record["label"] for record in json.loads(meta.read_text())]
    assert labels == ["two", "three", "three", "four", "four", "four"]
    assert result["paper_metric"]["value"] == 100 * labels.count("four") / len(labels) == 50.0


def test_add_a_task_example_runs(mini_root, tmp_path):
    code = _block("# tasks/ai2d.py").replace("from .scienceqa import", "from lamm_bench.tasks.scienceqa import")
    namespace: dict = {}
    exec(compile(code, "README-ai2d", "exec"), namespace)
    [spec] = namespace["TASKS"]
    assert spec.meta_files == ("2D_Benchmark/meta_file/VQA_AI2D.json",)
    from lamm_bench.data import load_samples

    samples, _ = load_samples(spec, mini_root)
    assert len(samples) == 6 and samples[0].target["gt_choices"]


def test_python_api_example_runs(mini_root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = _block("import lamm_bench").replace('"/tmp/lamm-mini"', repr(str(mini_root)))
    exec(compile(code, "README-api", "exec"), {})
    assert (tmp_path / "leaderboard/results/dummy/scienceqa.json").exists()


def test_quick_start_is_the_two_commands_ci_runs():
    quick = README.split("## Quick start", 1)[1]
    first_block = re.search(r"```bash\n(.*?)```", quick, flags=re.S).group(1)
    assert first_block.split("\n")[:-1] == ["make demo", "make test"]
    ci = (Path(__file__).parents[2] / ".ci/run").read_text()
    assert [line for line in ci.splitlines() if line.startswith("make ")] == ["make demo", "make test"]
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert "\ndemo: setup\n" in makefile and "\ntest:\n\t@bash scripts/setup.sh --browser\n" in makefile
