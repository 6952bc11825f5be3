"""Tests of the ``lamm`` adapter on a tiny LAMM loaded through the real loading path (CPU, float32)."""

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
from lamm_bench.model_adapters.lamm.prompt import IGNORE  # noqa: E402
from lamm_bench.model_adapters.lamm.vision import CLIP_MEAN, CLIP_STD, image_transform  # noqa: E402
from lamm_bench.records import GenerationSettings, Request  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_lamm  # noqa: E402

SYS = "\nYou are an AI visual assistant that can analyze a single image.\n"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tiny_lamm.shared_root(tmp_path_factory)


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("lamm_images")
    rng = np.random.default_rng(0)
    paths = []
    for i, size in enumerate([(200, 300), (320, 240), (224, 224)]):  # (width, height)
        path = folder / f"img{i}.png"
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
        paths.append(str(path))
    return paths


def _adapter(root: Path, **extra: str) -> LammAdapter:
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), **extra})
    adapter.load()
    return adapter


@pytest.fixture(scope="module")
def merged(root) -> LammAdapter:
    return _adapter(root)


@pytest.fixture(scope="module")
def unmerged(root) -> LammAdapter:
    return _adapter(root, merge_lora="false")


def _gen(text: str, image: str, **settings) -> Request:
    return Request(sample_id=text[:8], kind="generate", system=SYS, text=text, images=(image,),
                   generation=GenerationSettings(**settings))


def _choice(text: str, image: str, options: tuple[str, ...], prefix: str = "") -> Request:
    return Request(sample_id="c", kind="choice", system=SYS, text=text, images=(image,), options=options,
                   assistant_prefix=prefix)


def _pixels(path: str, *, squash: bool) -> torch.Tensor:
    """The reference transforms written out with PIL and numpy, independently of torchvision."""
    image = Image.open(path)
    if squash:
        image = image.resize((224, 224), Image.BICUBIC).convert("RGB")
    else:
        image = image.convert("RGB")
        w, h = image.size
        scale = 224 / min(w, h)
        image = image.resize((round(w * scale) if w > h else 224, round(h * scale) if h > w else 224), Image.BICUBIC)
        left, top = int(round((image.width - 224) / 2)), int(round((image.height - 224) / 2))
        image = image.crop((left, top, left + 224, top + 224))
    array = (np.asarray(image, dtype=np.float32) / 255 - np.array(CLIP_MEAN)) / np.array(CLIP_STD)
    return torch.from_numpy(array.astype(np.float32)).permute(2, 0, 1)


@pytest.mark.parametrize("squash", [True, False])
def test_both_image_transforms_match_the_reference_steps(images, squash):
    got = image_transform("squash" if squash else "center_crop")(Image.open(images[0]))
    torch.testing.assert_close(got, _pixels(images[0], squash=squash), atol=1e-5, rtol=0)


def test_generation_sequence_matches_the_documented_layout(merged, images):
    tok = merged.model.tokenizer
    request = _gen("What is in the image?", images[0])
    (layout,) = merged.generation_layouts([request])
    assert layout.before == (tok.bos_id, *tok.encode("### Human: <Img>"))
    assert layout.n_visual == 256
    expected = "</Img> " + SYS + "### Human: What is in the image?\n" + "\n### Assistant:"
    assert list(layout.after) == tok.encode(expected)
    prefixed = dataclasses.replace(request, assistant_prefix="The answer is")
    (with_prefix,) = merged.generation_layouts([prefixed])
    assert list(with_prefix.after) == list(layout.after) + tok.encode("The answer is")


def test_chef_style_prompt(root, merged, images):
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), "prompt_style": "chef"})
    adapter._model = merged.model
    tok = adapter.model.tokenizer
    (layout,) = adapter.generation_layouts([_gen("Q?", images[0])])
    assert list(layout.after) == tok.encode("</Img> " + SYS + "### Human: Q?\n" + "\n### Assistant:")


