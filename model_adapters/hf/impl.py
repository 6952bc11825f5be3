"""The torch/transformers half of the ``hf`` adapter: loading, prompt rendering, batched generation (choice scoring
is :mod:`lamm_bench.model_adapters.hf.choice`).

Prompts come from the processor's chat template (the system message as a system turn when the template renders
one, else prepended to the user text; one ``{"type": "image"}`` part per image, before the text). Generation pads
on the left so every row's prompt ends at the same position.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from lamm_bench.errors import MissingWeightsError, UserError
from lamm_bench.media import Media
from lamm_bench.model_adapters._common import chunks, cut_at_stop, open_rgb
from lamm_bench.records import GenerationSettings, Request, Response

logger = logging.getLogger(__name__)

# llava-hf's chat template, used when a LLaVA directory ships none (older conversions).
LLAVA_15_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() + ': '}}"
    "{% endif %}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>\n' }}{% endfor %}{% if message['role'] != 'assistant' %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{{ content['text'] + ' '}}{% endfor %}{% else %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{% generation %}{{ content['text'] + ' '}}{% endgeneration %}{% endfor %}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)

_SYSTEM_PROBE = "LAMM_BENCH_SYSTEM_PROBE"

PREFIX_LM_FAMILIES = frozenset({"paligemma"})
"""``model_type``s with no chat template whose processor builds the prompt itself (PaliGemma's documented format:
``<image>``*n + BOS + prefix + ``"\\n"``, the prefix attended both ways). The user text is the prefix, the system
text prepended to it on its own line; an ``assistant_text`` is the suffix after the ``"\\n"``, attended causally."""

ANSWER_VERSION = "2"
"""Bumped when the same model and request give another answer: 2 = answers no longer end at a mid-answer pad
token, and a template's system message rendered as a user/assistant turn is prepended to the user text instead."""


@dataclass(frozen=True)
class LoadedModel:
    """A loaded model with everything needed to prompt it."""

    model: Any
    processor: Any
    tokenizer: Any
    device: torch.device
    dtype: torch.dtype
    system_turn: bool
    """Whether the chat template renders a system turn (else the system text is prepended to the user's)."""
    keeps_logits: bool
    """Whether ``forward`` takes ``logits_to_keep`` (saves computing logits over the whole prompt)."""
    prefix_lm: bool = False
    """A ``PREFIX_LM_FAMILIES`` model: prompted in its own format, not through a chat template."""


def resolve_dtype_device(config) -> tuple[str, str]:
    """The concrete (dtype name, device) that ``auto`` stands for on this machine."""
    if config.device_map:
        device = f"device_map={config.device_map}"
        on_cuda = torch.cuda.is_available()
    else:
        device = config.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        on_cuda = device.startswith("cuda")
    dtype = config.dtype
    if dtype == "auto":
        dtype = ("bfloat16" if torch.cuda.is_bf16_supported() else "float16") if on_cuda else "float32"
    return dtype, device


