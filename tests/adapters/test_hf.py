"""Tests of the ``hf`` adapter on a tiny random LLaVA built offline (real tokenizer, processor and chat template)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from lamm_bench import registry  # noqa: E402
from lamm_bench.errors import MissingWeightsError, UserError  # noqa: E402
from lamm_bench.model_adapters.hf import impl as _hf_impl  # noqa: E402
from lamm_bench.model_adapters.hf import HFAdapter, model_dir_candidates  # noqa: E402
from lamm_bench.records import GenerationSettings, Request  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_hf  # noqa: E402

SYSTEM = "You are a helpful assistant."


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="module")
def llava_dir(tmp_path_factory) -> Path:
    return tiny_hf.build_tiny_llava(tmp_path_factory.mktemp("models") / "tiny-llava")


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("images")
    colors = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    return [tiny_hf.write_image(folder / f"{i}.png", c, size=(40 + 8 * i, 32)) for i, c in enumerate(colors)]


@pytest.fixture(scope="module")
def adapter(llava_dir) -> HFAdapter:
    model = HFAdapter({"path": str(llava_dir), "device": "cpu"})
    model.load()
    return model


def _gen(text: str, images=(), *, max_new_tokens: int = 10, stop=(), system: str = SYSTEM, **kw) -> Request:
    kw.setdefault("generation", GenerationSettings(max_new_tokens=max_new_tokens, stop=stop))
    return Request(sample_id=text[:8], kind="generate", system=system, text=text, images=tuple(images), **kw)


def test_registration_is_import_light():
    code = (
        "import sys\n"
        "from lamm_bench import registry\n"
        "assert registry.adapters()['hf'] == 'lamm_bench.model_adapters.hf:HFAdapter'\n"
        "assert registry.cards()['llava-1.5-7b'].args == {'path': 'llava-1.5-7b-hf'}\n"
        "assert 'llava-1.5-13b' in registry.cards()\n"
        "registry.build_adapter(registry.resolve_model('llava-1.5-7b'), {})\n"
        "heavy = [m for m in ('torch', 'transformers', 'open_clip') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "path=DIR"),
        ({"path": "x", "dtype": "int8"}, "dtype='int8'"),
        ({"path": "x", "device": "tpu"}, "device='tpu'"),
        ({"path": "x", "batch_size": "0"}, "batch_size=0"),
        ({"path": "x", "trust_remote_code": "maybe"}, "trust_remote_code"),
        ({"path": "x", "temperature": "0"}, "has no argument 'temperature'"),
    ],
)
def test_bad_arguments_are_user_errors(args, message):
    with pytest.raises(UserError, match=message):
        HFAdapter(args)


def test_defaults_keep_remote_code_off_and_follow_the_protocol():
    from lamm_bench.adapter import Adapter

    adapter = HFAdapter({"path": "x"})
    assert adapter.config.trust_remote_code is False
    assert isinstance(adapter, Adapter) and adapter.capabilities == {"generate", "choice", "image"}


def test_model_dir_candidates():
    cwd = Path("/work")
    assert model_dir_candidates("/abs/m", "/root", {}, cwd) == [Path("/abs/m")]
    assert model_dir_candidates("m", None, {}, cwd) == [cwd / "m"]
    assert model_dir_candidates("m", None, {"LAMM_BENCH_MODELS": "/env"}, cwd) == [cwd / "m", Path("/env/m")]
    assert model_dir_candidates("m", "/arg", {"LAMM_BENCH_MODELS": "/env"}, cwd) == [cwd / "m", Path("/arg/m")]


def test_missing_directory_names_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMM_BENCH_MODELS", str(tmp_path / "root"))
    monkeypatch.chdir(tmp_path)
    model = registry.build_adapter(registry.resolve_model("llava-1.5-7b"), {})
    with pytest.raises(MissingWeightsError) as info:
        model.load()
    message = str(info.value)
    assert str(tmp_path / "root" / "llava-1.5-7b-hf") in message
    assert str(tmp_path / "llava-1.5-7b-hf") in message


def test_card_finds_model_under_models_root(tmp_path, llava_dir, monkeypatch):
    shutil.copytree(llava_dir, tmp_path / "llava-1.5-7b-hf")
    monkeypatch.chdir(tmp_path.parent)
    model = registry.build_adapter(registry.resolve_model("llava-1.5-7b"), {"models_root": str(tmp_path)})
    model.load()
    assert model.describe()["files"] == HFAdapter({"path": str(llava_dir)}).describe()["files"]


def test_missing_weight_file_is_missing_weights_error(tmp_path, llava_dir):
    shutil.copytree(llava_dir, tmp_path / "m", ignore=shutil.ignore_patterns("*.safetensors"))
    with pytest.raises(MissingWeightsError, match="weights"):
        HFAdapter({"path": str(tmp_path / "m")}).load()


def test_describe_is_resolved_and_tracks_the_model_files(adapter, tmp_path, llava_dir):
    described = adapter.describe()
    assert described["dtype"] == "float32" and described["device"] == "cpu"
    assert "batch_size" not in described
    changed = Path(shutil.copytree(llava_dir, tmp_path / "changed"))
    config = changed / "config.json"
    config.write_text(config.read_text().replace('"vision_feature_layer": -2', '"vision_feature_layer": -1'))
    assert HFAdapter({"path": str(changed)}).describe()["files"] != described["files"]
    assert HFAdapter({"path": str(llava_dir)}).describe()["files"] == described["files"]
    # A "fine-tune": same config, tokenizer and file sizes, different weights.
    retrained = tiny_hf.build_tiny_llava(tmp_path / "retrained", seed=1)
    assert (retrained / "config.json").read_bytes() == (llava_dir / "config.json").read_bytes()
    assert (retrained / "model.safetensors").stat().st_size == (llava_dir / "model.safetensors").stat().st_size
    assert HFAdapter({"path": str(retrained)}).describe()["files"] != described["files"]


def test_file_identity_samples_head_and_tail(tmp_path):
    from lamm_bench.model_adapters._common import file_identity

    data = bytearray(1_000_000)
    (tmp_path / "w.bin").write_bytes(data)
    base = file_identity(tmp_path / "w.bin")
    data[-1] = 1
    (tmp_path / "w.bin").write_bytes(data)
    tail = file_identity(tmp_path / "w.bin")
    data[500_000] = 1  # documented blind spot: the middle of a large file is not read
    (tmp_path / "w.bin").write_bytes(data)
    assert base != tail == file_identity(tmp_path / "w.bin")
    assert base.startswith("w.bin:1000000:")
    assert file_identity(tmp_path / "none.bin") == "none.bin:missing"


def test_prompt_uses_system_turn_and_image_parts(adapter, images):
    request = _gen("what is in the image ?", images[:1])
    assert _hf_impl.render_prompt(adapter._loaded, request) == (
        "You are a helpful assistant. USER: <image>\nwhat is in the image ? ASSISTANT:"
    )
    prefixed = dataclasses.replace(request, assistant_prefix="The answer is")
    assert _hf_impl.render_prompt(adapter._loaded, prefixed, prefixed.assistant_prefix).endswith(
        "ASSISTANT: The answer is"
    )


def test_system_prepended_when_template_has_no_system_turn(adapter):
    loaded = dataclasses.replace(adapter._loaded, system_turn=False)
    assert _hf_impl.render_prompt(loaded, _gen("q")) == "USER: You are a helpful assistant.\nq ASSISTANT:"
    assert _hf_impl.render_prompt(loaded, _gen("q", system="")) == "USER: q ASSISTANT:"


def test_template_refusing_system_turn_is_detected(adapter):
    class Refusing:
        def apply_chat_template(self, messages, **kwargs):
            if messages[0]["role"] == "system":
                raise ValueError("System role not supported")
            return "ok"

    assert _hf_impl._renders_system_turn(Refusing()) is False
    assert _hf_impl._renders_system_turn(adapter._loaded.processor) is True


def test_llava_without_chat_template_falls_back_to_llava_format(tmp_path, adapter, images):
    bare = HFAdapter({"path": str(tiny_hf.build_tiny_llava(tmp_path / "bare", chat_template=None))})
    bare.load()
    request = _gen("what is in the image ?", images[:2])
    assert _hf_impl.render_prompt(bare._loaded, request) == _hf_impl.render_prompt(adapter._loaded, request)


def test_batched_generation_equals_one_by_one(adapter, images):
    requests = [
        _gen("what is in the image ?", images[:1]),
        _gen("How many objects are there? one two three four five six", images[1:2]),
        _gen("cat", images[2:3], max_new_tokens=6),  # different settings: its own generate() call
        _gen("Is the person smiling?", images[:2]),  # two images
        _gen("a dog running in the park", ()),  # text only
    ]
    batched = adapter.generate(requests)
    single = [adapter.generate([r])[0] for r in requests]
    assert batched == single
    assert [r.n_tokens for r in batched] == [10, 10, 6, 10, 10]
    assert all(r.text and r.error is None for r in batched)
    assert len({r.text for r in batched}) > 1  # the prompts and images do reach the model


def test_generation_is_cut_at_the_first_stop_string(adapter, images):
    base = _gen("what is in the image ?", images[:1], max_new_tokens=12)
    full = adapter.generate([base])[0].text
    stop = full[5:8]
    assert stop.strip() and full.find(stop) == 5
    cut = adapter.generate([dataclasses.replace(base, generation=GenerationSettings(12, stop=("zzz", stop)))])
    assert cut[0].text == full[:5].strip()
    assert cut[0].n_tokens < 12  # generation stopped early, not only the text


def test_choice_score_matches_hand_computed_log_likelihood(adapter, images):
    request = Request(
        sample_id="c", kind="choice", system=SYSTEM, text="what is in the image ?", images=(images[0],),
        options=("cat", "two birds"), assistant_prefix="The answer is ",
    )
    response = adapter.score_choices([request])[0]
    processor, model = adapter._loaded.processor, adapter._loaded.model
    from PIL import Image

    expected = []
    for option, option_tokens in (("cat", ["▁cat"]), ("two birds", ["▁two", "▁bird", "s"])):
        text = f"{SYSTEM} USER: <image>\nwhat is in the image ? ASSISTANT: The answer is {option}"
        inputs = processor(text=[text], images=[Image.open(images[0]).convert("RGB")], return_tensors="pt")
        ids = inputs["input_ids"][0]
        n = len(option_tokens)
        assert processor.tokenizer.convert_ids_to_tokens(ids[-n:].tolist()) == option_tokens
        with torch.no_grad():
            logits = model(**inputs).logits[0]
        log_probs = torch.log_softmax(logits.double(), dim=-1)
        per_token = [log_probs[len(ids) - n - 1 + k, ids[len(ids) - n + k]].item() for k in range(n)]
        expected.append(sum(per_token) / n)
    assert response.option_scores == pytest.approx(expected, abs=1e-5)
    assert response.text == ("cat", "two birds")[expected.index(max(expected))]


def test_batched_choice_scores_equal_one_by_one(adapter, images):
    requests = [
        Request(sample_id="a", kind="choice", system=SYSTEM, text="what is in the image ?", images=(images[0],),
                options=("cat", "dog", "a red car on the street"), assistant_prefix="The answer is "),
        Request(sample_id="b", kind="choice", system="", text="Is the person smiling?", options=("yes", "no")),
        Request(sample_id="c", kind="choice", system=SYSTEM, text="How many?", images=(images[1], images[2]),
                options=("one", "two", "three", "four")),
    ]
    batched = adapter.score_choices(requests)
    for request, response in zip(requests, batched):
        alone = adapter.score_choices([request])[0]
        assert len(response.option_scores) == len(request.options)
        assert response.option_scores == pytest.approx(alone.option_scores, abs=1e-4)
        best = max(range(len(request.options)), key=response.option_scores.__getitem__)
        assert response.text == request.options[best]
    small = HFAdapter({"path": adapter.config.path, "batch_size": "2"})
    small._loaded = adapter._loaded
    flat = [score for r in batched for score in r.option_scores]
    assert [score for r in small.score_choices(requests) for score in r.option_scores] == pytest.approx(flat, abs=1e-4)


def test_missing_image_names_the_sample(adapter, tmp_path):
    with pytest.raises(UserError, match=r"sample 'what is '.*image not found"):
        adapter.generate([_gen("what is in the image ?", [str(tmp_path / "nope.png")])])


def test_sampling_is_seeded_by_the_request(adapter):
    settings = GenerationSettings(max_new_tokens=8, do_sample=True, temperature=1.0, top_p=0.9, stop=())
    requests = [_gen("what is in the image ?", generation=settings, seed=seed) for seed in (1, 1, 2)]
    texts = [adapter.generate([r])[0].text for r in requests]
    assert texts[0] == texts[1] != texts[2]


def test_stop_string_outside_the_vocabulary_still_cuts(adapter):
    # '#' is not in the tiny vocabulary, so generate() cannot stop on it; the text is still cut afterwards.
    request = _gen("what is in the image ?", stop=("###",))
    unstopped = dataclasses.replace(request, generation=GenerationSettings(10, stop=()))
    assert adapter.generate([request]) == adapter.generate([unstopped])


@pytest.fixture(scope="module")
def qwen(tmp_path_factory) -> HFAdapter:
    model = HFAdapter({"path": str(tiny_hf.build_tiny_qwen2_vl(tmp_path_factory.mktemp("models") / "tiny-qwen"))})
    model.load()
    return model


def test_generic_route_loads_qwen2_vl_with_its_system_turn(qwen, images):
    assert type(qwen._loaded.model).__name__ == "Qwen2VLForConditionalGeneration"
    assert qwen._loaded.system_turn
    assert _hf_impl.render_prompt(qwen._loaded, _gen("what?", images[:1], system="Be brief.")) == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n"
        "<|vision_start|><|image_pad|><|vision_end|>what?<|im_end|>\n<|im_start|>assistant\n"
    )


def test_generic_route_batches_like_one_by_one(qwen, images):
    requests = [
        _gen("what is in the image ?", images[:1]),
        _gen("How many objects are there? one two three four five", images[1:3]),
        _gen("cat", ()),
    ]
    assert qwen.generate(requests) == [qwen.generate([r])[0] for r in requests]
    choices = [
        Request(sample_id="a", kind="choice", system="S", text="what is in the image ?", images=(images[0],),
                options=("cat", "a red car"), assistant_prefix="The answer is "),
        Request(sample_id="b", kind="choice", system="", text="Is the person smiling?", options=("yes", "no")),
    ]
    batched = [s for r in qwen.score_choices(choices) for s in r.option_scores]
    assert batched == pytest.approx([s for c in choices for s in qwen.score_choices([c])[0].option_scores], abs=1e-4)


def test_generic_route_choice_score_by_hand(qwen, images):
    request = Request(sample_id="a", kind="choice", system="", text="Is the person smiling?", images=(images[1],),
                      options=("yes",))
    processor, model = qwen._loaded.processor, qwen._loaded.model
    from PIL import Image

    text = (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        "<|vision_start|><|image_pad|><|vision_end|>Is the person smiling?<|im_end|>\n<|im_start|>assistant\nyes"
    )
    inputs = processor(text=[text], images=[Image.open(images[1]).convert("RGB")], return_tensors="pt")
    ids = inputs["input_ids"][0]
    n = len(processor.tokenizer("yes")["input_ids"])
    assert processor.tokenizer.decode(ids[-n:]) == "yes" and processor.tokenizer.decode(ids[-n - 1 :]) == "\nyes"
    with torch.no_grad():
        log_probs = torch.log_softmax(model(**inputs).logits[0].double(), dim=-1)
    expected = sum(log_probs[len(ids) - n - 1 + k, ids[len(ids) - n + k]].item() for k in range(n)) / n
    assert qwen.score_choices([request])[0].option_scores == pytest.approx((expected,), abs=1e-5)


@pytest.mark.parametrize("family", ["adapter", "qwen"])
def test_shared_prefix_scores_equal_one_sequence_per_option(family, images, request):
    """The prompt and its images run once, every option scored from that prefix's cache: the naive scores (1e-4) and
    the same choice, for LLaVA (1D RoPE) and Qwen2-VL (M-RoPE), ChEF templates, a CoT head, 1 or 2 images."""
    model = request.getfixturevalue(family)
    requests = [
        Request(sample_id="a", kind="choice", system="", text="The photo of the ", images=(images[0],),
                options=("cat", "ship", "airplane", "frog"), option_template="The object in the image is {}"),
        Request(sample_id="b", kind="choice", system=SYSTEM, text="How many?", images=(images[1], images[2]),
                options=("(A", "(B", "(C"), option_template="The answer is {}", assistant_prefix="Two, so (B.\n"),
        Request(sample_id="c", kind="choice", system="", text="Is the person smiling?", options=("Yes", "No")),
    ]  # fmt: skip
    shared = model.score_choices(requests)
    naive = model.score_choices([dataclasses.replace(r, choice_scoring="naive") for r in requests])
    for a, b in zip(shared, naive):
        assert a.option_scores == pytest.approx(b.option_scores, abs=1e-4)
        assert a.text == b.text