def test_left_padded_batch_embeds_every_row_in_place(merged, images):
    model = merged.model
    requests = [_gen("Short?", images[0]), _gen("A much longer question about the picture, please?", images[1])]
    layouts = merged.generation_layouts(requests)
    visual = torch.randn(2, 256, tiny_lamm.HIDDEN)
    embeds, mask, positions = model.embed(layouts, visual, left_pad=True)
    table = model._base().get_input_embeddings().weight
    for row, layout in enumerate(layouts):
        pad = embeds.shape[1] - layout.length
        assert mask[row].tolist() == [0] * pad + [1] * layout.length
        assert positions[row, pad:].tolist() == list(range(layout.length))
        ids = layout.full_ids()
        start = pad + len(layout.before)
        torch.testing.assert_close(embeds[row, pad:start], table[list(layout.before)])
        torch.testing.assert_close(embeds[row, start : start + 256], visual[row])
        torch.testing.assert_close(embeds[row, start + 256 :], table[ids[len(layout.before) + 256 :]])


def test_choice_label_mask_and_option_span(merged, images):
    tok = merged.model.tokenizer
    request = _choice("Which animal?", images[0], ("cat", "dog"), prefix="The answer is ")
    choice = merged.choice_layouts(request)
    layout = choice.full(0)
    assert choice.exact == (True, True)
    tail = tok.encode("</Img> " + SYS + "### Human: Which animal?\n" + "\n### Assistant:")
    answer = tok.encode("The answer is cat\n###")
    assert list(layout.after) == tail + answer
    assert layout.full_labels() == [IGNORE] * (len(layout.before) + 256 + len(tail)) + answer
    start, end = layout.option_span
    assert layout.full_ids()[start:end] == tok.encode("cat")
    assert layout.length - end == 2  # "\n###" is <0x0A> and ### in this tokenizer, as in LLaMA's


def _hand_score(adapter: LammAdapter, layout, image: str) -> float:
    """Score one option by hand: embed the documented sequence, run the LLM, average the option log-probs."""
    model = adapter.model
    base = model._base()
    with torch.no_grad():
        visual = model.encode_pixels(_pixels(image, squash=True)[None])[0]
        table = base.get_input_embeddings()
        seq = torch.cat([table(torch.tensor(layout.before)), visual, table(torch.tensor(layout.after))])
        logits = base(inputs_embeds=seq[None]).logits[0].double()
    logp = torch.log_softmax(logits, dim=-1)
    ids = layout.full_ids()
    start, end = layout.option_span
    return float(np.mean([logp[p - 1, ids[p]].item() for p in range(start, end)]))


def test_choice_scores_equal_hand_computed_log_likelihood(merged, images):
    requests = [
        _choice("Which animal?", images[0], ("cat", "dog", "a bird"), prefix="The answer is "),
        _choice("What is shown?", images[1], ("(A) dog", "(B) cat")),
    ]
    responses = merged.score_choices(requests)
    for request, response in zip(requests, responses):
        choice = merged.choice_layouts(request)
        expected = [_hand_score(merged, choice.full(k), request.images[0]) for k in range(len(request.options))]
        np.testing.assert_allclose(response.option_scores, expected, atol=1e-5, rtol=0)
        assert response.text == request.options[int(np.argmax(expected))]


def test_choice_scores_do_not_depend_on_chunking(root, merged, images):
    request = _choice("Which animal?", images[2], ("cat", "dog", "a bird", "(A) dog"))
    small = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), "choice_batch": "1"})
    small._model = merged.model
    np.testing.assert_allclose(
        small.score_choices([request])[0].option_scores, merged.score_choices([request])[0].option_scores, atol=1e-5
    )