def load(directory: Path, config) -> LoadedModel:
    """Load processor and model from ``directory`` (local files only; nothing is downloaded)."""
    import transformers

    dtype_name, device_name = resolve_dtype_device(config)
    dtype = getattr(torch, dtype_name)
    common = {"trust_remote_code": config.trust_remote_code, "local_files_only": True}
    try:
        model_config = transformers.AutoConfig.from_pretrained(directory, **common)
        processor = transformers.AutoProcessor.from_pretrained(directory, **common)
    except (OSError, ValueError) as exc:
        raise UserError(f"hf model {directory}: cannot load config/processor: {_first_line(exc)}") from None
    if model_config.model_type == "llava":
        model_cls = transformers.LlavaForConditionalGeneration
    else:
        model_cls = transformers.AutoModelForImageTextToText
    kwargs: dict[str, Any] = {"dtype": dtype, **common}
    if config.device_map:
        kwargs["device_map"] = config.device_map
    try:
        model = model_cls.from_pretrained(directory, **kwargs)
    except OSError as exc:
        raise MissingWeightsError(f"hf model {directory}: weights missing or unreadable: {_first_line(exc)}") from None
    except ValueError as exc:
        raise UserError(
            f"hf model {directory}: {model_config.model_type!r} is not an image-text-to-text model this "
            f"transformers version knows ({_first_line(exc)}); if it ships its own code, add trust_remote_code=true"
        ) from None
    if not config.device_map:
        model.to(device_name)
    model.eval()
    tokenizer = getattr(processor, "tokenizer", processor)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    prefix_lm = model_config.model_type in PREFIX_LM_FAMILIES
    if getattr(processor, "chat_template", None) is None and not prefix_lm:
        if model_config.model_type != "llava":
            raise UserError(f"hf model {directory}: the processor has no chat template (chat_template.jinja)")
        logger.warning("hf model %s has no chat template; using the LLaVA-1.5 conversation format", directory)
        processor.chat_template = LLAVA_15_CHAT_TEMPLATE
    return LoadedModel(
        model=model,
        processor=processor,
        tokenizer=tokenizer,
        device=model.device,
        dtype=dtype,
        system_turn=not prefix_lm and _renders_system_turn(processor),
        keeps_logits="logits_to_keep" in inspect.signature(model.forward).parameters,
        prefix_lm=prefix_lm,
    )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _renders_system_turn(processor) -> bool:
    """Whether the chat template renders a system message as a turn of its own: it keeps the text, and not the way
    it renders the same message from the user or the assistant (a template that writes every non-user message as an
    ``ASSISTANT:`` turn would make the system text look like an earlier answer). llava-hf's LLaVA-1.5 template
    qualifies: it writes the system text bare before ``USER:``, LLaVA's own conversation format."""

    def render(role: str) -> str | None:
        messages = [
            {"role": role, "content": [{"type": "text", "text": _SYSTEM_PROBE}]},
            {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        ]
        try:
            return processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        except Exception:  # noqa: BLE001 -- templates raise anything (jinja's raise_exception) to refuse a role
            return None

    system = render("system")
    return system is not None and _SYSTEM_PROBE in system and system not in (render("user"), render("assistant"))


def render_prompt(loaded: LoadedModel, request: Request, assistant_text: str = "") -> str:
    """The prompt text for a request; a non-empty ``assistant_text`` opens the assistant turn with it."""
    text = request.text
    if loaded.prefix_lm:
        prefix = f"{request.system}\n{text}" if request.system else text
        return loaded.processor.image_token * len(request.images) + prefix + "\n" + assistant_text
    messages: list[dict[str, Any]] = []
    if request.system:
        if loaded.system_turn:
            messages.append({"role": "system", "content": [{"type": "text", "text": request.system}]})
        else:
            text = f"{request.system}\n{text}"
    content = [{"type": "image"} for _ in request.images] + [{"type": "text", "text": text}]
    messages.append({"role": "user", "content": content})
    if not assistant_text:
        return loaded.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    messages.append({"role": "assistant", "content": [{"type": "text", "text": assistant_text}]})
    return loaded.processor.apply_chat_template(messages, continue_final_message=True, tokenize=False)


def encode_inputs(loaded: LoadedModel, texts: list[str], requests: Sequence[Request], padding_side: str,
                  media: Media | None):  # fmt: skip
    """The processor's model inputs for ``texts`` with the requests' images, padded on ``padding_side``."""
    # One list of images per prompt: a flat list is read by some processors (Gemma 3's) as all the first prompt's.
    images = [[open_rgb(path, sample_id=r.sample_id, media=media) for path in r.images] for r in requests]
    if loaded.prefix_lm:
        return _encode_prefix_lm(loaded, texts, requests, images, padding_side).to(loaded.device, dtype=loaded.dtype)
    bos = loaded.tokenizer.bos_token
    # A template that writes BOS itself must not get a second one from the tokenizer.
    add_special = not (bos and texts and texts[0].startswith(bos))
    loaded.tokenizer.padding_side = padding_side
    # The side goes to the processor too: some (InternVL's) pad on their own default side whatever the tokenizer's is.
    inputs = loaded.processor(text=texts, images=images if any(images) else None, padding=True,
                              padding_side=padding_side, return_tensors="pt", add_special_tokens=add_special)  # fmt: skip
    if "attention_mask" in inputs:
        _check_padding(loaded, inputs["attention_mask"], padding_side)
    return inputs.to(loaded.device, dtype=loaded.dtype)


def _check_padding(loaded: LoadedModel, mask: torch.Tensor, side: str) -> None:
    """Refuse a processor that padded on the other side: generation (left) and choice scoring (right) read every
    row's tokens by position, and would silently read pad tokens as the prompt's."""
    steps = mask[:, 1:].long() - mask[:, :-1].long()  # +1 where padding ends (left), -1 where it starts (right)
    if bool((steps > 0).any() if side == "right" else (steps < 0).any()):
        raise UserError(f"hf model {loaded.model.config.model_type!r}: its processor ignores padding_side={side!r}")


def _encode_prefix_lm(loaded: LoadedModel, texts: list[str], requests: Sequence[Request], images: list[list[Any]],
                      padding_side: str):  # fmt: skip
    """A ``PREFIX_LM_FAMILIES`` batch: the processor builds each prompt (image tokens + BOS + prefix + ``"\\n"``, token
    type 0); the text after it is appended as the suffix (token type 1), as the processor encodes a training suffix,
    without its EOS."""
    from transformers import BatchFeature

    for request, mine in zip(requests, images):
        if not mine:
            raise UserError(f"sample {request.sample_id!r}: this model ({loaded.model.config.model_type}) "
                            "answers only prompts with an image")  # fmt: skip
    heads = [render_prompt(loaded, r) for r in requests]
    loaded.tokenizer.padding_side = "right"
    built = loaded.processor(text=[h[: -len("\n")] for h in heads], images=images, padding=True, padding_side="right",
                             return_tensors="pt")  # fmt: skip
    _check_padding(loaded, built["attention_mask"], "right")
    rows, types = [], []
    for ids, mask, head, text in zip(built["input_ids"].tolist(), built["attention_mask"].tolist(), heads, texts):
        tail = loaded.tokenizer(text[len(head) :], add_special_tokens=False)["input_ids"] if text != head else []
        rows.append(ids[: sum(mask)] + tail)
        types.append([0] * sum(mask) + [1] * len(tail))
    width = max(len(row) for row in rows)

    def pad(row: list[int], fill: int) -> list[int]:
        gap = [fill] * (width - len(row))
        return gap + row if padding_side == "left" else row + gap

    return BatchFeature({
        "input_ids": torch.tensor([pad(row, loaded.tokenizer.pad_token_id) for row in rows]),
        "attention_mask": torch.tensor([pad([1] * len(row), 0) for row in rows]),
        "token_type_ids": torch.tensor([pad(row, 0) for row in types]),
        "pixel_values": built["pixel_values"],
    })  # fmt: skip


def generate(
    loaded: LoadedModel, requests: Sequence[Request], batch_size: int | None, media: Media | None = None, *,
    kv_cache: str = "dynamic",
) -> list[Response]:
    """Generate for every request, batching requests that share decoding settings (``media``: the runner's decoded
    images, by path; ``kv_cache``: ``static`` where :func:`static_cache_kwargs` allows, else ``dynamic``)."""
    cache = static_cache_kwargs(loaded.model) if kv_cache == "static" else {}
    responses: list[Response | None] = [None] * len(requests)
    by_settings: dict[GenerationSettings, list[int]] = {}
    for index, request in enumerate(requests):
        by_settings.setdefault(request.generation, []).append(index)
    for settings, indices in by_settings.items():
        for chunk in chunks(indices, batch_size or len(indices)):
            batch = [requests[i] for i in chunk]
            for i, response in zip(chunk, _generate_batch(loaded, batch, settings, media, cache)):
                responses[i] = response
    return responses  # type: ignore[return-value]


def static_cache_kwargs(model) -> dict[str, Any]:
    """``generate()``'s arguments for a static KV cache where the model's class can run on one (transformers marks
    such classes ``_can_compile_fullgraph``), else none (its default dynamic cache). Never compiled: transformers
    would compile the forward on a GPU, once per new batch shape, which a benchmark's varied batches make slower."""
    if getattr(model, "_can_compile_fullgraph", False) and model._supports_default_dynamic_cache():
        return {"cache_implementation": "static", "disable_compile": True}
    return {}


def _generate_batch(
    loaded: LoadedModel, batch: Sequence[Request], settings: GenerationSettings, media: Media | None,
    cache: dict[str, Any],
) -> list[Response]:
    texts = [render_prompt(loaded, r, r.assistant_prefix) for r in batch]
    inputs = encode_inputs(loaded, texts, batch, "left", media)
    kwargs: dict[str, Any] = {"max_new_tokens": settings.max_new_tokens, "do_sample": settings.do_sample, **cache}
    if settings.do_sample:
        # Sampled answers are reproducible for the same batch composition (one generator per batch).
        torch.manual_seed(batch[0].seed)
        kwargs.update(temperature=settings.temperature, top_p=settings.top_p, top_k=settings.top_k)
    stops = [s for s in settings.stop if s]
    output = _run_generate(loaded, inputs, kwargs, stops)
    new_tokens = output[:, inputs["input_ids"].shape[1] :].tolist()
    ends, pad = _end_ids(loaded), loaded.tokenizer.pad_token_id
    responses = []
    for row in new_tokens:
        n = next((k for k, token in enumerate(row) if token in ends), len(row))
        if stops and pad not in ends:
            # A row stopped by a stop string is filled with pad up to the batch's length: not the answer's tokens.
            while n and row[n - 1] == pad:
                n -= 1
        text = loaded.tokenizer.decode(row[:n], skip_special_tokens=True)
        responses.append(Response(text=cut_at_stop(text, stops).strip(), n_tokens=n))
    return responses


def _run_generate(loaded: LoadedModel, inputs, kwargs: dict[str, Any], stops: list[str]):
    kwargs = {**kwargs, "pad_token_id": loaded.tokenizer.pad_token_id}
    if stops:
        # Stopping inside generate() saves the tokens after a stop string; the text is cut afterwards anyway.
        kwargs.update(stop_strings=stops, tokenizer=loaded.tokenizer)
    with torch.inference_mode():
        try:
            return loaded.model.generate(**inputs, **kwargs)
        except ValueError as exc:
            if not stops or "stop string" not in str(exc).lower():
                raise
            # A stop string made of characters the vocabulary lacks: generate to max_new_tokens, cut after.
            logger.debug("stop strings %r not usable inside generate(): %s", stops, exc)
            del kwargs["stop_strings"], kwargs["tokenizer"]
            return loaded.model.generate(**inputs, **kwargs)


def _end_ids(loaded: LoadedModel) -> set[int]:
    """The tokens ``generate()`` itself stops at: the generation config's ``eos_token_id`` (one or a list). Not the
    pad token: a model may write it mid-answer, and ``generate`` goes on (the decoded text skips it)."""
    eos = loaded.model.generation_config.eos_token_id
    return {e for e in (eos if isinstance(eos, list) else [eos]) if e is not None}
