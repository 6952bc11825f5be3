"""The decoded-image cache and the runner's prefetch of the next batch's images."""

import pytest
from PIL import Image

from lamm_bench import media
from lamm_bench.records import Request, Response
from lamm_bench.runner import RunSettings, _answer_batches
from lamm_bench.store import PredictionStore


@pytest.fixture(autouse=True)
def empty_cache():
    media.clear()
    yield
    media.clear()


def _images(tmp_path, n):
    paths = []
    for i in range(n):
        path = tmp_path / f"{i}.png"
        Image.new("RGB", (16, 8), (i, 2 * i, 3 * i)).save(path)
        paths.append(str(path))
    return paths


def test_prefetched_images_are_served_from_the_cache(tmp_path):
    [path] = _images(tmp_path, 1)
    media.prefetch([path, str(tmp_path / "missing.png")])  # unreadable files are skipped, not raised
    first = media.load_image(path)
    assert first is media.load_image(path) and first.size == (16, 8) and first.getpixel((0, 0)) == (0, 0, 0)
    with pytest.raises(FileNotFoundError):
        media.load_image(str(tmp_path / "missing.png"))


def test_cache_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(media, "_CAPACITY", 2)
    a, b, c = _images(tmp_path, 3)
    media.prefetch([a, b, c])
    assert list(media._cache) == [b, c]


class SpyAdapter:
    """Records, at each call, which of the batch's images were already decoded."""

    def __init__(self):
        self.decoded_before_call = []

    def generate(self, batch):
        self.decoded_before_call.append([p in media._cache for r in batch for p in r.images])
        return [Response(text="x") for _ in batch]


def test_runner_decodes_each_batch_before_the_adapter_sees_it(tmp_path):
    paths = _images(tmp_path, 6)
    batches = [[Request(sample_id=str(i), kind="generate", system="", text="t", images=(paths[i],)) for i in (j, j + 1)]
               for j in (0, 2, 4)]  # fmt: skip
    spy = SpyAdapter()
    settings = RunSettings(data_root=tmp_path)
    stats = {"new_requests": 0, "inference_seconds": 0.0, "new_tokens": 0}
    _answer_batches(spy, batches, PredictionStore(tmp_path / "s.jsonl"), stats, settings, "t")
    assert spy.decoded_before_call == [[True, True]] * 3 and stats["new_requests"] == 6
    media.clear()
    spy = SpyAdapter()
    _answer_batches(spy, batches, PredictionStore(tmp_path / "s2.jsonl"), stats, RunSettings(data_root=tmp_path, prefetch=False), "t")
    assert spy.decoded_before_call == [[False, False]] * 3
