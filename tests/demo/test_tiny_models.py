"""The built-in tiny models: the base in LAMM's real formats, deterministic; the cards trained once by lamm-bench's
own trainer, then served from the cache; keys that follow the weights; damaged cache entries rebuilt or reported.

The data is lamm-mini written by its real builder at 5% scale (182 2D instruction records); training runs only a
couple of steps here -- the full recipe is exercised by the margin test, which reuses the cache.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sentencepiece")
pytest.importorskip("open_clip")

from cli_helpers import run_cli  # noqa: E402

from lamm_bench import registry  # noqa: E402
from lamm_bench.demo import tiny_base, tiny_models  # noqa: E402
from lamm_bench.demo.build import INSTRUCT_FILES, build_lamm_mini  # noqa: E402
from lamm_bench.errors import UserError  # noqa: E402
from lamm_bench.model_adapters.lamm.adapter import LammAdapter  # noqa: E402
from lamm_bench.demo.tiny_adapter import BuiltinLammAdapter  # noqa: E402
from lamm_bench.records import GenerationSettings, Request  # noqa: E402
from lamm_bench.tasks.prompts2d import CLASSIFICATION_SYS  # noqa: E402

sys.path.insert(0, str(Path(__file__).parents[1] / "train"))
import tiny_instruct  # noqa: E402


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lamm_mini_small")
    build_lamm_mini(root, list(registry.builtin_tasks().values()), scale=0.05)
    return root


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny_cache")


def _args(mini: Path, cache: Path, **extra: str) -> dict[str, str]:
    return {"data_root": str(mini), "cache": str(cache), "device": "cpu", **extra}


@pytest.fixture(scope="module")
def baseline(mini, cache) -> BuiltinLammAdapter:
    adapter = BuiltinLammAdapter({**registry.cards()["lamm-tiny-base"].args, **_args(mini, cache)})
    adapter.load()
    return adapter


def _requests(mini: Path, n: int = 2) -> list[Request]:
    records = json.loads((mini / "2D_Benchmark/meta_file/Classification_CIFAR10.json").read_text())[:n]
    return [Request(sample_id=str(r["id"]), kind="generate", system=CLASSIFICATION_SYS, text=r["query"],
                    images=(str(mini / "2D_Benchmark" / r["image"]),), generation=GenerationSettings(max_new_tokens=8))
            for r in records]  # fmt: skip


def test_base_is_in_the_real_formats_and_builds_byte_identically(mini, tmp_path):
    lines = tiny_base.corpus(tiny_base.data_files(mini))
    first, second = tiny_base.build_base(tmp_path / "a", lines), tiny_base.build_base(tmp_path / "b", lines)
    assert _tree(first) == _tree(second)
    config = json.loads((first / "tiny-llama/config.json").read_text())
    assert (config["model_type"], config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"],
            config["vocab_size"]) == ("llama", 128, 4, 4, 1536)  # fmt: skip
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(first / "tiny-llama/tokenizer.model"))
    assert (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.get_piece_size()) == (0, 1, 2, 1536)
    assert sp.piece_to_id("<0x41>") > 2 and sp.decode(sp.encode("ünïcode ✓")) == "ünïcode ✓"  # byte fallback
    assert len(sp.encode("### Assistant:")) <= 4  # the scaffolding is in the corpus: few pieces
    clip = torch.load(first / tiny_base.CLIP_FILE, weights_only=True)
    assert tuple(clip["visual.conv1.weight"].shape) == (64, 3, 28, 28)
    paths = tiny_models.Base(first, "unused")
    from lamm_bench.model_adapters.lamm.epcl import read_epcl_checkpoint
    from lamm_bench.model_adapters.lamm.vision import load_clip_visual, patch_features, register_clip_configs

    args, state = read_epcl_checkpoint(paths.epcl)
    assert args.preenc_npoints == 64 and "pre_encoder.mlp_module.layer0.conv.weight" in state
    register_clip_configs(paths.clip_config_dir, who="test")
    visual = load_clip_visual(paths.clip, tiny_base.CLIP_NAME)
    assert tuple(patch_features(visual, torch.zeros(1, 3, 224, 224)).shape) == (1, 64, 64)


def test_the_baseline_is_the_trainers_step_zero_and_loads_like_the_lamm_adapter(baseline, mini):
    card = baseline.plan()
    delta = torch.load(card.delta, weights_only=True)
    assert all(delta[k].abs().sum() == 0 for k in delta if "lora_B" in k)
    assert delta["llama_proj.weight"].abs().sum() > 0 and len(delta) == 4 * 4 * 2 + 2
    plain = LammAdapter({**tiny_models.lamm_args(card), "device": "cpu"})  # the unchanged lamm adapter
    plain.load()
    requests = _requests(mini)
    assert [r.text for r in plain.generate(requests)] == [r.text for r in baseline.generate(requests)]
    assert all(r.n_tokens == 8 for r in baseline.generate(requests))  # untrained: never says "###"
    # One optimizer step at the schedule's LR 0 leaves the trainer's start untouched: the baseline is that start.
    from lamm_bench.train.cli import run_train

    base = card.base
    outcome = run_train("tiny", mini / INSTRUCT_FILES["2d"], output=mini.parent / "one_step", max_steps=1,
                        model_args=[f"llm={base.llm}", f"clip={base.clip}"], progress=False,
                        overrides=[f"clip_config_dir={base.clip_config_dir}"])  # fmt: skip
    stepped = torch.load(outcome.delta, weights_only=True)
    assert stepped.keys() == delta.keys() and all(torch.equal(stepped[k], delta[k]) for k in delta)


def test_trained_card_trains_on_first_use_then_comes_from_the_cache(mini, cache, monkeypatch):
    args = {**registry.cards()["lamm-tiny"].args, **_args(mini, cache, max_steps="2")}
    first = BuiltinLammAdapter(args)
    first.load()
    card = first.plan()
    info = json.loads((card.delta_folder / "training_args.json").read_text())
    assert info["total_steps"] == 2 and info["config"]["use_system"] is False
    assert Path(info["data"]).name == "train.json" and (card.delta_folder / "train.json").is_file()
    stamp = (card.delta.stat().st_mtime_ns, hashlib.sha256(card.delta.read_bytes()).hexdigest())
    requests = _requests(mini)
    answers = [r.text for r in first.generate(requests)]

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(tiny_models, "train_delta", no_training)
    second = BuiltinLammAdapter(args)
    second.load()
    assert (card.delta.stat().st_mtime_ns, hashlib.sha256(card.delta.read_bytes()).hexdigest()) == stamp
    assert [r.text for r in second.generate(requests)] == answers


def test_cache_keys_follow_everything_that_changes_the_weights(baseline, mini, cache, tmp_path):
    plan = tiny_models.plan
    two, three = plan("image", True, data_root=mini, cache=cache, max_steps=2), plan("image", True, data_root=mini,
                                                                                     cache=cache, max_steps=3)
    assert two.key != three.key and two.base.key == three.base.key
    assert plan("image", False, data_root=mini, cache=cache).key == baseline.plan().key != two.key
    assert plan("point_cloud", True, data_root=mini, cache=cache, max_steps=2).key != two.key
    edited = tmp_path / "edited"
    shutil.copytree(mini, edited)
    instruct = edited / INSTRUCT_FILES["2d"]
    records = json.loads(instruct.read_text())
    instruct.write_text(json.dumps(records[:-1]))
    assert plan("image", True, data_root=edited, cache=cache, max_steps=2).key != two.key
    described = baseline.describe()
    assert described["delta_key"] == baseline.plan().key and described["base_key"] == two.base.key
    assert str(cache) not in json.dumps(described)  # keys, not folders: moving the cache keeps stored answers


def test_the_corpus_ends_with_the_texts_the_base_was_built_with():
    # The tokenizer is trained on lamm-mini's text and then these (system messages, instruction texts, scaffolding,
    # read from the tasks and the trainer): a change there moves every tiny card's answers, and the committed
    # leaderboard's, so it must come with a BASE_VERSION bump and this digest updated (it caught lamm-mini's 3D source
    # notes leaving tasks/_lamm3d.py).
    digest = tiny_base.corpus_digest(tiny_base.fixed_texts())
    assert (tiny_base.BASE_VERSION, digest) == ("1", "26225351a2396851b325fc0985e1c385d8aea4874e27acbf345ca6fc67261bed")


def test_describing_a_card_writes_nothing_even_into_an_empty_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    described = {}
    for name in ("lamm-tiny", "lamm-tiny-base", "lamm3d-tiny", "lamm3d-tiny-base"):
        card = BuiltinLammAdapter({**registry.cards()[name].args, "cache": str(cache)})
        described[name] = card.describe()
        assert (described[name]["base_key"], described[name]["delta_key"]) == (card.plan().base.key, card.plan().key)
    assert not cache.exists() and list(tmp_path.iterdir()) == []  # construction and describe() wrote nothing
    assert len({d["base_key"] for d in described.values()}) == 1  # one base, its tokenizer trained on lamm-mini
    assert len({d["delta_key"] for d in described.values()}) == 4
    # On the cards' own lamm-mini the keys follow what decides its bytes: another lamm-mini version, other keys.
    from lamm_bench.demo import contract

    monkeypatch.setattr(contract, "MINI_VERSION", contract.MINI_VERSION + "-other")
    moved = BuiltinLammAdapter({**registry.cards()["lamm-tiny"].args, "cache": str(cache)}).describe()
    assert moved["base_key"] != described["lamm-tiny"]["base_key"]
    assert moved["delta_key"] != described["lamm-tiny"]["delta_key"]
    # and the tokenizer's corpus ends with texts that are not lamm-mini's: other texts, another base
    monkeypatch.undo()
    monkeypatch.setattr(tiny_base, "SCAFFOLDING", (*tiny_base.SCAFFOLDING, "### System:"))
    moved = BuiltinLammAdapter({**registry.cards()["lamm-tiny"].args, "cache": str(cache)}).describe()
    assert moved["base_key"] != described["lamm-tiny"]["base_key"]
    assert not cache.exists()


def test_damaged_cache_entries_are_rebuilt_identically(baseline, tmp_path):
    card = baseline.plan()
    copy = tmp_path / "cache"
    shutil.copytree(card.base.folder.parent.parent, copy)
    moved = tiny_models.plan("image", False, data_root=card.data_root, cache=copy)
    before_base, before_delta = _tree(moved.base.folder), _tree(moved.delta_folder)
    moved.delta.unlink()
    tokenizer = moved.base.llm / "tokenizer.model"
    tokenizer.write_bytes(tokenizer.read_bytes()[:100])
    tiny_models.materialize(moved)
    assert _tree(moved.base.folder) == before_base and _tree(moved.delta_folder) == before_delta


def test_missing_pieces_are_one_line_errors(mini, tmp_path):
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder")
    done = run_cli("run", "--model", "lamm-tiny-base", "--task", "cifar10", "--data-root", str(mini), "--model-arg",
                   f"data_root={mini}", "--model-arg", f"cache={blocked}", "--out", str(tmp_path / "out"),
                   "--limit", "1", "--no-progress")  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "built-in model cache" in lines[-1] and "LAMM_BENCH_CACHE" in lines[-1]
    with pytest.raises(UserError, match="no 2D_Instruct/meta_file/lamm_mini_instruct_2d.json"):
        tiny_models.plan("image", True, data_root=tmp_path, cache=tmp_path / "c")


def test_train_tiny_preset_on_a_fresh_machine(tmp_path):
    meta = tiny_instruct.write_instruct(tmp_path / "data", n=16)
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "LAMM_BENCH_CACHE": str(tmp_path / "empty_cache"),
           "HOME": str(tmp_path)}  # fmt: skip
    cli = shutil.which("lamm-bench", path=str(Path(sys.executable).parent)) or "lamm-bench"
    done = subprocess.run([cli, "train", "--preset", "tiny", "--data", str(meta), "--max-steps", "2", "--output",
                           str(tmp_path / "run"), "--no-progress"], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "run/pytorch_model.pt").is_file()
    [base] = (tmp_path / "empty_cache/tiny").glob("base-*")
    weights = json.loads((tmp_path / "run/training_args.json").read_text())["weights"]
    assert weights["llm"] == str(base / "tiny-llama")
