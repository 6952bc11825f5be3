"""Binary locating (``Locating_VOC2012.json``, ``Locating_LSP.json``): paper ``binary-loc`` and ChEF's two tasks.

A point parsed from the answer (``[x, y]`` normalized) must lie strictly inside the ground truth. VOC2012: one
unit per object, correct iff its label is synonym-matched in the answer (paper: first-synset matcher; ChEF: VOC
matcher) and a point is inside its box; an answer without points gets every object wrong. LSP: one unit per
image, the box spanned by the 14 joints (pixels), points scaled by the image size. The paper pools both files,
``Binary-Loc = (correct VOC objects + correct LSP images) / (VOC objects + LSP images)``, which is ``accuracy``
of ``binary-loc`` (per-file ``accuracy_voc2012``/``accuracy_lsp`` beside it); ChEF reports each file separately
(``locating-voc2012-chef``, ``locating-lsp-chef``, 256 tokens). System messages: ``LOCATING_SYS`` for VOC,
``HUMANLOCATING_SYS`` for LSP: the pooled task's ``system_message`` maps each file to its own
(``locating_task2sysmsg``). Field checks that differ per file (``object`` vs ``gt_joints``) happen when the
requests are built and when scoring, since a pooled task has one set of required fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamm_bench.metrics.locating import (
    locating_accuracy,
    locating_lsp_sample,
    locating_voc_sample_chef,
    locating_voc_sample_paper,
)
from lamm_bench.parsing.boxes import parse_keypoints
from lamm_bench.records import Request, Sample, SampleScore
from lamm_bench.rows import Overlay
from lamm_bench.task import TaskSpec, ratio_of

from ._common import CHEF_LONG, PAPER_2D, make_request, single_request
from ._lamm2d import image_size, lsp_joints, unparsed_rate, values, visible_joints, voc_objects
from .prompts2d import HUMANLOCATING_SYS, LOCATING_SYS

META_DIR = "2D_Benchmark/meta_file/"
VOC_STEM = "Locating_VOC2012"
LSP_STEM = "Locating_LSP"


def _pooled_stage(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
    # Check the file's own ground-truth field before any request is sent (the loader checks none for a pool).
    if sample.source == LSP_STEM:
        lsp_joints(sample)
    else:
        voc_objects(sample)
    return [make_request(sample, sample.query, "", PAPER_2D, seed)]


def _score(sample: Sample, prediction: str, counts: Mapping[str, int]) -> SampleScore:
    points = parse_keypoints(prediction)
    return SampleScore(
        values={**counts, "lsp": int(sample.source == LSP_STEM)},
        parsed={"points": [list(p) for p in points]},
        unparsed=not points,
    )


def score_voc_paper(sample: Sample, prediction: str) -> SampleScore:
    """Paper ``inside_bbox_eval`` for one VOC image (one unit per object)."""
    return _score(sample, prediction, locating_voc_sample_paper(prediction, voc_objects(sample)))


def score_voc_chef(sample: Sample, prediction: str) -> SampleScore:
    """ChEF ``InsideBbox`` for one VOC image (one unit per object)."""
    return _score(sample, prediction, locating_voc_sample_chef(prediction, voc_objects(sample)))


def score_lsp(sample: Sample, prediction: str) -> SampleScore:
    """``inside_human_bbox_eval`` / ``InsideHumanBbox`` for one LSP image (one unit)."""
    return _score(sample, prediction, locating_lsp_sample(prediction, lsp_joints(sample), image_size(sample)))


def score_pooled(sample: Sample, prediction: str) -> SampleScore:
    """Score a ``binary-loc`` sample by the meta file it came from."""
    return score_lsp(sample, prediction) if sample.source == LSP_STEM else score_voc_paper(sample, prediction)


def aggregate_pooled(scores: Sequence[SampleScore]) -> dict[str, float]:
    """Pooled ``accuracy`` (the paper's Binary-Loc), the per-file accuracies, and the unparsed share."""
    rows = values(scores)
    return {
        **locating_accuracy(rows),
        "accuracy_voc2012": locating_accuracy([r for r in rows if not r["lsp"]])["accuracy"],
        "accuracy_lsp": locating_accuracy([r for r in rows if r["lsp"]])["accuracy"],
        "unparsed_rate": unparsed_rate(scores),
    }


def aggregate_single(scores: Sequence[SampleScore]) -> dict[str, float]:
    """Locating ``accuracy`` over one file's units and the unparsed share."""
    return {**locating_accuracy(values(scores)), "unparsed_rate": unparsed_rate(scores)}


def locating_overlay(sample: Sample, parsed: Mapping[str, Any]) -> Overlay:
    """The target (VOC: the objects' boxes; LSP: the visible joints) and the points parsed from the answer."""
    if sample.source == LSP_STEM:
        return Overlay.of(gt_points=visible_joints(sample), pred_points=parsed["points"])
    return Overlay.of(gt_boxes=[(o["label"], o["bbox"]) for o in voc_objects(sample)], pred_points=parsed["points"])


BINARY_LOC = TaskSpec(
    name="binary-loc",
    requires=("wordnet",),
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=(f"{META_DIR}{VOC_STEM}.json", f"{META_DIR}{LSP_STEM}.json"),
    required_fields={},
    system_message={VOC_STEM: LOCATING_SYS, LSP_STEM: HUMANLOCATING_SYS},
    stages=(_pooled_stage,),
    score_sample=score_pooled,
    aggregate=aggregate_pooled,
    primary_terms=ratio_of("correct", "total"),
    paper_metric=("Binary-Loc", "accuracy"),
    description="Binary locating pooled over VOC2012 objects and LSP images: a point strictly inside the target",
    overlay=locating_overlay,
)

LOCATING_VOC2012_CHEF = TaskSpec(
    name="locating-voc2012-chef",
    requires=("wordnet",),
    version="1",
    protocol="chef",
    modality="2d",
    meta_files=(f"{META_DIR}{VOC_STEM}.json",),
    required_fields={"object": list},
    system_message=LOCATING_SYS,
    stages=(single_request(CHEF_LONG),),
    score_sample=score_voc_chef,
    aggregate=aggregate_single,
    primary_terms=ratio_of("correct", "total"),
    paper_metric=("ACC", "accuracy"),
    description="Locating on VOC2012, ChEF protocol: 256 tokens, label (VOC matcher) and a point inside the box",
    overlay=locating_overlay,
)

LOCATING_LSP_CHEF = TaskSpec(
    name="locating-lsp-chef",
    version="1",
    protocol="chef",
    modality="2d",
    meta_files=(f"{META_DIR}{LSP_STEM}.json",),
    required_fields={"gt_joints": list},
    system_message=HUMANLOCATING_SYS,
    stages=(single_request(CHEF_LONG),),
    score_sample=score_lsp,
    aggregate=aggregate_single,
    primary_terms=ratio_of("correct", "total"),
    paper_metric=("ACC", "accuracy"),
    description="Locating on LSP, ChEF protocol: 256 tokens, a point inside the box spanned by the joints",
    overlay=locating_overlay,
)

TASKS = (BINARY_LOC, LOCATING_VOC2012_CHEF, LOCATING_LSP_CHEF)