def test_shared_prefix_scores_equal_one_sequence_per_option(merged, images):
    """The image and the prompt encoded once, every option scored from that prefix: the same scores (fp32, 1e-4)
    and the same choice as one whole sequence per option, for a right-padded batch of prompts of different lengths,
    a CoT-style answer head, ChEF templates and option lists of different sizes."""
    import dataclasses

    requests = [
        dataclasses.replace(_choice("The photo of the ", images[0], ("cat", "ship", "airplane", "frog")),
                            option_template="The object in the image is {}", protocol="chef", system=""),
        dataclasses.replace(_choice("Question: Which is it?\nOptions: (A) a (B) b\nThe answer is", images[1],
                                    ("(A", "(B")), option_template="The answer is {}", protocol="chef", system="",
                            assistant_prefix="Let me see: (A looks right.\n"),
        _choice("What is shown here, in a longer question than the others?", images[2], ("12", "13", "10", "11", "14")),
    ]  # fmt: skip
    shared = merged.score_choices(requests)
    naive = merged.score_choices([dataclasses.replace(r, choice_scoring="naive") for r in requests])
    for a, b in zip(shared, naive):
        np.testing.assert_allclose(a.option_scores, b.option_scores, atol=1e-4, rtol=0)
        assert a.text == b.text
    assert [len(r.option_scores) for r in shared] == [4, 2, 5]


def test_first_match_rule_scores_the_first_run_of_the_option_tokens(merged, images):
    """d01093c: an option that also occurs in the CoT is scored on the CoT's tokens; HEAD (option_rule=last) scores
    the final answer; both are the reference's spans, found on the real tokenizer."""
    import dataclasses

    tok = merged.model.tokenizer
    request = dataclasses.replace(_choice("Q", images[0], ("(A", "(B")), option_template="The answer is {}",
                                  protocol="chef", system="", assistant_prefix="I think (A is it.\n")  # fmt: skip
    first = merged.choice_layouts(request)
    answer = tok.encode("I think (A is it.\nThe answer is (A")
    option = tok.encode("(A")
    start, end = first.spans[0]
    assert answer[start:end] == option and start < len(tok.encode("I think (A is it."))  # inside the CoT
    last = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": "x", "option_rule": "last"})
    last._model = merged.model
    start, end = last.choice_layouts(request).spans[0]
    assert end == len(answer) and answer[start:end] == option  # the final answer's tokens
    assert "option_rule" not in merged.describe() and last.describe()["option_rule"] == "last"


def test_choice_without_options_is_a_user_error(merged, images):
    with pytest.raises(UserError, match="needs options"):
        merged.score_choices([_choice("Q", images[0], ())])


def test_greedy_batch_with_left_padding_equals_one_by_one(merged, images):
    requests = [
        _gen("What is in the image?", images[0], max_new_tokens=12),
        _gen("Describe the picture in detail, with every object you can see.", images[1], max_new_tokens=12),
        _gen("Count the cats.", images[2], max_new_tokens=5),
    ]
    batched = merged.generate(requests)
    single = [merged.generate([r])[0] for r in requests]
    assert [r.text for r in batched] == [r.text for r in single]
    assert [r.n_tokens for r in batched] == [r.n_tokens for r in single]
    assert batched[2].n_tokens <= 5
    assert any(r.text for r in batched)


def test_first_greedy_token_is_the_argmax_of_a_full_forward(merged, images):
    request = _gen("What is in the image?", images[0], max_new_tokens=1, stop=())
    (layout,) = merged.generation_layouts([request])
    model = merged.model
    base = model._base()
    with torch.no_grad():
        visual = model.encode_pixels(_pixels(images[0], squash=False)[None])[0]
        table = base.get_input_embeddings()
        seq = torch.cat([table(torch.tensor(layout.before)), visual, table(torch.tensor(layout.after))])
        best = int(base(inputs_embeds=seq[None]).logits[0, -1].argmax())
    (response,) = merged.generate([request])
    expected = "" if best == model.tokenizer.eos_id else model.tokenizer.decode([best])
    assert response.text == expected


