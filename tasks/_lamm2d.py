"""Shared pieces of the LAMM 2D task modules: checked ground truth (VOC objects, LSP joints), image sizes, the
share of unparsed answers.

Ground-truth checks raise ``UserError`` naming the meta file and sample, so a malformed record gives a one-line
message instead of a traceback deep in a metric. Image sizes (needed to normalize LSP joints, which are stored in
pixels) are read from the image header with PIL once per path and cached.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.records import Sample, SampleScore
from lamm_bench.rows import Overlay


def _numbers(value: Any, n: int) -> bool:
    return (
        isinstance(value, (list, tuple))
        and len(value) == n
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    )


def voc_objects(sample: Sample) -> list[dict[str, Any]]:
    """The sample's ``object`` list, checked: each ``{"label": str, "bbox": [x1, y1, x2, y2]}`` (normalized).

    Raises:
        UserError: If the field is missing or an object is malformed.
    """
    objects = sample.target.get("object")
    if not isinstance(objects, list):
        raise UserError(f"{sample.source}: sample {sample.id}: needs an 'object' list of {{label, bbox}}")
    out = []
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict) or not isinstance(obj.get("label"), str) or not _numbers(obj.get("bbox"), 4):
            raise UserError(
                f"{sample.source}: sample {sample.id}: object {i} should be {{'label': str, 'bbox': [x1, y1, x2, y2]}}"
            )
        out.append({"label": obj["label"], "bbox": [float(v) for v in obj["bbox"]]})
    return out


def lsp_joints(sample: Sample) -> list[list[float]]:
    """The sample's ``gt_joints``, checked: rows ``[x_px, y_px, visibility]`` (at least x and y).

    Raises:
        UserError: If the field is missing or a row is malformed.
    """
    joints = sample.target.get("gt_joints")
    ok = isinstance(joints, list) and all(
        isinstance(row, list) and len(row) >= 2 and _numbers(row[:2], 2) for row in joints
    )
    if not ok:
        raise UserError(f"{sample.source}: sample {sample.id}: 'gt_joints' should be a list of [x, y, visibility] rows")
    return [[float(row[0]), float(row[1])] for row in joints]


def visible_joints(sample: Sample) -> list[tuple[float, float]]:
    """The sample's ``gt_joints`` that are visible (no visibility given, or not 0), normalized by the image's size."""
    lsp_joints(sample)
    width, height = image_size(sample)
    return [(row[0] / width, row[1] / height) for row in sample.target["gt_joints"] if len(row) < 3 or row[2]]


def voc_overlay(sample: Sample, parsed: Any) -> Overlay:
    """VOC detection's picture: the ground-truth objects and the boxes parsed from the answer."""
    return Overlay.of(gt_boxes=[(o["label"], o["bbox"]) for o in voc_objects(sample)],
                      pred_boxes=[("", box) for box in parsed["boxes"]])  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _size(path: str) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError) as exc:
        raise UserError(f"cannot read image size of {path}: {exc}") from None


def image_size(sample: Sample) -> tuple[int, int]:
    """``(width, height)`` of the sample's image in pixels (read once per path; the reference opens the image)."""
    if not sample.images:
        raise UserError(f"{sample.source}: sample {sample.id}: has no image")
    return _size(sample.images[0])


def unparsed_rate(scores: Sequence[SampleScore]) -> float:
    """Percent of samples whose answer yielded nothing usable (0.0 for no samples)."""
    return 100.0 * sum(s.unparsed for s in scores) / len(scores) if scores else 0.0


def values(scores: Sequence[SampleScore]) -> list[dict[str, Any]]:
    """The per-sample value mappings, for the metric modules' aggregate functions."""
    return [dict(s.values) for s in scores]
