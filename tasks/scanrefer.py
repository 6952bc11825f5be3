"""ScanRefer 3D visual grounding (``VG_ScanRefer.json``), paper and ChEF protocols.

Only the first box parsed from the answer counts; a sample is a hit when its IoU with the target box is strictly
above the threshold. The paper reports Acc@0.25 and Acc@0.5 with its unclamped IoU (``acc_reference@T``, where
two boxes disjoint along two axes can still "overlap"); ``acc@T`` uses the correct clamped IoU, which is also
what ChEF's ``LAMM_3D_Grounding`` computes (``mAR``, 0.5 only).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from lamm_bench.metrics.det3d import aggregate_grounding_3d, iou_3d, iou_3d_paper, score_grounding_3d
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import TaskSpec, mean_of

from ._common import PAPER_3D, single_request
from ._lamm3d import (
    CHEF_3D, POINT_EXTRA, grounding_box, grounding_overlay, unparsed_rate, with_points,
)  # fmt: skip
from .prompts3d import VG3D_SYS_CHEF, VG3D_SYS_PAPER

META = "3D_Benchmark/meta_file/VG_ScanRefer.json"
FIELDS = {"object": (list, dict)}
THRESHOLDS = (0.25, 0.5)
PAPER_IOUS = {"acc_reference": iou_3d_paper, "acc": iou_3d}
CHEF_IOUS = {"acc": iou_3d}


def score_scanrefer_paper(sample: Sample, prediction: str) -> SampleScore:
    """First-box hits at IoU 0.25/0.5, with the paper IoU and the correct one."""
    return score_grounding_3d(grounding_box(sample), prediction, ious=PAPER_IOUS, thresholds=THRESHOLDS)


def score_scanrefer_chef(sample: Sample, prediction: str) -> SampleScore:
    """First-box hits at IoU 0.25/0.5 with ChEF's clamped IoU (ChEF itself reports 0.5 only)."""
    return score_grounding_3d(grounding_box(sample), prediction, ious=CHEF_IOUS, thresholds=THRESHOLDS)


def _aggregate(scores: Sequence[SampleScore], keys: Sequence[str]) -> dict[str, float]:
    return {**aggregate_grounding_3d(scores, keys), "unparsed_rate": unparsed_rate(scores)}


def _keys(ious: dict) -> tuple[str, ...]:
    return tuple(f"{name}@{thr}" for name in ious for thr in THRESHOLDS)


aggregate_scanrefer_paper = functools.partial(_aggregate, keys=_keys(PAPER_IOUS))
aggregate_scanrefer_chef = functools.partial(_aggregate, keys=_keys(CHEF_IOUS))

SCANREFER = TaskSpec(
    name="scanrefer",
    version="1",
    protocol="paper",
    modality="3d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=VG3D_SYS_PAPER,
    stages=(with_points(single_request(PAPER_3D)),),
    score_sample=score_scanrefer_paper,
    aggregate=aggregate_scanrefer_paper,
    primary_terms=mean_of("acc_reference@0.5"),
    paper_metric=("Acc@0.5", "acc_reference@0.5"),
    description="3D grounding on ScanRefer: first box, Acc@0.25/0.5 with the paper IoU and the correct IoU",
    overlay=grounding_overlay,
    extra=POINT_EXTRA,
)

SCANREFER_CHEF = TaskSpec(
    name="scanrefer-chef",
    version="1",
    protocol="chef",
    modality="3d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=VG3D_SYS_CHEF,
    stages=(with_points(single_request(CHEF_3D)),),
    score_sample=score_scanrefer_chef,
    aggregate=aggregate_scanrefer_chef,
    primary_terms=mean_of("acc@0.5"),
    paper_metric=("mAR", "acc@0.5"),
    description="3D grounding on ScanRefer, ChEF protocol: first box, clamped IoU > 0.5 (mAR)",
    overlay=grounding_overlay,
    extra=POINT_EXTRA,
)

TASKS = (SCANREFER, SCANREFER_CHEF)
