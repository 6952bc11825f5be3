"""The 3D desiderata on ScanQA multiple choice, scored by likelihood (beyond ChEF; method in
``docs/desiderata3d.md``).

Both tasks ask each ScanQA question as one ``choice`` request on ChEF's likelihood engine: the 3D VQA system text of
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
from lamm_bench.task import TaskSpec, mean_of

from ._chef import chosen, option_index, ppl_request, reference_metric
from ._chef_options import letter_options
from ._chef_prompts import VQA_TEMPLATES
from ._lamm3d import POINT_EXTRA
from .chef_desiderata import assemble_calibrated, calibrated
from .prompts3d import VQA3D_SYS_CHEF
from .scanqa import META, SCANQA_CHEF

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

TASKS = (ROBUST3D_SCANQA, CALIBRATION3D_SCANQA)
