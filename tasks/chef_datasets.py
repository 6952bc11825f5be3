"""ChEF's scenarios on ChEF's own datasets: ``chef-omnibenchmark``, ``chef-mmbench``, ``chef-seedbench``, ``chef-mme``
(the ``default.yaml`` recipes at ``OpenGVLab/LAMM@d01093c``, scored by likelihood; protocol ``chef-protocol.md``
§2.1; the data as ``lamm_bench.chef_data`` and ``lamm_bench.chef_mmbench`` read it).

- ``chef-omnibenchmark`` (Multi_PPL): one request per level of the label chain, level 0 ``What is the fine-grained
  category label for this image?``, level k naming the ground-truth label of level k-1 (teacher forcing); each
  level's options are up to three siblings and the label, shuffled, over the Bamboo hierarchy; ``result``
  (ChEF's bare number): ``i / L`` at the first wrong level, 1 when every level is right. Each sample keeps its own
  chain length (the reference crashes on a batch of mixed lengths).
- ``chef-mmbench``: hint, question and ``There are several options:`` with ``(X) text`` lines, then ``What is the
  correct option for this question?``; CoT first; template ``The correct option for the question is {}``; options
  ``(A``... for the columns that have a value; ``vanilla_acc`` (ChEF's leaderboard column), ``circular_acc`` over
  each question's circular copies, ``option_match``, ``content_match``.
- ``chef-seedbench``: ``Question: ⟨q⟩\\nAnswer:The answer for the question is``, template ``The answer is {}``, the
  four choice texts; ``ACC`` by ChEF's extractor on the chosen text (a text like ``A dog`` reads as letter A, as it
  does in ChEF).
- ``chef-mme``: the question as written (``... Please answer yes or no.``), template ``The answer is {}``, ``Yes`` /
  ``No``; ``overall`` = right answers over all questions, per-subtask accuracies and acc+ (both questions of an
  image right) beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lamm_bench.chef_data import MME_DIR, OMNI_FILE, SEED_FILE, read_mme, read_seedbench
from lamm_bench.chef_mmbench import MMBENCH_FILE, OPTION_COLUMNS, read_mmbench
from lamm_bench.chef_omnibenchmark import omnibenchmark_reader
from lamm_bench.metrics.chef_scenarios import fine_grained_multi_ppl
from lamm_bench.metrics.chef_vqa import mme_metrics, mmbench_metrics, vqa_metrics
from lamm_bench.records import Request, Sample, SampleScore
from lamm_bench.task import Terms, TaskSpec, mean_of

from ._chef import chosen, cot_ppl_stages, metric_score, option_index, ppl_request, ppl_stage, reference_metric
from ._chef_options import MME_OPTIONS, letter_options, omnibenchmark_options
from ._chef_prompts import (
    FINE_GRAINED_TEMPLATE, VQA_QUERIES, VQA_TEMPLATES, mmbench_question, mme_turn, omnibenchmark_turn, seedbench_turn,
)  # fmt: skip

SEED_CHOICES = ("choice_a", "choice_b", "choice_c", "choice_d")


def _task(name: str, meta: str, reader, stages, score, metric, key: str, terms: Terms, right,
          description: str, **more) -> TaskSpec:  # fmt: skip
    aggregate, answer_file = reference_metric(metric, **({"wrap": key} if key == "result" else {}))
    return TaskSpec(
        name=name, version="1", protocol="chef", modality="2d", meta_files=(meta,), required_fields={},
        system_message="", stages=stages, score_sample=score, aggregate=aggregate, answer_file=answer_file,
        primary_terms=terms, paper_metric=(key, key), reader=reader, correct_option=right, description=description,
        **{"assemble": chosen, **more},
    )  # fmt: skip


# --- MMBench ---------------------------------------------------------------------------------------------------


def _mmbench_row(sample: Sample) -> dict:
    return {"question": sample.query, **{k: sample.target.get(k) for k in ("hint", *OPTION_COLUMNS)}}


def _mmbench_letters(sample: Sample) -> list[str]:
    return [c for c in OPTION_COLUMNS if sample.target.get(c) is not None]


def score_mmbench(sample: Sample, prediction: str) -> SampleScore:
    """ChEF's answer record (``gt_choice`` is the answer's place in ``ABCDE``, as the reference indexes it); a
    question's vanilla copy (index below 1e6) counts once toward ``vanilla_acc``, a circular copy not at all."""
    t = sample.target
    record = {"id": sample.id, "answer": prediction, "gt_choice": "ABCDE".index(t["answer"]),
              "gt_choices": [t[c] for c in _mmbench_letters(sample)], "gt_answers": f"({t['answer']})"}  # fmt: skip
    vanilla = int(t["index"]) < 1_000_000
    return metric_score(record, {"correct": vqa_metrics([record])["ACC"] / 100 if vanilla else 0.0,
                                 "vanilla": float(vanilla)})  # fmt: skip


