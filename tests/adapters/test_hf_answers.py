"""The ``hf`` adapter answers what a bare ``model.generate`` loop answers, and detects system turns truthfully.

The tiny LLaVA here writes its ``<pad>`` token mid-answer (its LM-head row copies a common token's), which
``generate`` does not stop at; an adapter that did would cut those answers short.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from lamm_bench.model_adapters.hf import impl as _hf_impl  # noqa: E402
from lamm_bench.model_adapters._common import cut_at_stop  # noqa: E402
from lamm_bench.model_adapters.hf import HFAdapter  # noqa: E402
from lamm_bench.records import GenerationSettings, Request  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_hf  # noqa: E402

SYSTEM = "You are a helpful assistant."
QUESTIONS = ["what is in the image ?", "How many objects are there?", "cat", "Is the person smiling?", "a dog"]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def pad_llava(tmp_path_factory) -> Path:
    return tiny_hf.build_tiny_llava(tmp_path_factory.mktemp("models") / "pad-llava", pad_like="gh")


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> str:
    return tiny_hf.write_image(tmp_path_factory.mktemp("images") / "red.png", (255, 0, 0))


def _bare_generate(directory: Path, question: str, image: str | None, max_new_tokens: int, stop: str | None):
    """One request through the plain transformers API: (new token ids, answer text)."""
    from PIL import Image
    from transformers import AutoProcessor, LlavaForConditionalGeneration

    processor = AutoProcessor.from_pretrained(directory)
    model = LlavaForConditionalGeneration.from_pretrained(directory).eval()
    text = f"{SYSTEM} USER: {'<image>' + chr(10) if image else ''}{question} ASSISTANT:"
    inputs = processor(text=[text], images=[Image.open(image).convert("RGB")] if image else None, return_tensors="pt")
    extra = {"stop_strings": [stop], "tokenizer": processor.tokenizer} if stop else {}
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                                pad_token_id=processor.tokenizer.pad_token_id, **extra)  # fmt: skip
    tokens = output[0, inputs["input_ids"].shape[1] :].tolist()
    answer = processor.tokenizer.decode(tokens, skip_special_tokens=True)
    return tokens, cut_at_stop(answer, [stop] if stop else []).strip()


def test_answers_equal_a_bare_generate_loop_when_the_model_writes_its_pad_token(pad_llava, image):
    adapter = HFAdapter({"path": str(pad_llava), "device": "cpu"})
    adapter.load()
    pad = adapter._loaded.tokenizer.pad_token_id
    cases = [(q, image if i % 2 == 0 else None, 16, None) for i, q in enumerate(QUESTIONS)]
    cases.append((QUESTIONS[0], image, 16, "two"))  # a stop string after the pad
    requests = [
        Request(sample_id=str(i), kind="generate", system=SYSTEM, text=q, images=(img,) if img else (),
                generation=GenerationSettings(max_new_tokens=n, stop=(stop,) if stop else ()))
        for i, (q, img, n, stop) in enumerate(cases)
    ]  # fmt: skip
    bare = [_bare_generate(pad_llava, *case) for case in cases]
    # The test can fail: the bare loop's answers go on after a <pad> written mid-answer.
    mid = [tokens for tokens, _ in bare if pad in tokens[:-1] and tokens[tokens.index(pad) + 1] != pad]
    assert len(mid) >= 3, [tokens for tokens, _ in bare]
    expected = [answer for _, answer in bare]
    assert [r.text for r in adapter.generate(requests)] == expected  # batched
    alone = [adapter.generate([r])[0] for r in requests]
    assert [r.text for r in alone] == expected
    assert all(r.n_tokens == len(tokens) for r, (tokens, _) in zip(alone, bare))
    assert expected[-1] and expected[-1] != expected[0]  # the stop string did cut
    assert adapter.describe()["answer_version"] == "2"  # answers stored by the pad-cutting code are not reused


def _processor(llava_dir_template: str | None, pad_llava: Path):
    from transformers import AutoProcessor

    processor = copy.copy(AutoProcessor.from_pretrained(pad_llava))
    processor.chat_template = llava_dir_template
    return processor


def test_llava_15_template_renders_the_system_message_as_llavas_own_system_turn(pad_llava):
    processor = _processor(tiny_hf.LLAVA_15_CHAT_TEMPLATE, pad_llava)
    messages = [{"role": "system", "content": [{"type": "text", "text": "S."}]},
                {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "q"}]}]  # fmt: skip
    # LLaVA-1.5's conversation format (conv_vicuna_v1): the system text, then " USER: ...", no role of its own.
    assert processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) == (
        "S. USER: <image>\nq ASSISTANT:"
    )
    assert _hf_impl._renders_system_turn(processor) is True


SYSTEM_AS_ASSISTANT = (
    "{% for message in messages %}{% if message['role'] == 'user' %}USER: {% else %}ASSISTANT: {% endif %}"
    "{% for c in message['content'] | selectattr('type', 'equalto', 'text') %}{{ c['text'] + ' ' }}{% endfor %}"
    "{% endfor %}{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)
SYSTEM_AS_USER = SYSTEM_AS_ASSISTANT.replace("message['role'] == 'user'", "message['role'] != 'assistant'")


@pytest.mark.parametrize("template", [SYSTEM_AS_ASSISTANT, SYSTEM_AS_USER], ids=["as-assistant", "as-user"])
def test_a_system_message_rendered_as_another_role_is_not_a_system_turn(template, pad_llava):
    processor = _processor(template, pad_llava)
    probe = [{"role": "system", "content": [{"type": "text", "text": "S."}]},
             {"role": "user", "content": [{"type": "text", "text": "q"}]}]  # fmt: skip
    assert "S." in processor.apply_chat_template(probe, add_generation_prompt=True, tokenize=False)
    assert _hf_impl._renders_system_turn(processor) is False
