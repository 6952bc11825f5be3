"""Shared pieces of the LAMM 3D tasks: point-cloud requests, ChEF's 3D decoding, ground-truth checks (the system
messages and instruction texts are in ``prompts3d``)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.pointcloud import LAMM_NUM_POINTS
from lamm_bench.records import GenerationSettings, Request, Sample, SampleScore
from lamm_bench.rows import Overlay
from lamm_bench.task import Stage, needs, stage_needs

CHEF_3D = GenerationSettings(max_new_tokens=128, stop=("\n###", "###"))
"""ChEF's 3D recipes: the ``Direct3D`` inferencer ignores the recipe and the model's default of 128 applies; greedy."""

POINT_EXTRA: Mapping[str, Any] = {"num_points": LAMM_NUM_POINTS}
"""Recorded in results: points drawn per scene (seeded; with replacement only when a scene has fewer)."""


def with_points(stage: Stage, num_points: int = LAMM_NUM_POINTS) -> Stage:
    """Wrap a request plan so every request asks the adapter for ``num_points`` points of the sample's scene."""

    def stage_3d(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
        return [dataclasses.replace(r, num_points=num_points) for r in stage(sample, previous, seed)]

    stage_3d.__name__ = getattr(stage, "__name__", "stage") + "_3d"
    return needs(*stage_needs(stage))(stage_3d)


def _box(value: Any, sample: Sample, what: str) -> list[float]:
    ok = (
        isinstance(value, list)
        and len(value) == 6
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    )
    if not ok:
        raise UserError(f"{sample.source}: sample {sample.id}: {what} should be [cx, cy, cz, l, w, h], got {value!r}")
    return [float(v) for v in value]


def detection_objects(sample: Sample) -> list[dict[str, Any]]:
    """The sample's ``object`` list, checked: each ``{"label": str, "bbox": [cx, cy, cz, l, w, h]}``."""
    objects = sample.target["object"]
    out = []
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict) or not isinstance(obj.get("label"), str):
            raise UserError(f"{sample.source}: sample {sample.id}: object {i} should have a string 'label'")
        out.append({"label": obj["label"], "bbox": _box(obj.get("bbox"), sample, f"object {i} 'bbox'")})
    return out


def grounding_box(sample: Sample) -> list[float]:
    """The sample's one target box: ``object`` as ``[cx, cy, cz, l, w, h]`` (also accepted: ``{"bbox": ...}`` or a
    one-element list of either, since the record schema is reconstructed, not published)."""
    obj = sample.target["object"]
    if isinstance(obj, list) and len(obj) == 1 and isinstance(obj[0], (list, dict)):
        obj = obj[0]
    if isinstance(obj, dict):
        obj = obj.get("bbox")
    return _box(obj, sample, "'object'")


def detection_overlay(sample: Sample, parsed: Mapping[str, Any]) -> Overlay:
    """3D detection's boxes side by side: the labeled ground truth and the answer's boxes, each with the text before
    it where the answer has bracketed boxes (else the reference parser's boxes, unnamed)."""
    labeled = parsed["labeled_boxes"]
    return Overlay.of(gt_boxes=[(o["label"], o["bbox"]) for o in detection_objects(sample)],
                      pred_boxes=labeled or [("", box) for box in parsed["boxes"]])  # fmt: skip


def grounding_overlay(sample: Sample, parsed: Any) -> Overlay:
    """3D grounding's boxes side by side: the target and the answer's first box (the one scored)."""
    return Overlay.of(gt_boxes=[("", grounding_box(sample))], pred_boxes=[("", parsed)] if parsed is not None else [])


def unparsed_rate(scores: Sequence[SampleScore]) -> float:
    """Percent of samples whose answer yielded nothing usable."""
    return 100.0 * sum(s.unparsed for s in scores) / len(scores) if scores else 0.0


