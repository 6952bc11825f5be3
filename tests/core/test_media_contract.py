"""The media part of the adapter contract: decoded media only for an adapter that asks (``media = "decoded"``)."""

import numpy as np
import pytest
from PIL import Image

import lamm_bench
from lamm_bench import media, pointcloud
from lamm_bench.adapter import DECODED, as_adapter, wants_decoded_media
from lamm_bench.batching import answer_batches, make_batches, new_stats
from lamm_bench.errors import UserError
from lamm_bench.model_adapters.dummy import DummyAdapter
from lamm_bench.pointcloud import load_point_cloud
from lamm_bench.records import Request
from lamm_bench.store import PredictionStore

TASKS = ["cifar10", "scanqa"]  # images and point clouds


@pytest.fixture
def decodes(monkeypatch):
    """Every image decode and point-cloud read, by path."""
    calls: list[str] = []
    decode, read = media.decode_image, pointcloud.read_point_cloud

    def counted_decode(path):
        calls.append(path)
        return decode(path)

    def counted_read(path):
        calls.append(str(path))
        return read(path)

    monkeypatch.setattr(media, "decode_image", counted_decode)
    monkeypatch.setattr(pointcloud, "read_point_cloud", counted_read)
    return calls


class PathsOnly(DummyAdapter):
    """An adapter that keeps ``media = PATHS``: it is handed ``media=None`` and opens files itself, if at all."""

    def __init__(self):
        super().__init__({})
        self.calls = 0

    def generate(self, requests, media=None):
        assert media is None
        self.calls += 1
        return super().generate(requests)

    def score_choices(self, requests, media=None):
        assert media is None
        self.calls += 1
        return super().score_choices(requests)


class Decoded(DummyAdapter):
    """Asks for decoded media and records, at each call, what it was handed."""

    media = DECODED

    def __init__(self, decodes):
        super().__init__({})
        self.decodes, self.seen = decodes, []

    def _record(self, requests, media):
        for r in requests:
            paths = [*r.images, *([r.point_cloud] if r.point_cloud else [])]
            # decoded before the call (counted), handed over, and not decoded again by the adapter's access
            assert all(p in self.decodes for p in paths)
            before = len(self.decodes)
            images = [media.image(p) for p in r.images]
            points = media.point_cloud(r.point_cloud, num_points=r.num_points, seed=r.seed) if r.point_cloud else None
            assert len(self.decodes) == before
            self.seen.append((r, images, points))

    def generate(self, requests, media=None):
        self._record(requests, media)
        return super().generate(requests)

    def score_choices(self, requests, media=None):
        self._record(requests, media)
        return super().score_choices(requests)


@pytest.mark.parametrize("prefetch", [True, False])
def test_an_adapter_that_did_not_ask_gets_paths_and_nothing_is_decoded(mini_root, tmp_path, decodes, prefetch):
    adapter = PathsOnly()
    results = lamm_bench.evaluate(adapter, TASKS, data_root=mini_root, out_dir=tmp_path, name="m", prefetch=prefetch)
    assert [r["task"]["name"] for r in results] == TASKS and adapter.calls > 0
    assert decodes == []  # not one image decoded, not one point cloud read: no time spent on it


@pytest.mark.parametrize("prefetch", [True, False])
def test_an_adapter_that_asks_gets_images_and_point_clouds_decoded_before_its_call(mini_root, tmp_path, decodes, prefetch):
    adapter = Decoded(decodes)
    lamm_bench.evaluate(adapter, TASKS, data_root=mini_root, out_dir=tmp_path, name="m", prefetch=prefetch)
    images = [im for _, ims, _ in adapter.seen for im in ims]
    clouds = [(r, points) for r, _, points in adapter.seen if points is not None]
    assert images and clouds and all(isinstance(im, Image.Image) for im in images)
    for request, points in clouds:  # exactly what the adapter got before: load_point_cloud with the request's draw
        assert request.num_points == 40_000
        expected = load_point_cloud(request.point_cloud, num_points=request.num_points, seed=request.seed)
        assert points.dtype == np.float32 and np.array_equal(points, expected)


def test_same_answers_with_and_without_decoded_media(mini_root, tmp_path, decodes):
    for name, adapter in (("paths", PathsOnly()), ("decoded", Decoded(decodes))):
        lamm_bench.evaluate(adapter, TASKS, data_root=mini_root, out_dir=tmp_path / name, name="m")
    for task in TASKS:
        rows = [(tmp_path / n / f"results/m/{task}.predictions.jsonl").read_text() for n in ("paths", "decoded")]
        assert rows[0] == rows[1]


def _request(i, path):
    return Request(sample_id=str(i), kind="generate", system="", text="t", images=(path,))


@pytest.mark.parametrize("prefetch", [True, False])
def test_a_corrupt_image_stops_at_its_batch_naming_sample_and_file(tmp_path, prefetch):
    good = tmp_path / "good.png"
    Image.new("RGB", (4, 4)).save(good)
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    requests = [_request(0, str(good)), _request(1, str(good)), _request(2, str(bad))]
    store = PredictionStore(tmp_path / "s.jsonl")
    with pytest.raises(UserError, match=rf"sample '2': image {bad}: cannot be decoded"):
        answer_batches(Decoded([str(good), str(bad)]), make_batches(requests, 2), store, new_stats(2),
                       identity=lambda r: None, prefetch=prefetch)  # fmt: skip
    assert sorted(k[0] for k in store.read()) == ["0", "1"]  # the batch before it was answered and stored


def test_media_must_be_paths_or_decoded():
    class Odd(DummyAdapter):
        media = "pixels"

    assert not wants_decoded_media(PathsOnly()) and wants_decoded_media(Decoded([]))
    with pytest.raises(ValueError, match="Odd.media must be 'paths' or 'decoded', not 'pixels'"):
        wants_decoded_media(Odd({}))
    with pytest.raises(UserError, match=r"adapter 'odd' \(.*Odd\): media must be 'paths' or 'decoded', not 'pixels'"):
        as_adapter(Odd({}), "odd")
