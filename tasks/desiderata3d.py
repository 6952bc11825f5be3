"""The 3D desiderata on ScanQA multiple choice, scored by likelihood, and robustness on ScanRefer grounding (beyond
ChEF; method in ``docs/desiderata3d.md``).

- ``robust3d-scanrefer``: ``scanrefer-chef``'s generation (the first box of the answer, clamped IoU) on the clean
  cloud and under four of the corruptions (:data:`BOX_RUNS`: not the rotation, which moves the frame the boxes are
  scored in), ids ``<run>/<id>``; each run's hit rate at IoU 0.5 and ``RRM``/``RR`` against the clean run with chance
  0; the mean ``RRM`` the headline.

The ScanQA tasks ask each ScanQA question as one ``choice`` request on ChEF's likelihood engine: the 3D VQA system text of
the ChEF era, the record's query (question and its ``(A) ... (B) ...`` options) as the human turn, the option letters
``(A``, ``(B``, ... (ChEF's ScienceQA form) scored in ``The answer is {}``, the scene's 40,000 seeded points. The
answer is the best-scoring letter (the first of equals); it is right when it is the record's ``gt_choice``.

- ``robust3d-scanqa``: six runs of every question -- ``clean`` and one per corruption of
  :data:`CORRUPTION_RUNS` (:mod:`lamm_bench.pointcorrupt`, applied to the sampled points, seeded by ``--seed``) --
  with ids ``<run>/<id>``. Metrics: ``<run>/accuracy``; ``<run>/RRM`` and ``<run>/RR`` against the clean run, with
  the chance level ``acc_rand`` the mean of ``100 / options`` over the questions (ScanQA has 4-6 options); the
  headline ``RRM``, the mean over the five corruptions (:mod:`lamm_bench.metrics.desiderata3d`); the interval is the
  clean run's accuracy's. ``score`` also takes a folder of ``<run>.json`` answer records.
- ``calibration3d-scanqa``: one run; the prediction keeps every option's score, ``prob`` is the largest softmax of
  them, and ``ECE`` (a fraction, ChEF's 10 equal-count bins), the reliability bins, the Brier score and the accuracy
  are reported; ``ECE`` is the headline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lamm_bench.data import load_samples
from lamm_bench.metrics.desiderata3d import CLEAN_RUN, calibration_metrics, chance_accuracy, robustness_metrics
from lamm_bench.pointcloud import LAMM_NUM_POINTS
from lamm_bench.records import MetaFile, PointCorruption, Request, Sample, SampleScore
from lamm_bench.task import TaskSpec, mean_of, needs, stage_needs

from ._chef import chosen, option_index, ppl_request, reference_metric
from ._chef_options import letter_options
from ._chef_prompts import VQA_TEMPLATES
from ._lamm3d import POINT_EXTRA
from .chef_desiderata import assemble_calibrated, calibrated
from .prompts3d import VQA3D_SYS_CHEF
from .scanqa import META, SCANQA_CHEF
from .scanrefer import META as SCANREFER_META
from .scanrefer import SCANREFER_CHEF, score_scanrefer_chef

TEMPLATE = VQA_TEMPLATES[0]
"""``The answer is {}``: ChEF's first VQA answer template."""

CORRUPTION_RUNS: Mapping[str, PointCorruption | None] = {
    CLEAN_RUN: None,
    "jitter": PointCorruption("jitter", 0.02),
    "dropout": PointCorruption("dropout", 0.5),
    "rotate_z": PointCorruption("rotate_z", 180.0),
    "density": PointCorruption("density", 0.25),
    "colour": PointCorruption("colour", 40.0),
}
"""Run -> its corruption and severity: jitter sigma 0.02 m; half the points dropped; a rotation about z by up to
180 degrees either way; a quarter of the points removed in 8 local holes; colour offsets up to 40 of 255."""
ROBUST_RUNS = tuple(CORRUPTION_RUNS)


def scanqa_options(sample: Sample) -> list[str]:
    """The option letters of a ScanQA question, ``(A`` to ``(F``."""
    return letter_options(len(sample.target["gt_choices"]))


