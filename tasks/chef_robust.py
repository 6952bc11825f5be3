"""ChEF's robustness desideratum (``desiderata_recipes/Robust/*.yaml`` and ``src/tools/ChEF/eval_robust.py`` at
``OpenGVLab/LAMM@d01093c``; protocol ``chef-protocol.md`` §3 "Robustness"), scored by likelihood.

- ``chef-robust-scienceqa``: the ScienceQA scenario's recipe (``clean_question`` + ``The answer is`` -- pool 0 --,
  template 0 ``The answer is {}``, CoT first), ChEF's ``basic`` metric (``VQA``: ``ACC``), random accuracy 35.8.
- ``chef-robust-mmbench``: the MMBench scenario's (hint, question and options + ``What is the correct option for
  this question?`` -- pool 1 --, template 1 ``The correct option for the question is {}``, CoT first),
  ``MMBenchVQA`` (``vanilla_acc``), random accuracy 27.67.

Each asks four runs: ``origin`` (clean), ``ic`` (image corrupted), ``tc`` (text corrupted) and ``ictc`` (both), from
ChEF's precomputed ``ChEF/ScienceQA_C`` / ``ChEF/MMBench_C`` files when the data root has them, else from seeded
corruptions made here (:mod:`._chef_robust_data`; which of the two is in the result's ``corruption_source``
setting and the task fingerprint). Samples are ``<run>/<ChEF id>``; per run the scenario's numbers under
``<run>/``, and ``<run>/RRM``, ``<run>/RR`` against the origin run (:mod:`lamm_bench.metrics.chef_robust`);
``paper_metric`` is ``ictc/RRM``. ``lamm-bench score`` takes a folder of ChEF's answer files, ``origin.json``
``ic.json`` ``tc.json`` ``ictc.json``.
"""

from __future__ import annotations

from pathlib import Path

from lamm_bench.chef_mmbench import MMBENCH_FILE
from lamm_bench.corruptions import GENERATOR
from lamm_bench.metrics.chef_robust import RANDOM_ACCURACY, ROBUST_RUNS, robust_runs_metrics
from lamm_bench.metrics.chef_vqa import mmbench_metrics, vqa_metrics
from lamm_bench.records import MetaFile, Sample, SampleScore
from lamm_bench.task import TaskSpec

from . import _chef_robust_data as data
from ._chef import chosen, cot_ppl_stages, metric_score, option_index, reference_metric
from ._chef_options import letter_answer, letter_options
from ._chef_prompts import VQA_QUERIES, VQA_TEMPLATES
from .chef_lamm_data import CHEF_SCIENCEQA

SQA_META = CHEF_SCIENCEQA.meta_files[0]


def _source(metas: list[MetaFile], generated: bool, seed: int) -> list[MetaFile]:
    """The files read, the last one carrying the ``corruption_source`` setting."""
    setting = {"corruption_source": f"generated ({GENERATOR}, seed {seed})" if generated else "chef-files"}
    last = metas[-1]
    return [*metas[:-1], MetaFile(last.path, last.sha256, last.records, settings=setting)]


def read_scienceqa_runs(root: Path, seed: int) -> tuple[list[Sample], list[MetaFile]]:
    """ScienceQA's four runs, interleaved (see :mod:`._chef_robust_data`)."""
    if data.check_files(root, data.SQA_C_DIR, data.SQA_C_FILE):
        runs, metas = data.scienceqa_files(CHEF_SCIENCEQA, root)
        return data.interleave(root, runs), _source(metas, False, seed)
    clean, metas = data.scienceqa_clean(CHEF_SCIENCEQA, root)
    runs, manifest = data.generate(root, "ScienceQA", seed, clean, lambda s: s.id, data.sqa_text)
    return data.interleave(root, runs), _source([*metas, manifest], True, seed)


def read_mmbench_runs(root: Path, seed: int) -> tuple[list[Sample], list[MetaFile]]:
    """MMBench's four runs, interleaved; a circular copy's generated corruption is its main question's."""
    if data.check_files(root, data.MMBENCH_C_DIR, data.MMBENCH_C_FILE):
        runs, metas = data.mmbench_files(root)
        return data.interleave(root, runs), _source(metas, False, seed)
    clean, metas = data.mmbench_clean(root)
    runs, manifest = data.generate(root, "MMBench", seed, clean, lambda s: str(int(s.target["index"]) % 1_000_000),
                                   data.mmbench_text)  # fmt: skip
    return data.interleave(root, runs), _source([*metas, manifest], True, seed)


