"""Metric functions (pure, over plain Python/numpy) and the one registry of metric directions.

Metric names say what is computed (``recall@0.5``, ``pck@0.1``), not what a paper called it. Every metric a
task reports must resolve through :func:`higher_is_better`: a built-in one here, a task's own (a plugin's new
metric) in its ``TaskSpec.metrics``. The direction travels into every result file; the leaderboard's arrows come
from there.
"""

from __future__ import annotations

from collections.abc import Mapping

from lamm_bench.metrics.chef_vqa import MME_SUBTASKS

HIGHER_IS_BETTER: dict[str, bool] = {
    # classification / VQA / OCR / attributes / locating
    "accuracy": True,
    "word_accuracy": True,
    "unparsed_rate": False,
    "accuracy_voc2012": True,  # binary-loc: the VOC2012 part of the pooled locating accuracy
    "accuracy_lsp": True,  # binary-loc: the LSP part
    # detection and grounding (suffixed with @<IoU threshold>)
    "recall": True,
    "precision": True,
    "f1": True,
    "f1_with_category": True,
    "recall_with_category": True,
    "precision_with_category": True,
    "recall_without_category": True,
    "precision_without_category": True,
    "ap": True,
    "acc": True,
    "acc_reference": True,  # 3D grounding with the paper-era (unclamped) IoU
    "recall_reference": True,  # detection recall as LAMM computes it (label anywhere, any box)
    # keypoints
    "pck": True,
    "pck_reference": True,
    # captioning
    "bleu4_nltk": True,
    "bleu1": True,
    "bleu2": True,
    "bleu3": True,
    "bleu4": True,
    "meteor": True,
    "rouge_l": True,
    "cider": True,
    # counting (raw counts, not percent)
    "mae": False,
    "mae_gt_lt10": False,
    "clipped_error": False,
    "exact_match": True,
    # ChEF's own names, as its metric classes report them (the chef-* tasks; lamm_bench.metrics.chef_vqa and
    # chef_scenarios): percent, higher is better
    "ACC": True,
    "SYN_ACC": True,
    "match_ratio": True,
    "vanilla_acc": True,
    "circular_acc": True,
    "option_match": True,
    "content_match": True,
    "overall": True,
    "overall_plus": True,
    "classification_acc": True,
    "grounding_acc": True,
    "mAP": True,  # ChEF's VOC grounding hits over counted objects (mAP@0.5), not an average precision
    "mAR": True,
    "result": True,  # Omnibenchmark's bare number
    # ChEF's desiderata (lamm_bench.metrics.chef_desiderata): ECE and POPE's numbers are fractions
    "ECE": False,
    "brier": False,  # not ChEF's: the Brier score of the options' probabilities
    "Acc_bins": True,  # a reliability bin's accuracy (Acc_bins@<bin>): descriptive, its direction nominal
    "Prob_bins": True,  # a reliability bin's mean probability: descriptive, its direction nominal
    "Accuracy": True,
    "Precision": True,
    "Recall": True,
    "F1 score": True,
    "Yes ratio": True,  # POPE's share of yes answers: descriptive (0.5 on its balanced splits), direction nominal
    "RIAM": True,  # ICL (lamm_bench.metrics.chef_icl): relative in-context accuracy, 50 = no change from 0 shots
    "RRM": True,  # robustness (ChEF's eval_robust.py; lamm_bench.metrics.desiderata3d): skill above chance kept, percent
    "RR": True,  # robustness: corrupted accuracy over clean accuracy, percent
    "acc_rand": True,  # the chance accuracy RRM is measured against: descriptive, its direction nominal
    # instruction following (lamm_bench.metrics.chef_insfollow): a run's Instruct_Follow (<run>/Acc) and match ratio
    # against the origin run (<run>/MR), and the driver's averages over the mapping types; percent
    "Acc": True,
    "MR": True,
    "weighted_avg_MR": True,
    "weighted_avg_Acc": True,
    **{name: True for subtask in MME_SUBTASKS for name in (subtask, f"{subtask}_plus")},
}


def higher_is_better(name: str, declared: Mapping[str, str] | None = None) -> bool:
    """Direction of a metric, by its base name (the part before ``@``, after a run's ``<run>/`` prefix).

    Args:
        name: The metric as a task reports it, e.g. ``recall@0.5`` or ``POPE_COCO_random/Accuracy``.
        declared: The reporting task's own declarations (``TaskSpec.metrics``: base name -> ``"higher"`` or
            ``"lower"``), consulted before the built-in registry.

    Raises:
        KeyError: for a metric declared neither by the task nor in ``HIGHER_IS_BETTER``.
    """
    base = name.split("@", 1)[0].rsplit("/", 1)[-1]
    if declared and base in declared:
        return declared[base] == "higher"
    if base not in HIGHER_IS_BETTER:
        raise KeyError(
            f"metric {name!r} has no direction: a task reporting it must declare it in TaskSpec.metrics "
            f"({{{base!r}: 'higher' or 'lower'}})"
        )
    return HIGHER_IS_BETTER[base]