def test_sampling_is_seeded_per_request_not_per_batch(merged, images):
    paper = {"do_sample": True, "top_p": 0.9, "temperature": 1.0, "max_new_tokens": 10, "stop": ()}
    a = dataclasses.replace(_gen("What is in the image?", images[0], **paper), seed=7)
    b = dataclasses.replace(_gen("Describe the picture.", images[1], **paper), seed=3)
    alone = merged.generate([a])[0].text
    assert merged.generate([b, a])[1].text == alone
    assert merged.generate([a])[0].text == alone
    others = {merged.generate([dataclasses.replace(a, seed=s)])[0].text for s in range(8, 12)}
    assert len(others | {alone}) > 1


def test_merged_and_unmerged_lora_give_the_same_logits(merged, unmerged, images):
    request = _gen("What is in the image?", images[0])
    layouts = merged.generation_layouts([request])
    visual = merged.model.encode_pixels(_pixels(images[0], squash=False)[None])
    torch.testing.assert_close(unmerged.model.encode_pixels(_pixels(images[0], squash=False)[None]), visual)
    outs = []
    for adapter in (merged, unmerged):
        embeds, mask, positions = adapter.model.embed(layouts, visual, left_pad=True)
        with torch.no_grad():
            outs.append(adapter.model.forward_logits(embeds, mask, positions)[0])
    torch.testing.assert_close(outs[0], outs[1], atol=1e-5, rtol=1e-5)
    # and LoRA matters: the base LLM alone gives different logits
    with torch.no_grad(), unmerged.model.llama_model.disable_adapter():
        embeds, mask, positions = unmerged.model.embed(layouts, visual, left_pad=True)
        plain = unmerged.model.forward_logits(embeds, mask, positions)[0]
    assert not torch.allclose(plain, outs[0], atol=1e-3)


def _rewrite_delta(root: Path, tmp_path: Path, edit) -> Path:
    state = torch.load(root / "lamm_tiny" / "pytorch_model.pt", weights_only=True)
    edit(state)
    path = tmp_path / "pytorch_model.pt"
    torch.save(state, path)
    return path


def test_delta_with_a_missing_key_is_refused(root, tmp_path):
    key = "llama_model.base_model.model.model.layers.1.self_attn.v_proj.lora_B.default.weight"
    path = _rewrite_delta(root, tmp_path, lambda s: s.pop(key))
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), "delta": str(path)})
    with pytest.raises(UserError, match="1 missing key") as err:
        adapter.load()
    assert key in str(err.value) and "unexpected" not in str(err.value)


def test_delta_with_an_extra_key_is_refused(root, tmp_path):
    key = "llama_model.base_model.model.model.layers.0.mlp.up_proj.lora_A.default.weight"
    path = _rewrite_delta(root, tmp_path, lambda s: s.__setitem__(key, torch.zeros(8, 64)))
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), "delta": str(path)})
    with pytest.raises(UserError, match="1 unexpected key") as err:
        adapter.load()
    assert key in str(err.value)


def test_delta_with_a_wrong_rank_is_refused(root):
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), "lora_r": "4"})
    with pytest.raises(UserError, match="wrong shape"):
        adapter.load()


def test_describe_names_what_changes_answers(merged):
    described = merged.describe()
    assert described["delta"] == "lamm_tiny" and described["llm"] == "vicuna-tiny"
    assert described["prompt_style"] == "auto" and described["merge_lora"] is True
    assert described["dtype"] == "float32" and described["epcl"] is None


def test_merged_weight_is_base_plus_scaled_lora_product(root, merged):
    from safetensors.torch import load_file

    base = load_file(str(root / "vicuna-tiny" / "model.safetensors"))["model.layers.1.self_attn.o_proj.weight"]
    delta = torch.load(root / "lamm_tiny" / "pytorch_model.pt", weights_only=True)
    stem = "llama_model.base_model.model.model.layers.1.self_attn.o_proj"
    lora_a, lora_b = delta[f"{stem}.lora_A.default.weight"].float(), delta[f"{stem}.lora_B.default.weight"].float()
    expected = base + (lora_b @ lora_a) * (tiny_lamm.LORA_ALPHA / tiny_lamm.LORA_R)
    got = merged.model.llama_model.model.layers[1].self_attn.o_proj.weight
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    proj = merged.model.llama_proj
    torch.testing.assert_close(proj.weight, delta["llama_proj.weight"].float())
    torch.testing.assert_close(proj.bias, delta["llama_proj.bias"].float())


