"""Decoded media handed to the adapters that ask for them, and the runner's prefetch of the next batch's media."""

import threading

import pytest
from PIL import Image

from lamm_bench import media
from lamm_bench.adapter import DECODED, Adapter
from lamm_bench.batching import answer_batches, new_stats
from lamm_bench.errors import UserError
from lamm_bench.records import Request, Response
from lamm_bench.store import PredictionStore


@pytest.fixture(autouse=True)
def decoded_in_background(monkeypatch):
    """Paths decoded by the prefetch thread (not the runner's own thread), recorded by ``media.decode_image``."""
    seen: set[str] = set()
    decode = media.decode_image

    def recording(path):
        image = decode(path)
        if threading.current_thread() is not threading.main_thread():
            seen.add(path)
        return image

    monkeypatch.setattr(media, "decode_image", recording)
    return seen


def _images(tmp_path, n):
    paths = []
    for i in range(n):
        path = tmp_path / f"{i}.png"
        Image.new("RGB", (16, 8), (i, 2 * i, 3 * i)).save(path)
        paths.append(str(path))
    return paths


def test_prefetched_images_are_served_from_the_record(tmp_path):
    [path] = _images(tmp_path, 1)
    decoded = media.decode_media([Request(sample_id="0", kind="generate", system="", text="t", images=(path,))])
    first = decoded.image(path)
    assert first is decoded.image(path) and first.size == (16, 8) and first.getpixel((0, 0)) == (0, 0, 0)
    with pytest.raises(UserError, match=r"image not found: .*missing\.png"):
        decoded.image(str(tmp_path / "missing.png"))


def test_no_module_level_cache():
    # the former side channel (a module-level cache filled by the runner) is gone: media live as long as a batch
    assert not any(hasattr(media, name) for name in ("_cache", "prefetch", "load_image", "clear"))


class SpyAdapter(Adapter):
    """Records, at each call, which of the batch's images were already decoded (by the prefetch thread)."""

    media = DECODED

    def __init__(self, background):
        self.background, self.decoded_before_call, self.handed = background, [], []

    def load(self):
        pass

    def describe(self):
        return {}

    def generate(self, batch, media=None):
        self.decoded_before_call.append([p in self.background for r in batch for p in r.images])
        self.handed.append(sorted(media.images))
        return [Response(text="x") for _ in batch]


def test_runner_decodes_each_batch_before_the_adapter_sees_it(tmp_path, decoded_in_background):
    paths = _images(tmp_path, 6)
    batches = [[Request(sample_id=str(i), kind="generate", system="", text="t", images=(paths[i],)) for i in (j, j + 1)]
               for j in (0, 2, 4)]  # fmt: skip
    spy = SpyAdapter(decoded_in_background)
    stats = new_stats(2)
    answer_batches(spy, batches, PredictionStore(tmp_path / "s.jsonl"), stats, identity=lambda r: None)
    assert spy.decoded_before_call == [[True, True]] * 3 and stats["new_requests"] == 6
    assert spy.handed == [sorted(paths[j : j + 2]) for j in (0, 2, 4)]
    decoded_in_background.clear()
    spy = SpyAdapter(decoded_in_background)
    answer_batches(spy, batches, PredictionStore(tmp_path / "s2.jsonl"), stats, identity=lambda r: None, prefetch=False)
    assert spy.decoded_before_call == [[False, False]] * 3
    assert spy.handed == [sorted(paths[j : j + 2]) for j in (0, 2, 4)]  # prefetch off: decoded just before the call


def _corrupt_images(tmp_path):
    """A PNG that is not an image, a truncated PNG, and a PNG whose pixel data is damaged."""
    not_an_image = tmp_path / "text.png"
    not_an_image.write_text("this is not a picture")
    good = tmp_path / "good.png"
    Image.effect_noise((64, 64), 40).convert("RGB").save(good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(data[: len(data) // 2])
    damaged = tmp_path / "damaged.png"
    middle = len(data) // 2
    damaged.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :])
    return [not_an_image, truncated, damaged]


def test_a_corrupt_image_is_a_user_error_naming_the_file(tmp_path):
    # issue 14 item 13: a corrupt file must be exit 2 naming it, for every adapter that decodes images
    for path in _corrupt_images(tmp_path):
        with pytest.raises(UserError, match=rf"image {path}: cannot be decoded"):
            media.decode_image(str(path))
        request = Request(sample_id="s1", kind="generate", system="", text="t", images=(str(path),))
        with pytest.raises(UserError, match=rf"image {path}: cannot be decoded"):
            media.decode_media([request])  # the runner's decoding, for an adapter that asks for decoded media


def test_every_adapter_that_reads_images_reports_a_corrupt_one_as_a_user_error(tmp_path):
    from lamm_bench.model_adapters._common import open_rgb
    from lamm_bench.model_adapters.openai.impl import image_data_url
    from lamm_bench.model_adapters.lamm.vision import open_image

    openers = {
        "hf/openclip": lambda p: open_rgb(p, sample_id="s1"),
        "lamm": lambda p: open_image([p]),
        "openai": lambda p: image_data_url(p, sample_id="s1"),  # sends the bytes, but checks they are an image
    }
    for path in _corrupt_images(tmp_path):
        for name, opener in openers.items():
            with pytest.raises(UserError, match=rf"image {path}: cannot be decoded"):
                opener(str(path))
