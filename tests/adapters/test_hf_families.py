"""The ``hf`` adapter proven on every family of ``tiny_families.FAMILIES`` (issue 22): a tiny random checkpoint of each,
saved in the real format with the family's processor and chat template, run through the adapter.

For each family: batched generation equals one-by-one and a bare ``model.generate`` loop on the processor's own
inputs (greedy, token count and text); the system message lands where the template puts it (the exact prompt);
shared-prefix and naive choice scoring equal a per-option log-likelihood computed by hand (1e-4, same choice); grey,
RGBA, palette and 20x30 images work. Every batch and choice call mixes pictures the family's processor cuts into
different numbers of crops, tiles or patches (except where it makes every picture the same size: ``FIXED_SIZE``).
``docs/adapters.md``'s family table is what these tests establish (``test_docs_table_is_what_the_tests_prove``).

Tiny models run on one intra-op thread: on a busy 2-core machine torch's thread pool spins for most of the CPU time
(about 4x the CPU and wall time of one thread here).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from lamm_bench.errors import UserError  # noqa: E402
from lamm_bench.model_adapters.hf import HFAdapter  # noqa: E402
from lamm_bench.model_adapters.hf import impl as hf_impl  # noqa: E402
from lamm_bench.records import GenerationSettings, Request, fill_option  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_families  # noqa: E402

FAMILIES = {family.name: family for family in tiny_families.FAMILIES}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "adapters.md"
NEW_TOKENS = 3
FIXED_SIZE = frozenset({"LLaVA-1.5", "PaliGemma", "Gemma 3"})
"""Families whose processor makes every picture the same number of tokens (Gemma 3: pan-and-scan is off by
default)."""


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def odd_images(tmp_path_factory) -> list[str]:
    """Grey (L) 40x32, RGBA 40x20, palette (P) 36x36 and RGB 20x30 images, each with its own content. Their shapes
    make the tiling families cut them differently: LLaVA-NeXT 3/3/2/3 patches, InternVL 1/3/1/3 crops, Idefics3
    5/3/5/5 splits, Mllama's aspect ratios 2/2/1/3, Qwen 24/24/16/24 patches, Mistral3's and OneVision's token
    counts."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("odd")
    made = [
        Image.new("L", (40, 32), 90),
        Image.new("RGBA", (40, 20), (200, 30, 30, 128)),
        Image.new("RGB", (36, 36), (20, 200, 40)).convert("P", palette=Image.Palette.ADAPTIVE),
        Image.new("RGB", (20, 30), (10, 10, 220)),
    ]
    made[0].paste(200, (10, 8, 30, 24))
    paths = []
    for i, image in enumerate(made):
        paths.append(str(folder / f"{i}-{image.mode}.png"))
        image.save(paths[-1])
    return paths


@pytest.fixture(scope="module", params=list(FAMILIES))
def model(request, tmp_path_factory) -> HFAdapter:
    """The family's tiny checkpoint, built once per module and loaded through the adapter."""
    family = FAMILIES[request.param]
    directory = family.build(tmp_path_factory.mktemp("families") / request.param.replace(" ", "_"))
    adapter = HFAdapter({"path": str(directory), "device": "cpu"})
    adapter.load()
    adapter.family = family
    return adapter


def _gen(text: str, image: str, system: str = "Be brief.") -> Request:
    return Request(sample_id=text[:8], kind="generate", system=system, text=text, images=(image,),
                   generation=GenerationSettings(max_new_tokens=NEW_TOKENS, stop=()))  # fmt: skip


def _processor_inputs(loaded, request: Request, text: str):
    """The processor's own inputs for one prompt, as its model card shows (PaliGemma's processor adds BOS and
    the ``\\n`` itself)."""
    from PIL import Image

    if loaded.prefix_lm:
        text = text[: -len("\n")]
    images = [[Image.open(path).convert("RGB") for path in request.images]]
    bos = loaded.tokenizer.bos_token
    inputs = loaded.processor(text=[text], images=images, return_tensors="pt",
                              add_special_tokens=not (bos and text.startswith(bos)))  # fmt: skip
    inputs.pop("labels", None)  # PaliGemma's processor makes training labels too
    return inputs