def scanqa_choice(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
    """The one likelihood request of a ScanQA question, its cloud corrupted as the sample's run says."""
    request = ppl_request(sample, sample.query, scanqa_options(sample), TEMPLATE, seed)
    corruption = CORRUPTION_RUNS[sample.target["run"]] if "run" in sample.target else None
    return [dataclasses.replace(request, num_points=LAMM_NUM_POINTS, point_corruption=corruption)]


def score_scanqa_choice(sample: Sample, prediction: str) -> SampleScore:
    """Right when the chosen letter is the ground truth's; an answer that is not one of the letters is unparsed."""
    options = scanqa_options(sample)
    gt = sample.target["gt_choice"]
    record = {"answer": prediction, "gt_choice": gt, "gt_choices": list(sample.target["gt_choices"])}
    return SampleScore(values={"correct": float(prediction == options[gt]), "options": float(len(options))},
                       parsed=record, unparsed=prediction not in options)  # fmt: skip


def _right_letter(sample: Sample, request: Request) -> str:
    return scanqa_options(sample)[sample.target["gt_choice"]]


# --- robustness ------------------------------------------------------------------------------------------------


def read_robust_runs(root: Path) -> tuple[list[Sample], list[MetaFile]]:
    """ScanQA's questions once per run of :data:`ROBUST_RUNS`, run by run, each id ``<run>/<id>``."""
    samples, metas = load_samples(SCANQA_CHEF, root)
    runs = [dataclasses.replace(s, id=f"{run}/{s.id}", target={**s.target, "run": run})
            for run in ROBUST_RUNS for s in samples]  # fmt: skip
    return runs, metas


def robust_records_metrics(records: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """The metrics over the answer records of every run (ids ``<run>/<id>``; ``answer``, ``gt_choice``,
    ``gt_choices``): each run's accuracy and each corruption's RRM and RR against the clean run, with the chance level
    of the clean run's questions (``robustness_metrics``)."""
    correct: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for record in records:
        run = str(record["id"]).split("/", 1)[0]
        if run not in CORRUPTION_RUNS or "/" not in str(record["id"]):
            raise ValueError(f"record id {record['id']!r} is not '<run>/<id>' of a run ({', '.join(ROBUST_RUNS)})")
        options = letter_options(len(record["gt_choices"]))
        correct.setdefault(run, []).append(float(record["answer"] == options[record["gt_choice"]]))
        counts.setdefault(run, []).append(len(options))
    chance = chance_accuracy(counts.get(CLEAN_RUN) or [k for run in counts for k in counts[run]])
    return robustness_metrics(correct, ROBUST_RUNS, chance)


def score_robust(sample: Sample, prediction: str) -> SampleScore:
    """:func:`score_scanqa_choice`, the record with the sample's id; ``clean`` marks the clean run's questions (the
    interval is the clean accuracy's: RRM is a mean of ratios, not a sum of terms)."""
    score = score_scanqa_choice(sample, prediction)
    values = {**score.values, "clean": float(sample.target["run"] == CLEAN_RUN)}
    return dataclasses.replace(score, values=values, parsed={"id": sample.id, **score.parsed})


_ROBUST_AGGREGATE, _ROBUST_FILE = reference_metric(robust_records_metrics)

ROBUST3D_SCANQA = TaskSpec(
    name="robust3d-scanqa", version="1", protocol="chef", modality="3d", meta_files=(META,),
    required_fields=SCANQA_CHEF.required_fields, system_message=VQA3D_SYS_CHEF, stages=(scanqa_choice,),
    score_sample=score_robust, assemble=chosen, aggregate=_ROBUST_AGGREGATE, answer_file=_ROBUST_FILE,
    reader=read_robust_runs, answer_runs=ROBUST_RUNS, paper_metric=("RRM", "RRM"),
    primary="clean/accuracy", primary_terms=lambda v: (100.0 * v["correct"] * v["clean"], v["clean"]),
    correct_option=option_index(_right_letter),
    extra={**POINT_EXTRA, "template": TEMPLATE, "corruptions": {
        run: dataclasses.asdict(c) for run, c in CORRUPTION_RUNS.items() if c is not None}},
    description="3D robustness on ScanQA: clean + 5 seeded point-cloud corruptions, letters by likelihood, mean RRM",
)  # fmt: skip


# --- robustness of grounding -----------------------------------------------------------------------------------

BOX_RUNS: Mapping[str, PointCorruption | None] = {run: c for run, c in CORRUPTION_RUNS.items() if run != "rotate_z"}
"""The runs of ``robust3d-scanrefer``: :data:`CORRUPTION_RUNS` but the rotation. Its answer is a box in the scan's
frame, scored against the record's box in that frame; a turned cloud asks for a box in another frame, and an
axis-aligned box turned is no longer one. The four others leave every object where it was."""
BOX_ROBUST_RUNS = tuple(BOX_RUNS)


def read_grounding_runs(root: Path) -> tuple[list[Sample], list[MetaFile]]:
    """ScanRefer's descriptions once per run of :data:`BOX_ROBUST_RUNS`, run by run, each id ``<run>/<id>``."""
    samples, metas = load_samples(SCANREFER_CHEF, root)
    runs = [dataclasses.replace(s, id=f"{run}/{s.id}", target={**s.target, "run": run})
            for run in BOX_ROBUST_RUNS for s in samples]  # fmt: skip
    return runs, metas


def grounding_request(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
    """``scanrefer-chef``'s generation request, its cloud corrupted as the sample's run says."""
    corruption = BOX_RUNS[sample.target["run"]]
    return [dataclasses.replace(r, point_corruption=corruption) for r in SCANREFER_CHEF.stages[0](sample, previous, seed)]


def score_robust_grounding(sample: Sample, prediction: str) -> SampleScore:
    """``scanrefer-chef``'s score (the first box, clamped IoU); ``correct`` is its hit at IoU 0.5 (ChEF's mAR),
    ``clean`` marks the clean run's descriptions and ``run`` is the run's place in :data:`BOX_ROBUST_RUNS`."""
    score = score_scanrefer_chef(sample, prediction)
    run = sample.target["run"]
    values = {**score.values, "correct": score.values["acc@0.5"], "clean": float(run == CLEAN_RUN),
              "run": float(BOX_ROBUST_RUNS.index(run))}  # fmt: skip
    return dataclasses.replace(score, values=values)


def aggregate_robust_grounding(scores: Sequence[SampleScore]) -> dict[str, float]:
    """Each run's hit rate at IoU 0.5 (``<run>/accuracy``) and each corruption's ``RRM`` and ``RR`` against the
    clean run, with chance 0 (a box drawn at random hits none), so ``RRM`` is ``RR``; their means the headline."""
    correct: dict[str, list[float]] = {}
    for score in scores:
        correct.setdefault(BOX_ROBUST_RUNS[int(score.values["run"])], []).append(score.values["correct"])
    return robustness_metrics(correct, BOX_ROBUST_RUNS, 0.0)


ROBUST3D_SCANREFER = TaskSpec(
    name="robust3d-scanrefer", version="1", protocol="chef", modality="3d", meta_files=(SCANREFER_META,),
    required_fields=SCANREFER_CHEF.required_fields, system_message=SCANREFER_CHEF.system_message,
    stages=(needs(*stage_needs(SCANREFER_CHEF.stages[0]))(grounding_request),), score_sample=score_robust_grounding,
    aggregate=aggregate_robust_grounding, reader=read_grounding_runs, answer_runs=BOX_ROBUST_RUNS,
    paper_metric=("RRM", "RRM"),
    primary="clean/accuracy", primary_terms=lambda v: (100.0 * v["correct"] * v["clean"], v["clean"]),
    overlay=SCANREFER_CHEF.overlay, extra={**POINT_EXTRA, "corruptions": {
        run: dataclasses.asdict(c) for run, c in BOX_RUNS.items() if c is not None}},
    description="3D robustness on ScanRefer: clean + 4 seeded point-cloud corruptions, first box at IoU 0.5, mean RRM",
)  # fmt: skip


# --- calibration -----------------------------------------------------------------------------------------------


def aggregate_calibration(scores: Sequence[SampleScore]) -> dict[str, float]:
    """ECE of the top softmax, its bins, the Brier score and the accuracy (``calibration_metrics``); a sample without
    option scores counts with equal probabilities."""
    probs = [list(s.parsed["probs"]) for s in scores]
    truth = [int(s.parsed["gt_choice"]) for s in scores]
    return calibration_metrics(probs, truth, [s.values["correct"] for s in scores])


def _answer_only(sample: Sample, responses: Mapping[str, str]) -> dict[str, Any]:
    return {"answer": chosen(sample, responses)}


CALIBRATION3D_SCANQA = TaskSpec(
    name="calibration3d-scanqa", version="1", protocol="chef", modality="3d", meta_files=(META,),
    required_fields=SCANQA_CHEF.required_fields, system_message=VQA3D_SYS_CHEF, stages=(scanqa_choice,),
    score_sample=calibrated(score_scanqa_choice), assemble=_answer_only, assemble_scored=assemble_calibrated,
    prediction_kind="mapping", aggregate=aggregate_calibration, paper_metric=("ECE", "ECE"), primary="accuracy",
    primary_terms=mean_of("correct"),
    correct_option=option_index(_right_letter), extra={**POINT_EXTRA, "template": TEMPLATE},
    description="3D calibration on ScanQA: the option letters by likelihood, ECE of the top softmax (10 equal bins)",
)  # fmt: skip

TASKS = (ROBUST3D_SCANQA, ROBUST3D_SCANREFER, CALIBRATION3D_SCANQA)
