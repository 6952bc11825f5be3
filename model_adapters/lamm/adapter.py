"""The ``lamm`` adapter: lamm-bench requests in, the native LAMM model's answers and option scores out.

Construction only parses ``--model-arg`` values into a frozen :class:`LammConfig`; ``load()`` first checks
that every weight file exists (``MissingWeightsError`` before torch is imported), then builds the model.
Generation uses the reference's generation image transform (Resize(224) + CenterCrop(224)) and left-padded
batches; choice scoring uses the training/PPL transform (Resize((224, 224))) and scores each option by its
mean token log-probability (ChEF's PPL rule). Prompts follow ``prompt_style`` (see :mod:`.prompt`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from lamm_bench.adapter import CHOICE, DECODED, GENERATE, IMAGE, POINT_CLOUD, Adapter, config_from_args
from lamm_bench.errors import UserError
from lamm_bench.model_adapters.lamm.config import LammConfig, resolve_weights
from lamm_bench.model_adapters.lamm.prompt import (
    LAYOUT_VERSION,
    ChoiceLayout,
    choice_layouts,
    choice_prompt,
    generation_layout,
    tag_modality,
    user_prompt,
)
from lamm_bench.media import NO_MEDIA, Media
from lamm_bench.records import GenerationSettings, Request, Response, fill_option

logger = logging.getLogger(__name__)

LAMM_NUM_POINTS = 40_000
"""Points sampled per scene when a request does not say (the reference's default)."""


SCENES_KEPT = 128
"""Encoded scenes a 3D model keeps between batches (2.6 MB each for LAMM-13B's 256 tokens in float16)."""
IMAGES_KEPT = 1024
"""Resized images kept between batches, for every 2D model of the process (150 KB each at 224x224)."""


class Recent:
    """The ``limit`` most recently used values by key."""

    def __init__(self, limit: int):
        self.limit = limit
        self.values: OrderedDict = OrderedDict()

    def get(self, key):
        """The value kept for ``key`` (now the most recent), or None."""
        value = self.values.get(key)
        if value is not None:
            self.values.move_to_end(key)
        return value

    def put(self, key, value):
        """Keep ``value`` for ``key``, dropping the least recently used beyond the limit; returns ``value``."""
        self.values[key] = value
        self.values.move_to_end(key)
        while len(self.values) > self.limit:
            self.values.popitem(last=False)
        return value


_RESIZED = Recent(IMAGES_KEPT)
"""(transform, file stamps) -> the image after the transform's PIL steps (model-independent)."""


def _stamp(path: str) -> tuple:
    """A file as the caches know it: path, size and modification time (just the path if it cannot be read: the
    reader then reports it)."""
    try:
        stat = os.stat(path)
    except OSError:
        return (path,)
    return (path, stat.st_size, stat.st_mtime_ns)


class LammAdapter(Adapter):
    """The native LAMM model (2D with the CLIP tower, 3D with EPCL)."""

    media = DECODED
    """The runner hands over each batch's decoded images / point clouds (decoded ahead when prefetch is on)."""

    def __init__(self, args: Mapping[str, str]):
        self.config: LammConfig = config_from_args(LammConfig, args, adapter="lamm")
        media = POINT_CLOUD if self.config.modality == "point_cloud" else IMAGE
        self.capabilities = frozenset({GENERATE, CHOICE, media})
        self._model = None
        self._scenes = Recent(SCENES_KEPT)

    def load(self) -> None:
        """Find the weights (failing fast with every path tried), then build the model."""
        paths = resolve_weights(self.config)
        from lamm_bench.model_adapters.lamm.model import build_model

        if self.config.clip_config_dir:
            from lamm_bench.model_adapters.lamm.vision import register_clip_configs

            register_clip_configs(self.config.clip_config_dir, who="adapter 'lamm'")
        self._model = build_model(self.config, paths)
        self._scenes = Recent(SCENES_KEPT)  # features of the model loaded before are not this one's

    def describe(self) -> Mapping[str, object]:
        """Settings that change answers: which weights, prompt style, precision, LoRA handling (not ``kv_cache``,
        which changes only the speed)."""
        c = self.config
        return {
            "adapter": "lamm",
            "llm": c.llm or c.llm_name,
            "delta": c.delta or c.delta_name,
            "clip": c.clip or "ViT-L-14.pt",
            "epcl": (c.epcl or "epcl_scannet_vit-L-14_256tokens") if c.modality == "point_cloud" else None,
            "modality": c.modality,
            "clip_model": c.clip_model,
            "prompt_style": c.prompt_style,
            "layout_version": LAYOUT_VERSION,
            "dtype": c.dtype,
            "device": c.device,
            "merge_lora": c.merge_lora,
            "lora": [c.lora_r, c.lora_alpha],
            "num_vision_tokens": c.num_vision_tokens,
            **({"max_new_tokens": c.max_new_tokens} if c.max_new_tokens else {}),  # absent: fingerprints unchanged
            **({"option_rule": c.option_rule} if c.option_rule != "first" else {}),
        }

    @property
    def model(self):
        """The loaded :class:`~lamm_bench.model_adapters.lamm.model.LammModel`."""
        if self._model is None:
            raise RuntimeError("LammAdapter.load() must be called before inference")
        return self._model

    def _visual(self, requests: Sequence[Request], transform: str, media: Media | None = None):
        """Projected visual tokens ``[B, n, hidden]`` for the requests' images or point clouds, and which input
        each row shows (rows with the same number show the same tokens). ``media``: the batch's decoded media from
        the runner; what is not there is read on the spot.

        Each input of the batch is encoded once (LSP asks about a figure 14 times). What does not depend on the
        batch is kept between calls, since tasks ask about the same files again (``cifar10``, ``cifar10-chef``,
        ``chef-cifar10``; a scene in every 3D task): a scene's features (EPCL encodes one scene at a time, so they
        are the same whichever batch asks) and an image's resized pixels. A file is known by its path, size and
        modification time."""
        import torch

        model, media = self.model, media or NO_MEDIA
        row_keys = [self._input_key(r) for r in requests]  # each file stamped once per row
        inputs: dict[tuple, Request] = {}  # each input -> the first request that shows it
        for key, request in zip(row_keys, requests):
            inputs.setdefault(key, request)
        place = {key: i for i, key in enumerate(inputs)}
        sources = [place[key] for key in row_keys]
        if self.config.modality == "point_cloud":
            parts = []
            for key, request in inputs.items():
                features = self._scenes.get(key)
                if features is None:
                    points = media.point_cloud(request.point_cloud, num_points=key[1], seed=request.seed,
                                               corruption=request.point_corruption)  # fmt: skip
                    features = self._scenes.put(key, model.encode_points(torch.from_numpy(points[:, :3]).unsqueeze(0)))
                parts.append(features)
            encoded = torch.cat(parts, dim=0)
        else:
            from lamm_bench.model_adapters.lamm.vision import open_image, resize_transform, tensor_transform

            resize, to_tensor = resize_transform(transform), tensor_transform()
            pixels = []
            for key, request in inputs.items():
                image = _RESIZED.get((transform, *key))
                if image is None:
                    image = _RESIZED.put((transform, *key), resize(open_image(request.images, media)))
                pixels.append(to_tensor(image))
            encoded = model.encode_pixels(torch.stack(pixels))
        return encoded[sources], sources

    def _input_key(self, request: Request) -> tuple:
        """What a request's visual input is: its files' stamps, and for a point cloud the sampling and corruption."""
        if self.config.modality != "point_cloud":
            return tuple(map(_stamp, request.images))
        if not request.point_cloud:
            raise UserError(f"sample {request.sample_id}: the lamm 3D model needs a point cloud")
        return (_stamp(request.point_cloud), request.num_points or LAMM_NUM_POINTS, request.seed,
                request.point_corruption)  # fmt: skip

    def style(self, request: Request) -> str:
        """The prompt layout for a request: the configured one, or (``auto``) the request's protocol."""
        return request.protocol if self.config.prompt_style == "auto" else self.config.prompt_style

    def generation_layouts(self, requests: Sequence[Request]):
        """The token layout of each generation request (exposed for inspection and tests)."""
        tok, c = self.model.tokenizer, self.config
        return [
            generation_layout(
                tok.encode, tok.bos_id, user_prompt(r.system, r.text),
                modality=tag_modality(c.modality, self.style(r)), n_visual=c.num_vision_tokens,
                assistant_prefix=r.assistant_prefix,
            )
            for r in requests
        ]

    def generate(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Answer generation requests in one left-padded batch."""
        if not requests:
            return []
        from lamm_bench.model_adapters.lamm.decode import generate

        layouts = self.generation_layouts(requests)
        visual, sources = self._visual(requests, "center_crop", media)
        outputs = generate(self.model, layouts, visual, [self.budget(r.generation) for r in requests],
                           [r.seed for r in requests], kv_cache=self.config.kv_cache,
                           sources=sources if self.config.share_prefix else None)  # fmt: skip
        return [Response(text=o.text, n_tokens=o.n_tokens) for o in outputs]

    def budget(self, settings: GenerationSettings) -> GenerationSettings:
        """The request's decoding settings under the ``max_new_tokens`` cap, if one is set."""
        cap = self.config.max_new_tokens
        if not cap or settings.max_new_tokens <= cap:
            return settings
        return dataclasses.replace(settings, max_new_tokens=cap)

    def choice_layouts(self, request: Request) -> ChoiceLayout:
        """The shared prefix and the per-option answer turns of one choice request (ChEF's PPL sequence)."""
        tok, c = self.model.tokenizer, self.config
        style = self.style(request)
        human = choice_prompt(request.system or "", request.text, style=style)
        # ChEF puts a system text (its ICL desideratum's) before "### Human: <Img>"; its scenarios send none
        head = (request.system or "") if style == "chef" else ""
        answers = [request.assistant_prefix + fill_option(request.option_template, o) for o in request.options]
        return choice_layouts(tok.encode, tok.bos_id, human, answers, request.options,
                              modality=tag_modality(c.modality, style), n_visual=c.num_vision_tokens,
                              rule=c.option_rule, head=head)  # fmt: skip

    def score_choices(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Score every option of every request (the mean log-probability of its tokens, ChEF's PPL score); the answer
        is the option with the highest score, the first of equals. ``shared`` requests encode the image and the
        prompt once and score every option from that prefix; ``naive`` ones run one whole sequence per option."""
        if not requests:
            return []
        layouts = []
        for request in requests:
            if not request.options:
                raise UserError(f"sample {request.sample_id}: a choice request needs options")
            layout = self.choice_layouts(request)
            if not all(layout.exact):
                logger.warning("sample %s: an option's tokens are not found as such in its answer; scoring the "
                               "tokens at its position", request.sample_id)  # fmt: skip
            layouts.append(layout)
        visual, _ = self._visual(requests, "squash", media)
        scores: list[list[float]] = [[] for _ in requests]
        for group in _groups([len(r.options) for r in requests], self.config.choice_batch):
            shared = [i for i in group if requests[i].choice_scoring == "shared"]
            if shared:
                for i, own in zip(shared, self.model.shared_option_scores([layouts[i] for i in shared], visual[shared])):
                    scores[i] = own
            rows = [(i, k) for i in group if requests[i].choice_scoring != "shared" for k in range(len(layouts[i].answers))]
            if rows:
                flat = self.model.option_scores([layouts[i].full(k) for i, k in rows], visual[[i for i, _ in rows]])
                for (i, _), score in zip(rows, flat):
                    scores[i].append(score)
        return [Response(text=r.options[max(range(len(s)), key=s.__getitem__)], option_scores=tuple(s))
                for r, s in zip(requests, scores)]  # fmt: skip


def _groups(sizes: Sequence[int], budget: int) -> list[list[int]]:
    """Consecutive request indices whose options add up to at most ``budget`` sequences (a request with more options
    than that is a group of its own): one forward each, so memory stays bounded and scores do not change."""
    groups: list[list[int]] = []
    used = 0
    for index, size in enumerate(sizes):
        if groups and used + size <= budget:
            groups[-1].append(index)
            used += size
        else:
            groups.append([index])
            used = size
    return groups
