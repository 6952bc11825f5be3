"""LSP human keypoints (``Keypoints_Detection_LSP.json``), paper protocol only (ChEF has no keypoint metric).

Each image gets 14 requests, one per joint in the reference's order (``inference_2d.py keypoints_definition``:
right ankle ... head top), the record's query with its ``{}`` filled by the joint name; the request keys are the
joint names and the prediction is the mapping joint -> answer (a predictions file gives ``text`` as that object).
Ground-truth joints are in pixels and are normalized by the image's size (read from the image, as the reference
does). The paper's ``PCK`` never adds to its score (``tmp_score + 1.0`` is discarded), so the table's value is
always 0 ("Failed"): that is ``pck_reference``. ``pck@0.1`` beside it is the metric meant: a joint is correct
when a point parsed from its answer lies within normalized distance < 0.1; answers pair with joints by name.
The bootstrap interval is given for ``pck@0.1`` (the reference value is constant).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.metrics.keypoints import LSP_JOINTS, pck_aggregate, pck_sample
from lamm_bench.parsing.boxes import parse_keypoints
from lamm_bench.records import Request, Sample, SampleScore
from lamm_bench.rows import Overlay
from lamm_bench.task import TaskSpec

from ._common import PAPER_2D, make_request
from ._lamm2d import image_size, lsp_joints, unparsed_rate, values, visible_joints
from .prompts2d import KEYPOINTS_DET_SYS


def joint_query(sample: Sample, joint: str) -> str:
    """The record's query with its ``{}`` placeholder filled by the joint name.

    Raises:
        UserError: If the query has no ``{}`` (every question would be the same).
    """
    if "{}" not in sample.query:
        raise UserError(f"{sample.source}: sample {sample.id}: the query needs a '{{}}' placeholder for the joint name")
    return sample.query.replace("{}", joint)


def _joint_requests(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
    return [make_request(sample, joint_query(sample, j), j, PAPER_2D, seed) for j in LSP_JOINTS]


def assemble_joints(sample: Sample, responses: Mapping[str, str]) -> dict[str, str]:
    """The prediction: joint name -> that joint's answer, in LSP order."""
    return {joint: responses[joint] for joint in LSP_JOINTS}


def _answers(sample: Sample, prediction: Any) -> dict[str, str]:
    if not isinstance(prediction, Mapping) or not all(isinstance(v, str) for v in prediction.values()):
        raise UserError(f"sample {sample.id}: an LSP prediction must map each joint name to an answer string")
    return {str(k): v for k, v in prediction.items()}


def score_lsp(sample: Sample, prediction: Mapping[str, str]) -> SampleScore:
    """PCK counts for one image; ``parsed`` maps each answered joint to the points parsed from its answer."""
    answers = _answers(sample, prediction)
    counts = pck_sample(answers, lsp_joints(sample), image_size(sample))
    points = {joint: [list(p) for p in parse_keypoints(text)] for joint, text in answers.items()}
    return SampleScore(values=counts, parsed={"points": points}, unparsed=not any(points.values()))


def pck_terms(values: Mapping[str, float]) -> tuple[float, float]:
    """``pck@0.1`` is the mean over images of each image's share of correct joints (percent)."""
    return (100.0 * values["correct"] / values["joints"] if values["joints"] else 0.0, 1.0)


def aggregate_lsp(scores: Sequence[SampleScore]) -> dict[str, float]:
    """``pck@0.1``, the reference's ``pck_reference`` (always 0) and the share of images without any point."""
    return {**pck_aggregate(values(scores)), "unparsed_rate": unparsed_rate(scores)}


def lsp_overlay(sample: Sample, parsed: Mapping[str, Any]) -> Overlay:
    """The visible ground-truth joints and every point parsed from the joints' answers."""
    return Overlay.of(gt_points=visible_joints(sample), pred_points=[p for ps in parsed["points"].values() for p in ps])


LSP = TaskSpec(
    name="lsp",
    version="1",
    protocol="paper",
    modality="2d",
    meta_files=("2D_Benchmark/meta_file/Keypoints_Detection_LSP.json",),
    required_fields={"gt_joints": list},
    system_message=KEYPOINTS_DET_SYS,
    stages=(_joint_requests,),
    assemble=assemble_joints,
    score_sample=score_lsp,
    aggregate=aggregate_lsp,
    primary_terms=pck_terms,
    paper_metric=("PCK", "pck_reference"),
    primary="pck@0.1",
    prediction_kind="mapping",
    description="LSP keypoints: 14 per-joint questions; LAMM PCK (always 0, as the reference) + corrected PCK@0.1",
    overlay=lsp_overlay,
    extra={"joints": list(LSP_JOINTS)},
)

TASKS = (LSP,)