CHEF_MMBENCH = _task(
    "chef-mmbench", MMBENCH_FILE, read_mmbench,
    cot_ppl_stages(lambda s: mmbench_question(_mmbench_row(s)), VQA_QUERIES[1],
                   lambda s: letter_options(len(_mmbench_letters(s))), VQA_TEMPLATES[1]),
    score_mmbench, mmbench_metrics, "vanilla_acc", lambda v: (100 * v["correct"], v["vanilla"]),
    option_index(lambda s, r: f"({s.target['answer']}"),
    "ChEF MMBench scenario (dev): CoT, then the option letters by likelihood, vanilla_acc and circular_acc",
)  # fmt: skip


# --- SEED-Bench ------------------------------------------------------------------------------------------------


def score_seedbench(sample: Sample, prediction: str) -> SampleScore:
    t = sample.target
    record = {"id": sample.id, "answer": prediction, "gt_choice": "ABCD".index(t["answer"]),
              "gt_choices": [t[c] for c in SEED_CHOICES]}  # fmt: skip
    return metric_score(record, {"correct": vqa_metrics([record])["ACC"] / 100})


CHEF_SEEDBENCH = _task(
    "chef-seedbench", SEED_FILE, read_seedbench,
    (ppl_stage(lambda s: seedbench_turn(s.query), lambda s: [s.target[c] for c in SEED_CHOICES], VQA_TEMPLATES[0]),),
    score_seedbench, vqa_metrics, "ACC", mean_of("correct"),
    option_index(lambda s, r: s.target[SEED_CHOICES["ABCD".index(s.target["answer"])]]),
    "ChEF SEED-Bench scenario (image questions): the four choice texts by likelihood, ACC",
)  # fmt: skip


# --- MME -------------------------------------------------------------------------------------------------------


def score_mme(sample: Sample, prediction: str) -> SampleScore:
    t = sample.target
    record = {"id": sample.id, "answer": prediction, "gt_answers": t["answer"], "image_path": t["image_path"],
              "task_type": t["task_type"]}  # fmt: skip
    return metric_score(record, {"correct": mme_metrics([record])["overall"] / 100})


CHEF_MME = _task(
    "chef-mme", MME_DIR, read_mme, (ppl_stage(lambda s: mme_turn(s.query), lambda s: MME_OPTIONS, VQA_TEMPLATES[0]),),
    score_mme, mme_metrics, "overall", mean_of("correct"), option_index(lambda s, r: s.target["answer"]),
    "ChEF MME scenario: Yes or No by likelihood, overall accuracy (per-subtask accuracy and acc+ beside it)",
)  # fmt: skip


# --- Omnibenchmark ---------------------------------------------------------------------------------------------


def _omni_requests(sample: Sample, previous: Mapping[str, str], seed: int) -> list[Request]:
    chain = sample.target["chain"]
    return [ppl_request(sample, omnibenchmark_turn(level, chain), turn["options"], FINE_GRAINED_TEMPLATE, seed,
                        key=f"level{level}") for level, turn in enumerate(sample.target["chef"])]  # fmt: skip


def _levels(prediction: Mapping[str, str]) -> list[str]:
    return [prediction[k] for k in sorted(prediction, key=lambda k: int(k.removeprefix("level")))]


def score_omnibenchmark(sample: Sample, prediction: Mapping[str, str]) -> SampleScore:
    record = {"id": sample.id, "answer": _levels(prediction), "gt_answers": list(sample.target["chain"])}
    return metric_score(record, {"credit": fine_grained_multi_ppl([record]) / 100})


def _omni_right(sample: Sample, request: Request) -> int | None:
    label = sample.target["chain"][int(request.key.removeprefix("level"))]
    return request.options.index(label) if label in request.options else None


CHEF_OMNIBENCHMARK = _task(
    "chef-omnibenchmark", OMNI_FILE, omnibenchmark_reader(omnibenchmark_options), (_omni_requests,),
    score_omnibenchmark, fine_grained_multi_ppl, "result", mean_of("credit"), _omni_right,
    "ChEF Omnibenchmark scenario (Multi_PPL): each level of the label chain by likelihood, result (chain credit)",
    assemble=lambda sample, responses: dict(responses), prediction_kind="mapping",
)  # fmt: skip

TASKS: Sequence[TaskSpec] = (CHEF_OMNIBENCHMARK, CHEF_MMBENCH, CHEF_SEEDBENCH, CHEF_MME)
