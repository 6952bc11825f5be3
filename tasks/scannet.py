"""ScanNet 3D object detection (``Detection_ScanNet.json``), paper and ChEF protocols, and the 3D task groups.

The LAMM number (paper "mAP@0.5", really recall; ChEF ``mAR``) counts a ground-truth object as found when its
label is synonym-matched anywhere in the answer and any parsed box overlaps it with IoU > 0.5. The paper uses the
first-synset WordNet matcher and the unclamped (buggy) IoU; ChEF the space-split VOC matcher and the clamped IoU.
Both tasks also report honest one-to-one recall/precision at IoU 0.25 and 0.5 (see ``lamm_bench.metrics.det3d``).
"""

from __future__ import annotations

from collections.abc import Sequence

from lamm_bench.metrics.det3d import aggregate_detection_3d, iou_3d, iou_3d_paper, score_detection_3d
from lamm_bench.parsing.synonyms import chef_voc_class_match, paper_class_match
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import TaskSpec, ratio_of

from ._common import PAPER_3D, single_request
from ._lamm3d import (
    CHEF_3D, POINT_EXTRA, detection_objects, detection_overlay, unparsed_rate, with_points,
)  # fmt: skip
from .prompts3d import DETECTION3D_SYS

META = "3D_Benchmark/meta_file/Detection_ScanNet.json"
FIELDS = {"object": list}
def score_scannet_paper(sample: Sample, prediction: str) -> SampleScore:
    """Paper ``detection3d_eval`` counts (first-synset matcher, unclamped IoU) plus honest counts."""
    return score_detection_3d(
        detection_objects(sample), prediction, match=paper_class_match, reference_iou=iou_3d_paper
    )


def score_scannet_chef(sample: Sample, prediction: str) -> SampleScore:
    """ChEF ``LAMM_3D_Detection`` counts (VOC matcher, clamped IoU) plus honest counts."""
    return score_detection_3d(
        detection_objects(sample), prediction, match=chef_voc_class_match, reference_iou=iou_3d
    )


def aggregate_scannet(scores: Sequence[SampleScore]) -> dict[str, float]:
    """Detection percentages and the share of answers without any box."""
    return {**aggregate_detection_3d(scores), "unparsed_rate": unparsed_rate(scores)}


SCANNET_DET = TaskSpec(
    name="scannet-det",
    requires=("wordnet",),
    version="1",
    protocol="paper",
    modality="3d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=DETECTION3D_SYS,
    stages=(with_points(single_request(PAPER_3D)),),
    score_sample=score_scannet_paper,
    aggregate=aggregate_scannet,
    primary_terms=ratio_of("hits", "gt"),
    paper_metric=("mAP@0.5", "recall_reference@0.5"),
    description="3D detection on ScanNet: LAMM recall (label anywhere, any box, unclamped IoU > 0.5) + honest P/R",
    overlay=detection_overlay,
    extra=POINT_EXTRA,
)

SCANNET_DET_CHEF = TaskSpec(
    name="scannet-det-chef",
    requires=("wordnet",),
    version="1",
    protocol="chef",
    modality="3d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=DETECTION3D_SYS,
    stages=(with_points(single_request(CHEF_3D)),),
    score_sample=score_scannet_chef,
    aggregate=aggregate_scannet,
    primary_terms=ratio_of("hits", "gt"),
    paper_metric=("mAR", "recall_reference@0.5"),
    description="3D detection on ScanNet, ChEF protocol: mAR (VOC synonyms, clamped IoU > 0.5) + honest P/R",
    overlay=detection_overlay,
    extra=POINT_EXTRA,
)

TASKS = (SCANNET_DET, SCANNET_DET_CHEF)