def test_prompt_puts_the_system_message_where_the_family_does(model, odd_images):
    request = _gen("what is in the image ?", odd_images[3])
    assert hf_impl.render_prompt(model._loaded, request) == model.family.prompt


def _picture_size(inputs) -> tuple:
    """What the processor made of a prompt's pictures: their tensors' shapes, tile layouts and grids."""
    keys = ("pixel_values", "aspect_ratio_ids", "image_grid_thw", "image_sizes", "pixel_attention_mask")
    return tuple(tuple(inputs[k].flatten().tolist() if k != "pixel_values" else inputs[k].shape) for k in keys
                 if k in inputs)  # fmt: skip


def test_generation_batched_equals_single_and_a_bare_generate_loop(model, odd_images):
    """Three prompts whose pictures the family cuts differently, at batch 3. The regression test for images handed to
    the processor as one flat list (the adapter's code before 6d402cb): checked to fail with it, for Gemma 3 and
    Mllama, whose processors read a flat list as all the first prompt's (ValueError)."""
    requests = [_gen(q, image) for q, image in zip(["what is in the image ?", "How many objects?", "cat or dog?"],
                                                   odd_images[1:])]  # fmt: skip
    batched = model.generate(requests)
    assert batched == [model.generate([r])[0] for r in requests]
    loaded = model._loaded
    sizes = set()
    for request, response in zip(requests, batched):
        inputs = _processor_inputs(loaded, request, hf_impl.render_prompt(loaded, request))
        sizes.add(_picture_size(inputs))
        with torch.inference_mode():
            output = loaded.model.generate(**inputs, max_new_tokens=NEW_TOKENS, do_sample=False)
        tokens = output[0, inputs["input_ids"].shape[1] :].tolist()
        assert response.n_tokens == len(tokens) == NEW_TOKENS  # special tokens are never written (tiny_families)
        assert response.text == loaded.tokenizer.decode(tokens, skip_special_tokens=True).strip() != ""
    assert len(sizes) == 1 if model.family.name in FIXED_SIZE else len(sizes) > 1


def _by_hand(loaded, request: Request, option: str) -> float:
    """Mean log-prob of the option's tokens (those of the whole text beyond its common prefix with the text before
    the option) after the prompt, the whole sequence through the model once, from the processor's own inputs."""
    answer = request.assistant_prefix + fill_option(request.option_template, option)
    full = hf_impl.render_prompt(loaded, request, answer)
    before = loaded.tokenizer(full[: -len(option)], add_special_tokens=False)["input_ids"]
    whole = loaded.tokenizer(full, add_special_tokens=False)["input_ids"]
    n = len(whole) - next(k for k in range(len(whole) + 1) if k == len(before) or k == len(whole) or whole[k] != before[k])
    if loaded.prefix_lm:  # the answer is PaliGemma's causal suffix (token type 1) after the processor's prompt
        inputs = _processor_inputs(loaded, request, hf_impl.render_prompt(loaded, request))
        head = inputs["input_ids"].shape[1]
        tail = torch.tensor([loaded.tokenizer(answer, add_special_tokens=False)["input_ids"]])
        inputs["input_ids"] = torch.cat([inputs["input_ids"], tail], dim=1)
        inputs["attention_mask"] = torch.ones_like(inputs["input_ids"])
        inputs["token_type_ids"] = (torch.arange(inputs["input_ids"].shape[1]) >= head).long()[None]
    else:
        inputs = _processor_inputs(loaded, request, full)
    ids = inputs["input_ids"][0]
    with torch.inference_mode():
        log_probs = torch.log_softmax(loaded.model(**inputs).logits[0].double(), dim=-1)
    return sum(log_probs[len(ids) - n - 1 + k, ids[len(ids) - n + k]].item() for k in range(n)) / n


