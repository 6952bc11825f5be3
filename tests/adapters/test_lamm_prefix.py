"""Generation rows that show the same image share their common prefix's forward, and the visual inputs that do not
depend on the batch are kept between calls: the same logits and answers as the whole forward (tiny LAMM, CPU)."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("open_clip")
pytest.importorskip("peft")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from PIL import Image  # noqa: E402

from lamm_bench.model_adapters.lamm import vision  # noqa: E402
from lamm_bench.model_adapters.lamm.adapter import LammAdapter  # noqa: E402
from lamm_bench.model_adapters.lamm.model import shared_prefixes  # noqa: E402
from lamm_bench.model_adapters.lamm.prompt import TokenLayout  # noqa: E402
from lamm_bench.records import GenerationSettings, Request  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_lamm  # noqa: E402

SYS = "\nYou are an AI visual assistant that can analyze a single image.\n"
JOINTS = ["right ankle", "neck", "left wrist", "head top"]


def _layout(after: tuple[int, ...], before: tuple[int, ...] = (1, 2), n_visual: int = 3) -> TokenLayout:
    return TokenLayout(before=before, n_visual=n_visual, after=after, labels=(-100,) * len(after))


def test_rows_group_by_input_and_head_and_keep_a_token_of_their_own():
    layouts = [_layout((5, 6, 7, 8)), _layout((5, 6, 9)), _layout((5, 6)), _layout((5, 6, 7)),
               _layout((5, 6, 7), before=(1, 3))]  # fmt: skip
    # rows 0-2 show input 0 under one head: head 2 + visual 3 + common text 2, cut at 1 below the shortest text (2)
    assert shared_prefixes(layouts, [0, 0, 0, 1, 0]) == {0: (0, 6), 1: (0, 6), 2: (0, 6)}
    # rows 0 and 3 show input 1: their common text is (5, 6, 7), row 3's whole text, so it keeps its 7
    assert shared_prefixes(layouts, [1, 0, 2, 1, 3]) == {0: (0, 7), 3: (0, 7)}
    assert shared_prefixes(layouts, [0, 1, 2, 3, 4]) is None  # no two rows share an input
    # sharing a short prefix among few of many long rows is not worth a second forward
    long = [_layout(tuple(range(10, 60)))] * 2 + [_layout(tuple(range(100, 150)))] * 20
    assert shared_prefixes([_layout((5, 6)), _layout((5, 7)), *long], [0, 0, *range(1, 23)]) is None


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 2), st.lists(st.integers(3, 5), min_size=1, max_size=6)), min_size=1,
                     max_size=8))  # fmt: skip
def test_a_shared_prefix_is_common_to_its_group_and_leaves_each_row_a_token(rows):
    layouts = [_layout(tuple(after)) for _, after in rows]
    sources = [source for source, _ in rows]
    cuts = shared_prefixes(layouts, sources) or {}
    for row, (first, length) in cuts.items():
        assert sources[first] == sources[row] and cuts[first] == (first, length)
        assert 5 <= length < layouts[row].length  # the head and the visual tokens, and at least one token left
        assert layouts[row].after[: length - 5] == layouts[first].after[: length - 5]
    for row in cuts:
        assert sum(source == sources[row] for source in sources) >= 2


@pytest.fixture(scope="module")
def adapter(tmp_path_factory) -> LammAdapter:
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(tiny_lamm.shared_root(tmp_path_factory))})
    adapter.load()
    return adapter


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("prefix_images")
    rng = np.random.default_rng(11)
    paths = []
    for i, (w, h) in enumerate([(200, 300), (320, 240), (224, 224)]):
        paths.append(str(folder / f"img{i}.png"))
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(paths[-1])
    return paths


def _lsp_like(images: list[str], tokens: int = 8) -> list[Request]:
    # four joints asked of figure 0 and of figure 2, one question of figure 1 between them
    asks = [(0, j) for j in JOINTS] + [(1, "nose")] + [(2, j) for j in JOINTS[:3]]
    return [Request(sample_id=f"{i}", key=joint, kind="generate", system=SYS, images=(images[figure],),
                    text=f"Where is the {joint} of the person in the image? Answer with a point.",
                    generation=GenerationSettings(max_new_tokens=tokens, stop=()))
            for i, (figure, joint) in enumerate(asks)]  # fmt: skip


@pytest.mark.parametrize("kv_cache", ["static", "dynamic"])
def test_shared_prefix_logits_equal_the_whole_forwards_at_every_step(adapter, images, kv_cache):
    from lamm_bench.model_adapters.lamm.decode import generate

    model, requests = adapter.model, _lsp_like(images, tokens=6)
    layouts = adapter.generation_layouts(requests)
    visual, sources = adapter._visual(requests, "center_crop")
    assert sources == [0, 0, 0, 0, 1, 2, 2, 2]
    seen = {"shared": [], "whole": []}
    forward = model.forward_logits
    for how, logits in seen.items():
        model.forward_logits = lambda *a, _out=logits, **k: _out.append(forward(*a, **k)) or _out[-1]
        try:
            out = generate(model, layouts, visual, [r.generation for r in requests], [0] * len(requests),
                           kv_cache=kv_cache, sources=sources if how == "shared" else None)  # fmt: skip
        finally:
            del model.forward_logits
        assert [o.n_tokens for o in out] == [6] * len(requests)
    assert len(seen["shared"]) == len(seen["whole"]) == 6
    for (a, _), (b, _) in zip(seen["shared"], seen["whole"]):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


def test_the_shared_prefix_runs_once_per_figure(adapter, images):
    requests = _lsp_like(images)
    layouts = adapter.generation_layouts(requests)
    calls = []
    decoder = adapter.model._decode
    adapter.model._decode = lambda decoder_, embeds, *a, **k: calls.append(tuple(embeds.shape[:2])) or decoder(decoder_, embeds, *a, **k)
    try:
        shared = adapter.generate(requests)
    finally:
        del adapter.model._decode
    common = shared_prefixes(layouts, [0, 0, 0, 0, 1, 2, 2, 2])
    width = max(common[r][1] for r in common)
    assert calls == [(2, width)]  # one forward of the two figures' prefixes; the rest is each row's own
    adapter.config = dataclasses.replace(adapter.config, share_prefix=False)
    try:
        whole = adapter.generate(requests)
    finally:
        adapter.config = dataclasses.replace(adapter.config, share_prefix=True)
    assert [(r.text, r.n_tokens) for r in shared] == [(r.text, r.n_tokens) for r in whole]


def test_share_prefix_is_on_by_default_and_not_in_the_fingerprint():
    assert LammAdapter(tiny_lamm.TINY_ARGS).config.share_prefix is True
    off = LammAdapter({**tiny_lamm.TINY_ARGS, "share_prefix": "false"})
    assert off.config.share_prefix is False and off.describe() == LammAdapter(tiny_lamm.TINY_ARGS).describe()


def test_resized_images_are_kept_until_the_file_changes(adapter, images, tmp_path, monkeypatch):
    path = tmp_path / "figure.png"
    Image.open(images[0]).save(path)
    opened = []

    original = vision.open_image
    monkeypatch.setattr(vision, "open_image", lambda paths, media=None: opened.append(paths) or original(paths, media))
    request = Request(sample_id="0", kind="generate", system=SYS, text="What is it?", images=(str(path),))
    first, _ = adapter._visual([request, request], "center_crop")
    again, _ = adapter._visual([request], "center_crop")
    assert len(opened) == 1 and torch.equal(first[:1], again)
    adapter._visual([request], "squash")  # the other transform is another entry
    assert len(opened) == 2
    Image.open(images[1]).save(path)  # new content: new size and time
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    changed, _ = adapter._visual([request], "center_crop")
    assert len(opened) == 3 and not torch.equal(changed, again)


def test_a_scenes_features_are_encoded_once(tmp_path_factory, tmp_path):
    rng = np.random.default_rng(6)
    points = np.concatenate([rng.uniform(-2, 2, size=(1500, 3)), rng.uniform(0, 255, size=(1500, 3))], axis=1)
    np.save(tmp_path / "scene.npy", points.astype(np.float32))
    adapter3d = LammAdapter({**tiny_lamm.TINY_ARGS, "modality": "point_cloud",
                             "models_root": str(tiny_lamm.shared_root(tmp_path_factory))})  # fmt: skip
    adapter3d.load()
    encoded = []
    encode = adapter3d.model.encode_points
    adapter3d.model.encode_points = lambda points: encoded.append(points.shape) or encode(points)

    def ask(text: str, seed: int = 0) -> Request:
        return Request(sample_id=text, kind="generate", system=SYS, text=text, point_cloud=str(tmp_path / "scene.npy"),
                       num_points=512, seed=seed, generation=GenerationSettings(max_new_tokens=3, stop=()))  # fmt: skip

    first = adapter3d.generate([ask("Describe the scene."), ask("How many chairs?")])
    assert len(encoded) == 1  # one scene, encoded once for both rows
    again = adapter3d.generate([ask("Describe the scene.")])
    assert len(encoded) == 1 and again[0].text == first[0].text
    adapter3d.generate([ask("Describe the scene.", seed=1)])  # another sampling of the scene is another input
    assert len(encoded) == 2
