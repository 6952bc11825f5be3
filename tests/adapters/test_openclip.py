"""Tests of the ``openclip`` adapter on a tiny random CLIP saved to disk (config JSON + checkpoint)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from lamm_bench.errors import MissingWeightsError, UnknownNameError, UserError  # noqa: E402
from lamm_bench.model_adapters.openclip import OpenCLIPAdapter, prompt_for  # noqa: E402
from lamm_bench.records import Request  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_hf  # noqa: E402

LABELS = ("airplane", "cat", "dog", "truck")


@pytest.fixture(scope="module")
def clip_files(tmp_path_factory) -> tuple[Path, Path]:
    return tiny_hf.build_tiny_openclip(tmp_path_factory.mktemp("clip"))


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("images")
    colors = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    return [tiny_hf.write_image(folder / f"{i}.png", c) for i, c in enumerate(colors)]


@pytest.fixture(scope="module")
def adapter(clip_files) -> OpenCLIPAdapter:
    config, weights = clip_files
    model = OpenCLIPAdapter({"arch": str(config), "weights": str(weights), "device": "cpu"})
    model.load()
    return model


def _request(image: str | None, options=LABELS, kind="generate", sample_id="s1") -> Request:
    return Request(sample_id=sample_id, kind=kind, system="sys", text="What is in the image?",
                   images=(image,) if image else (), options=tuple(options))


def _reference_logits(config: Path, weights: Path, image: str, prompts: list[str]) -> list[float]:
    """open_clip's own zero-shot recipe: model(image, text) -> features and scale."""
    open_clip.add_model_config(config)
    model, _, preprocess = open_clip.create_model_and_transforms(config.stem, pretrained=str(weights))
    model.eval()
    tokenizer = open_clip.get_tokenizer(config.stem)
    from PIL import Image

    with torch.no_grad():
        image_features, text_features, scale = model(
            preprocess(Image.open(image).convert("RGB")).unsqueeze(0), tokenizer(prompts)
        )
    return (scale * image_features @ text_features.T)[0].tolist()


def test_registration_is_import_light():
    code = (
        "import sys\n"
        "from lamm_bench import registry\n"
        "assert registry.adapters()['openclip'] == 'lamm_bench.model_adapters.openclip:OpenCLIPAdapter'\n"
        "registry.build_adapter(registry.resolve_model('openclip'), {'arch': 'ViT-B-32', 'weights': 'w.pt'})\n"
        "heavy = [m for m in ('torch', 'open_clip') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_logits_match_open_clip_reference(adapter, clip_files, images):
    responses = adapter.generate([_request(image) for image in images])
    for image, response in zip(images, responses):
        expected = _reference_logits(*clip_files, image, [f"a photo of a {label}." for label in LABELS])
        assert response.option_scores == pytest.approx(expected, abs=1e-4)
        assert response.text == LABELS[expected.index(max(expected))]
        assert response.error is None


def test_choice_probabilities_sum_to_one_and_follow_option_order(adapter, images):
    forward = adapter.score_choices([_request(images[0], kind="choice")])[0]
    probabilities = [math.exp(s) for s in forward.option_scores]
    assert sum(p / sum(probabilities) for p in probabilities) == pytest.approx(1.0)
    backward = adapter.score_choices([_request(images[0], options=LABELS[::-1], kind="choice")])[0]
    assert backward.option_scores == pytest.approx(forward.option_scores[::-1], abs=1e-5)
    assert backward.text == forward.text


def test_batch_equals_one_by_one(adapter, images):
    requests = [_request(images[0]), _request(images[1], options=("yes", "no")), _request(images[2])]
    batched = adapter.generate(requests)
    for request, response in zip(requests, batched):
        assert response.option_scores == pytest.approx(adapter.generate([request])[0].option_scores, abs=1e-5)
    assert adapter.generate([]) == []


def test_template_changes_the_text_embedded(clip_files, images):
    config, weights = clip_files
    bare = OpenCLIPAdapter({"arch": str(config), "weights": str(weights), "template": "{}"})
    scores = bare.score_choices([_request(images[0], kind="choice")])[0].option_scores
    assert scores == pytest.approx(_reference_logits(config, weights, images[0], list(LABELS)), abs=1e-4)
    assert prompt_for("a {} with {braces}", "cat") == "a cat with {braces}"


def test_open_ended_generation_is_refused(adapter, images):
    with pytest.raises(UserError, match=r"openclip can only answer closed-set tasks: sample 'q7'"):
        adapter.generate([_request(images[0]), _request(images[0], options=(), sample_id="q7")])


def test_requests_need_exactly_one_image(adapter, images):
    with pytest.raises(UserError, match="sample 's1'.*exactly one image.*got 2"):
        adapter.generate([Request(sample_id="s1", kind="generate", system="", text="", images=tuple(images[:2]),
                                  options=LABELS)])
    with pytest.raises(UserError, match="got 0"):
        adapter.generate([_request(None)])


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ({}, UserError, "arch=NAME"),
        ({"arch": "hf-hub:org/repo"}, UserError, "would download"),
        ({"arch": "ViT-B-32", "template": "a photo"}, UserError, "exactly once"),
        ({"arch": "ViT-B-32", "dtype": "int4"}, UserError, "dtype='int4'"),
    ],
)
def test_bad_arguments(args, error, message):
    with pytest.raises(error, match=message):
        OpenCLIPAdapter(args)


def test_missing_or_wrong_weights(tmp_path, clip_files):
    config, weights = clip_files
    with pytest.raises(MissingWeightsError, match="weights=FILE"):
        OpenCLIPAdapter({"arch": str(config)}).load()
    with pytest.raises(MissingWeightsError, match=str(tmp_path / "none.pt")):
        OpenCLIPAdapter({"arch": str(config), "weights": str(tmp_path / "none.pt")}).load()
    with pytest.raises(UnknownNameError, match="did you mean 'ViT-B-32'"):
        OpenCLIPAdapter({"arch": "ViT-B-3", "weights": str(weights)}).load()
    other = json.loads(config.read_text())
    other["embed_dim"] = 8
    (tmp_path / "wide.json").write_text(json.dumps(other))
    with pytest.raises(UserError, match="do not fit"):
        OpenCLIPAdapter({"arch": str(tmp_path / "wide.json"), "weights": str(weights)}).load()
    (tmp_path / "broken.json").write_text(json.dumps({"embed_dim": 8}))
    with pytest.raises(UserError, match="missing vision_cfg, text_cfg"):
        OpenCLIPAdapter({"arch": str(tmp_path / "broken.json"), "weights": str(weights)}).load()


def test_describe_names_weights_without_loading(clip_files):
    from lamm_bench.adapter import Adapter

    config, weights = clip_files
    adapter = OpenCLIPAdapter({"arch": str(config), "weights": str(weights)})
    assert isinstance(adapter, Adapter) and adapter._loaded is None
    described = adapter.describe()
    assert described["weights"].startswith(f"{weights.name}:{weights.stat().st_size}:")
    assert described["template"] == "a photo of a {}."
    assert described["dtype"] == "float32" and len(described["arch_sha256"]) == 16
