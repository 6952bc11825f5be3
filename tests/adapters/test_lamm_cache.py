"""The LAMM decoder's static KV cache gives the dynamic cache's tokens (tiny LAMM, CPU, float32; about 10 s)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("open_clip")
pytest.importorskip("peft")

from PIL import Image  # noqa: E402

from lamm_bench.errors import UserError  # noqa: E402
from lamm_bench.model_adapters.lamm.adapter import LammAdapter  # noqa: E402
from lamm_bench.records import GenerationSettings, Request  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_lamm  # noqa: E402

SYS = "\nYou are an AI visual assistant that can analyze a single image.\n"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tiny_lamm.shared_root(tmp_path_factory)


def _adapter(root: Path, **extra: str) -> LammAdapter:
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), **extra})
    adapter.load()
    return adapter


@pytest.fixture(scope="module")
def adapter(root) -> LammAdapter:
    return _adapter(root)


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("cache_images")
    rng = np.random.default_rng(5)
    paths = []
    for i, (w, h) in enumerate([(200, 300), (320, 240), (224, 224)]):
        paths.append(str(folder / f"img{i}.png"))
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(paths[-1])
    return paths


def _gen(text: str, image: str, **settings) -> Request:
    return Request(sample_id=text[:8], kind="generate", system=SYS, text=text, images=(image,),
                   generation=GenerationSettings(**settings))  # fmt: skip


def _both(adapter: LammAdapter, requests: list[Request]):
    """The adapter's answers with each cache (the model is shared; only the decoder's cache differs)."""
    answers = {}
    for kv_cache in ("static", "dynamic"):
        adapter.config = dataclasses.replace(adapter.config, kv_cache=kv_cache)
        answers[kv_cache] = [(r.text, r.n_tokens) for r in adapter.generate(requests)]
    adapter.config = dataclasses.replace(adapter.config, kv_cache="static")
    return answers["static"], answers["dynamic"]


def test_static_is_the_default_and_not_in_the_fingerprint(adapter):
    assert adapter.config.kv_cache == "static"
    dynamic = LammAdapter({**tiny_lamm.TINY_ARGS, "kv_cache": "dynamic"})
    assert dynamic.config.kv_cache == "dynamic" and dynamic.describe() == LammAdapter(tiny_lamm.TINY_ARGS).describe()
    with pytest.raises(UserError, match="kv_cache='paged' must be one of static, dynamic"):
        LammAdapter({**tiny_lamm.TINY_ARGS, "kv_cache": "paged"})


def test_static_cache_is_used_and_sized_for_the_prompt_and_the_longest_budget(adapter, images):
    sizes = []
    make = adapter.model.static_cache

    def spy(length):
        sizes.append(length)
        return make(length)

    requests = [_gen("What is in the image?", images[0], max_new_tokens=7),
                _gen("Describe the picture in detail, with every object.", images[1], max_new_tokens=3)]  # fmt: skip
    adapter.model.static_cache = spy
    try:
        adapter.generate(requests)
    finally:
        del adapter.model.static_cache
    width = max(layout.length for layout in adapter.generation_layouts(requests))
    assert sizes == [width + 7]


def test_greedy_batch_with_padding_and_stops_is_the_same_with_either_cache(adapter, images):
    texts = ["What is in the image?", "Describe the picture in detail, with every object you can see.", "Count."]
    # Unstopped answers first, then stop strings taken from inside them, so the stops certainly fire.
    free = [_gen(t, images[i], max_new_tokens=16, stop=()) for i, t in enumerate(texts)]
    static, dynamic = _both(adapter, free)
    assert static == dynamic
    assert all(n == 16 for _, n in static)  # an untrained delta never writes ### nor </s> here
    stops = [text[6:9] for text, _ in static]
    stopped = [_gen(t, images[i], max_new_tokens=n, stop=(stops[i], "\n###"))
               for i, (t, n) in enumerate(zip(texts, (16, 20, 5)))]  # fmt: skip
    static_stopped, dynamic_stopped = _both(adapter, stopped)
    assert static_stopped == dynamic_stopped
    # Each stop fired inside the 16 free tokens (row 2 stops at its 5-token budget or earlier).
    assert [text for text, _ in static_stopped[:2]] == [static[i][0].split(stops[i])[0] for i in range(2)]
    assert static_stopped[0][1] < 16 and static_stopped[1][1] < 20 and static_stopped[2][1] <= 5
    # Batched equals one by one with the static cache too (a different width, so a different cache length).
    assert [adapter.generate([r])[0].text for r in stopped] == [text for text, _ in static_stopped]


def test_static_and_dynamic_logits_agree_at_every_step(adapter, images):
    from lamm_bench.model_adapters.lamm.decode import generate

    model = adapter.model
    requests = [_gen("What is in the image?", images[0], max_new_tokens=6, stop=()),
                _gen("Describe the picture in detail.", images[1], max_new_tokens=6, stop=())]  # fmt: skip
    layouts = adapter.generation_layouts(requests)
    visual, _ = adapter._visual(requests, "center_crop")
    seen = {"static": [], "dynamic": []}
    forward = model.forward_logits
    for kv_cache, logits in seen.items():
        model.forward_logits = lambda *a, _out=logits, **k: _out.append(forward(*a, **k)) or _out[-1]
        try:
            generate(model, layouts, visual, [r.generation for r in requests], [0, 0], kv_cache=kv_cache)
        finally:
            del model.forward_logits
    assert len(seen["static"]) == len(seen["dynamic"]) == 6
    for (a, _), (b, _) in zip(seen["static"], seen["dynamic"]):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


def test_3d_greedy_answers_are_the_same_with_either_cache(root, tmp_path):
    rng = np.random.default_rng(6)
    points = np.concatenate([rng.uniform(-2, 2, size=(1500, 3)), rng.uniform(0, 255, size=(1500, 3))], axis=1)
    np.save(tmp_path / "scene.npy", points.astype(np.float32))
    adapter3d = _adapter(root, modality="point_cloud")
    requests = [Request(sample_id=str(i), kind="generate", text=text, point_cloud=str(tmp_path / "scene.npy"),
                        system="\nYou are an AI visual assistant that can analyze a 3D point cloud.\n",
                        num_points=512, generation=GenerationSettings(max_new_tokens=n, stop=()))
                for i, (text, n) in enumerate([("Describe the scene.", 8), ("How many chairs are there?", 3)])]  # fmt: skip
    static, dynamic = _both(adapter3d, requests)
    assert static == dynamic and [n for _, n in static] == [8, 3]


def test_static_cache_attention_reads_only_the_written_slots(adapter, images):
    # The cache holds the whole budget, but each step's attention gets the slots written so far and a mask that long.
    model = adapter.model
    requests = [_gen("What is in the image?", images[0], max_new_tokens=30)]
    layouts = adapter.generation_layouts(requests)
    embeds, mask, positions = model.embed(layouts, adapter._visual(requests, "center_crop")[0], left_pad=True)
    cache = model.static_cache(embeds.shape[1] + 30)
    model.forward_logits(embeds, mask, positions, past=cache, keep=1)
    layer, width = cache.layers[0], embeds.shape[1]
    assert layer.keys.shape[2] == width + 30  # allocated for the budget
    assert layer.get_mask_sizes(1) == (width + 1, 0)
    step = torch.zeros_like(layer.keys[:, :, :1])
    keys, values = layer.update(step, step)
    assert keys.shape[2] == values.shape[2] == width + 1
