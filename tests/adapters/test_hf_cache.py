"""The ``hf`` adapter's static KV cache: used where the family's class allows it, and the dynamic cache's answers
(tiny LLaVA and tiny Qwen2-VL, CPU; about 15 s)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from lamm_bench.errors import UserError  # noqa: E402
from lamm_bench.model_adapters.hf import HFAdapter  # noqa: E402
from lamm_bench.model_adapters.hf import impl as hf_impl  # noqa: E402
from lamm_bench.records import GenerationSettings, Request  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_hf  # noqa: E402


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("cache_images")
    colors = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    return [tiny_hf.write_image(folder / f"{i}.png", c, size=(40 + 8 * i, 32)) for i, c in enumerate(colors)]


@pytest.fixture(scope="module")
def llava(tmp_path_factory) -> HFAdapter:
    model = HFAdapter({"path": str(tiny_hf.build_tiny_llava(tmp_path_factory.mktemp("m") / "llava")), "device": "cpu"})
    model.load()
    return model


@pytest.fixture(scope="module")
def qwen(tmp_path_factory) -> HFAdapter:
    model = HFAdapter({"path": str(tiny_hf.build_tiny_qwen2_vl(tmp_path_factory.mktemp("m") / "qwen")), "device": "cpu"})
    model.load()
    return model


def _gen(text: str, images=(), max_new_tokens: int = 10, stop=()) -> Request:
    return Request(sample_id=text[:8], kind="generate", system="You are a helpful assistant.", text=text,
                   images=tuple(images), generation=GenerationSettings(max_new_tokens=max_new_tokens, stop=stop))


def _both(adapter: HFAdapter, requests: list[Request]):
    return [hf_impl.generate(adapter._loaded, requests, None, kv_cache=kv) for kv in ("static", "dynamic")]


def test_static_is_the_default_where_the_class_allows_it_and_not_in_the_fingerprint(llava, qwen, images, monkeypatch):
    assert llava.config.kv_cache == "static"
    static = {"cache_implementation": "static", "disable_compile": True}
    assert hf_impl.static_cache_kwargs(llava._loaded.model) == static == hf_impl.static_cache_kwargs(qwen._loaded.model)
    monkeypatch.setattr(type(llava._loaded.model), "_can_compile_fullgraph", False)
    assert hf_impl.static_cache_kwargs(llava._loaded.model) == {}
    monkeypatch.undo()
    seen = []
    model = llava._loaded.model
    monkeypatch.setattr(model, "generate", lambda *a, **k: seen.append(k) or type(model).generate(model, *a, **k))
    llava.generate([_gen("cat", images[:1], max_new_tokens=2)])
    assert seen[0]["cache_implementation"] == "static" and seen[0]["disable_compile"] is True
    dynamic = HFAdapter({"path": llava.config.path, "device": "cpu", "kv_cache": "dynamic"})
    assert dynamic.describe() == llava.describe()
    with pytest.raises(UserError, match="kv_cache='paged' is not one of static, dynamic"):
        HFAdapter({"path": llava.config.path, "kv_cache": "paged"})


def test_llava_greedy_batch_with_padding_and_stops_is_the_same_with_either_cache(llava, images):
    requests = [_gen("what is in the image ?", images[:1], 12),
                _gen("How many objects are there? one two three four five six", images[1:2], 12),
                _gen("Is the person smiling?", images[:2], 12),  # two images
                _gen("a dog running in the park", (), 12)]  # fmt: skip
    static, dynamic = _both(llava, requests)
    assert static == dynamic and [r.n_tokens for r in static] == [12] * 4
    stops = [r.text[4:7] for r in static]
    stopped = [_gen(r.text, r.images, 12, stop=(stop, "zzz")) for r, stop in zip(requests, stops)]
    by_row = [_both(llava, [r]) for r in stopped]  # one stop per row: each its own generate() call
    assert all(s == d for s, d in by_row)
    assert [s[0].text for s, _ in by_row] == [r.text.split(stop)[0].strip() for r, stop in zip(static, stops)]
    assert all(s[0].n_tokens < 12 for s, _ in by_row)  # stopped inside generate(), with the static cache too


def test_qwen2_vl_greedy_batch_is_the_same_with_either_cache(qwen, images):
    requests = [_gen("what is in the image ?", images[:1]),
                _gen("How many objects are there? one two three four five", images[1:3]),
                _gen("cat", ())]  # fmt: skip
    static, dynamic = _both(qwen, requests)
    assert static == dynamic and all(r.n_tokens == 10 for r in static)