def test_shared_prefix_and_naive_choice_scores_equal_the_per_option_log_likelihood(model, odd_images, request):
    """Two requests in one call, their pictures cut differently (InternVL: 1 and 3 crops), options of different
    lengths: the naive path runs rows of both requests in one right-padded batch. Checked to fail for InternVL with
    the padding side set on the tokenizer only (the code before this test): its processor pads on the left by
    default, so scoring read its rows off by their padding (the first option -6.35 for -5.77) and the shared path
    never found a shared prefix."""
    if model.family.choice_broken:
        request.applymarker(pytest.mark.xfail(reason=model.family.choice_broken, strict=True))
    requests = [  # two pictures in one call
        Request(sample_id="a", kind="choice", system="", text="The photo of the", images=(odd_images[0],),
                options=("cat", "ship", "airplane"), option_template="The object in the image is {}"),
        Request(sample_id="b", kind="choice", system="Be brief.", text="What color?", images=(odd_images[1],),
                options=("(A", "(B"), option_template="The answer is {}", assistant_prefix="Red, so"),
    ]  # fmt: skip
    shared = model.score_choices(requests)
    naive = model.score_choices([dataclasses.replace(r, choice_scoring="naive") for r in requests])
    for asked, response, plain in zip(requests, shared, naive):
        expected = [_by_hand(model._loaded, asked, o) for o in asked.options]
        assert response.option_scores == pytest.approx(expected, abs=1e-4)
        assert plain.option_scores == pytest.approx(expected, abs=1e-4)
        assert response.text == plain.text == asked.options[expected.index(max(expected))]


def test_inputs_are_padded_on_the_side_asked_or_refused(model, odd_images):
    """Generation reads rows padded on the left, choice scoring on the right; the processor is told the side (not
    only the tokenizer: InternVL's processor pads on its own default side), and one that pads on the other side
    anyway is refused in one line."""
    requests = [_gen("what is in the image ? " * 4, odd_images[2]), _gen("Is it red?", odd_images[3])]
    loaded = model._loaded
    texts = [hf_impl.render_prompt(loaded, r) for r in requests]
    for side, first in (("left", 0), ("right", -1)):
        mask = hf_impl.encode_inputs(loaded, texts, requests, side, None)["attention_mask"]
        assert mask[0].all() and mask[1, first] == 0  # the short row's padding is on the side asked

    class Contrary:  # pads on the side it was not asked for
        def __getattr__(self, name):
            return getattr(loaded.processor, name)

        def __call__(self, *args, padding_side, **kwargs):
            return loaded.processor(*args, padding_side="left" if padding_side == "right" else "right", **kwargs)

    contrary = dataclasses.replace(loaded, processor=Contrary())
    with pytest.raises(UserError, match=r"^hf model '\w+': its processor ignores padding_side='right'$"):
        hf_impl.encode_inputs(contrary, texts, requests, "right", None)


def test_a_family_the_adapter_cannot_run_fails_at_load_in_one_line(tmp_path):
    """A text-only checkpoint (no image-text-to-text class) is refused at load, with one line saying so."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tok = tiny_families.tokenizer(None, "<|im_end|>", "<|endoftext|>")
    Qwen2ForCausalLM(Qwen2Config(**tiny_families.TEXT, vocab_size=len(tok))).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    with pytest.raises(UserError) as info:
        HFAdapter({"path": str(tmp_path), "device": "cpu"}).load()
    assert "\n" not in str(info.value) and "'qwen2'" in str(info.value)


def test_docs_table_is_what_the_tests_prove():
    """The family table in docs/adapters.md is ``tiny_families.table()``: every cell is asserted by a test above
    (regenerate with ``python tests/adapters/tiny_families.py``)."""
    assert tiny_families.table() in DOCS.read_text()