def test_clip_torchscript_archive_loads_the_same_tower(root, tmp_path):
    import warnings

    import open_clip

    from lamm_bench.model_adapters.lamm.vision import load_clip_visual

    clip = open_clip.create_model(tiny_lamm.CLIP_NAME, force_quick_gelu=True)
    clip.load_state_dict(torch.load(root / "clip" / "ViT-L-14.pt", weights_only=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.script(clip.eval()).save(str(tmp_path / "ViT-L-14.pt"))  # OpenAI ships a TorchScript archive
    from_jit = load_clip_visual(tmp_path / "ViT-L-14.pt", tiny_lamm.CLIP_NAME)
    from_state = load_clip_visual(root / "clip" / "ViT-L-14.pt", tiny_lamm.CLIP_NAME)
    for (name, a), (_, b) in zip(from_jit.state_dict().items(), from_state.state_dict().items()):
        assert torch.equal(a, b), name


def test_clip_file_missing_a_vision_key_is_refused(root, tmp_path):
    from lamm_bench.model_adapters.lamm.vision import load_clip_visual

    state = torch.load(root / "clip" / "ViT-L-14.pt", weights_only=True)
    del state["visual.ln_pre.bias"]
    torch.save(state, tmp_path / "clip.pt")
    with pytest.raises(UserError, match="1 missing key.*ln_pre.bias"):
        load_clip_visual(tmp_path / "clip.pt", tiny_lamm.CLIP_NAME)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_cuda_half_precision_runs_and_agrees_with_cpu(root, merged, images, dtype):
    gpu = _adapter(root, device="cuda", dtype=dtype)
    assert gpu.model.device.type == "cuda" and gpu.model.dtype == getattr(torch, dtype)
    request = _choice("Which animal?", images[0], ("cat", "dog", "a bird"), prefix="The answer is ")
    np.testing.assert_allclose(gpu.score_choices([request])[0].option_scores,
                               merged.score_choices([request])[0].option_scores, atol=0.1)
    requests = [_gen("What is in the image?", images[0], max_new_tokens=8),
                _gen("Describe the picture.", images[1], max_new_tokens=8, do_sample=True, top_p=0.9)]
    outputs = gpu.generate(requests)
    assert len(outputs) == 2 and all(o.n_tokens <= 8 for o in outputs)



def test_max_new_tokens_caps_every_answer_and_goes_into_the_fingerprint(root, merged, images):
    long = _gen("Describe the picture in detail.", images[1], max_new_tokens=12, stop=())
    full = merged.generate([long])[0]
    capped_adapter = _adapter(root, max_new_tokens="4")
    capped = capped_adapter.generate([long, _gen("Count the cats.", images[2], max_new_tokens=2, stop=())])
    assert full.n_tokens > 4 and capped[0].n_tokens == 4
    assert full.text.startswith(capped[0].text)  # greedy: the capped answer is the full one's first 4 tokens
    assert capped[1].n_tokens <= 2  # a smaller budget of the request itself still holds
    assert capped_adapter.describe()["max_new_tokens"] == 4
    assert "max_new_tokens" not in merged.describe()  # no cap: fingerprints of existing stores stay as they were
    with pytest.raises(UserError, match="max_new_tokens cannot be negative"):
        LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), "max_new_tokens": "-1"})


def test_loading_prints_no_library_future_warning(root):
    """peft reads transformers' deprecated ``is_gradient_checkpointing`` while adding LoRA; its FutureWarning used to
    reach the terminal on every model load (evaluation and training share ``add_lora``)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _adapter(root)
    assert [str(w.message) for w in caught if issubclass(w.category, FutureWarning)] == []