def _record(sample: Sample, prediction: str) -> dict:
    t = sample.target
    return {"id": sample.id, "answer": prediction, "gt_choice": t["gt_choice"], "gt_choices": list(t["gt_choices"]),
            "gt_answers": letter_answer(t["gt_choice"])}  # fmt: skip


def score_scienceqa(sample: Sample, prediction: str) -> SampleScore:
    """ChEF's ``VQA`` answer record of the sample's run; ``correct`` its ``ACC`` share."""
    record = _record(sample, prediction)
    return metric_score(record, {"correct": vqa_metrics([record])["ACC"] / 100, "origin": _origin(sample)})


def score_mmbench(sample: Sample, prediction: str) -> SampleScore:
    """ChEF's ``MMBenchVQA`` answer record; a circular copy's ``correct`` is 0 (``vanilla_acc`` counts the main
    questions)."""
    record = _record(sample, prediction)
    vanilla = int(sample.target["index"]) < 1_000_000
    return metric_score(record, {"correct": vqa_metrics([record])["ACC"] / 100 if vanilla else 0.0,
                                 "vanilla": float(vanilla), "origin": _origin(sample)})  # fmt: skip


def _origin(sample: Sample) -> float:
    """1 in the clean run (the bootstrap's terms read it: the interval is the clean run's accuracy's)."""
    return float(sample.target["run"] == "origin")


def _metric(run_metric, acc_random: float):
    def metric(answers):
        return robust_runs_metrics(answers, run_metric, acc_random)

    return metric


def _robust(name: str, meta_files: tuple[str, ...], reader, query: str, template: str, score, run_metric,
            dataset: str, accuracy: str, terms, recipe: str, description: str) -> TaskSpec:  # fmt: skip
    aggregate, answer_file = reference_metric(_metric(run_metric, RANDOM_ACCURACY[dataset]))
    return TaskSpec(
        name=name, version="1", protocol="chef", modality="2d", meta_files=meta_files, required_fields={},
        system_message="", reader=reader, reader_seeded=True,
        stages=cot_ppl_stages(lambda s: s.target["question"], query,
                              lambda s: letter_options(len(s.target["gt_choices"])), template),
        score_sample=score, assemble=chosen, aggregate=aggregate, answer_file=answer_file, answer_runs=ROBUST_RUNS,
        paper_metric=("RRM", "ictc/RRM"), primary=f"origin/{accuracy}",
        primary_terms=terms,
        correct_option=option_index(lambda s, r: r.options[s.target["gt_choice"]]),
        extra={"recipe": recipe, "random_accuracy": RANDOM_ACCURACY[dataset],
               "corruptions": "ChEF's precomputed files when present, else generated (lamm_bench.corruptions)"},
        description=description,
    )  # fmt: skip


CHEF_ROBUST_SCIENCEQA = _robust(
    "chef-robust-scienceqa", (SQA_META, data.SQA_C_FILE), read_scienceqa_runs, VQA_QUERIES[0], VQA_TEMPLATES[0],
    score_scienceqa, vqa_metrics, "ScienceQA", "ACC", lambda v: (100 * v["correct"] * v["origin"], v["origin"]),
    "Robust/ScienceQA.yaml (pool 0, template 0, CoT)",
    "ChEF robustness on ScienceQA: clean, image-, text- and both-corrupted runs by likelihood, RRM of ictc",
)  # fmt: skip
CHEF_ROBUST_MMBENCH = _robust(
    "chef-robust-mmbench", (MMBENCH_FILE, data.MMBENCH_C_FILE), read_mmbench_runs, VQA_QUERIES[1], VQA_TEMPLATES[1],
    score_mmbench, mmbench_metrics, "MMBench", "vanilla_acc",
    lambda v: (100 * v["correct"] * v["origin"], v["vanilla"] * v["origin"]), "Robust/MMBench.yaml (pool 1, template 1, CoT)",
    "ChEF robustness on MMBench (dev): clean, image-, text- and both-corrupted runs by likelihood, RRM of ictc",
)  # fmt: skip

TASKS = (CHEF_ROBUST_SCIENCEQA, CHEF_ROBUST_MMBENCH)
