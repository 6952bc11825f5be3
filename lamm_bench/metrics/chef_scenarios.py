"""ChEF's scenario metrics for CIFAR10, Flickr30k, FSC147, VOC2012 and Omnibenchmark, as the PPL recipes use them.

Pure functions over the records of a ChEF answer file (the dicts ``OpenGVLab/LAMM@d01093c``'s inferencers write),
reproducing ``src/ChEF/metric/{classification,caption,counting,detection}.py`` (protocol
``reference/chef-protocol.md`` §2.3): ChEF's key names, percent, and the answer read as written (it need not be
one of the options). Where the reference divides by zero (no records, nothing counted) these return 0.0; where it
crashes on an answer no PPL run writes (a grounding answer without a box, a chain answer shorter than the chain)
they score it wrong; nothing else differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamm_bench.metrics.detection import box_iou
from lamm_bench.parsing.boxes import parse_bbox
from lamm_bench.parsing.chef_answers import clean_answer
from lamm_bench.parsing.text import count_from_text_chef

__all__ = [
    "classification_metrics",
    "caption_acc_metrics",
    "caption_top_acc_metrics",
    "counting_ppl_metrics",
    "detection_ppl_metrics",
    "fine_grained_multi_ppl",
    "fine_grained_single_ppl",
]


Answer = Mapping[str, Any]


def _pct(num: float, den: float) -> float:
    return num / den * 100 if den else 0.0


def classification_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ChEF ``CG_Classification.metric_func`` (``classification.py:16-39``), CIFAR10.

    The answer is cleaned (:func:`~lamm_bench.parsing.chef_answers.clean_answer`: lower-cased, punctuation,
    articles and number words normalised).

    Args:
        answers: Records with ``answer`` and ``gt_answers`` (the label).

    Returns:
        ``ACC``: % whose label is a word of the cleaned answer; ``SYN_ACC``: % matched by ChEF's
        ``classification_acc`` (any WordNet synonym of the label, VOC synonym table, noun lemmas).
    """
    from lamm_bench.parsing.synonyms import chef_voc_class_match  # WordNet loads on first use

    right = synonym_right = 0
    for item in answers:
        cleaned = clean_answer(item["answer"])
        synonym_right += chef_voc_class_match(item["gt_answers"], cleaned)
        right += item["gt_answers"] in cleaned.split()
    return {"ACC": _pct(right, len(answers)), "SYN_ACC": _pct(synonym_right, len(answers))}


def caption_acc_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ChEF ``Caption`` with ``strategy: acc`` (``caption.py:56-66``), Flickr30k.

    Returns:
        ``ACC``: % of records whose ``answer`` is (exactly) one of their ``gt_answers`` sentences.
    """
    right = sum(item["answer"] in item["gt_answers"] for item in answers)
    return {"ACC": _pct(right, len(answers))}


def caption_top_acc_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ChEF ``Caption`` with ``strategy: top_acc`` (``caption.py:68-85``), for the ``top_p`` option strategy.

    Per record, the share of the first half of the options (the GT sentences) among the half with the lowest
    ``ppl_results``. Ties are ranked by option index (a stable sort; numpy's default sort, used by the reference,
    may order equal scores differently).

    Returns:
        ``ACC``: the mean share, in percent.

    Raises:
        ValueError: When a record has an odd number of scores (the reference asserts).
    """
    total = 0.0
    for item in answers:
        scores = item["ppl_results"]
        if len(scores) % 2:
            raise ValueError(f"Flickr30k record {item.get('id')!r}: top_acc needs an even number of options")
        half = len(scores) // 2
        ranked = sorted(range(len(scores)), key=scores.__getitem__)
        total += sum(index < half for index in ranked[:half]) / half
    return {"ACC": _pct(total, len(answers))}


def counting_ppl_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ChEF ``Counting`` with ``inference_type: ppl`` (``counting.py``), FSC147: no MAE.

    Returns:
        ``ACC``: % of records whose answer's first count (digits or a number word up to twenty, ChEF's
        ``ennum2numerical``; 0 when none) equals ``gt_answers``.
    """
    right = sum(count_from_text_chef(item["answer"]) == item["gt_answers"] for item in answers)
    return {"ACC": _pct(right, len(answers))}


def _first_box(text: object) -> list[float] | None:
    boxes = parse_bbox(text) if isinstance(text, str) else []
    return list(boxes[0]) if boxes else None


def detection_ppl_metrics(answers: Sequence[Answer], threshold: float = 0.5) -> dict[str, float]:
    """ChEF ``Detection`` with ``inference_type: ppl`` (``detection.py:56-83``), VOC2012.

    Classification: each answered class (one per GT class turn) is right when it is one of the image's GT labels.
    Grounding: GT object ``i`` (``gt_answers`` is in the grounding turns' order) is counted when its label is
    among the answered classes; it is a hit when the first box parsed from ``grounding_answer[i]`` has IoU
    *strictly* above ``threshold`` with the **unrounded** GT box (the option strings have two decimals, §5.7).
    A grounding answer that is missing or holds no box (the reference crashes) is a counted miss.

    Args:
        answers: Records with ``gt_answers`` (``[{label, bbox}]``), ``classification_answer`` (list of labels)
            and ``grounding_answer`` (list of box strings).
        threshold: IoU threshold (0.5).

    Returns:
        ``classification_acc`` (% of answered classes), ``grounding_acc`` and ``mAP@0.5`` (both hits / counted
        objects, %), ``mAR@0.5`` (hits / grounding answers, %).
    """
    cls_right = cls_count = hits = counted = grounding_answers = 0
    for item in answers:
        objects, classes, boxes = item["gt_answers"], item["classification_answer"], item["grounding_answer"]
        cls_count += len(classes)
        grounding_answers += len(boxes)
        labels = [obj["label"] for obj in objects]
        cls_right += sum(name in labels for name in classes)
        for index, obj in enumerate(objects):
            if obj["label"] not in classes:
                continue
            counted += 1
            box = _first_box(boxes[index]) if index < len(boxes) else None
            hits += box is not None and box_iou(obj["bbox"], box) > threshold
    grounding = _pct(hits, counted)
    return {
        "classification_acc": _pct(cls_right, cls_count),
        "grounding_acc": grounding,
        f"mAP@{threshold}": grounding,
        f"mAR@{threshold}": _pct(hits, grounding_answers),
    }


def _chain_credit(prediction: Sequence[str], chain: Sequence[str]) -> float:
    """``weighted_ACC_multi``: ``i / len(chain)`` at the first wrong level ``i``, 1 when every level is right."""
    for level, label in enumerate(chain):
        if level >= len(prediction) or prediction[level] != label:
            return level / len(chain)
    return 1


def fine_grained_multi_ppl(answers: Sequence[Answer]) -> float:
    """ChEF ``FG_Classification`` with ``inference_type: multi_ppl`` (``classification.py:124-170``), Omnibenchmark.

    Each record's own chain length is used (the reference asserts the answer has the chain's length; a shorter
    answer is wrong from its first missing level here).

    Args:
        answers: Records with ``answer`` (the chosen label per level) and ``gt_answers`` (the chain).

    Returns:
        The mean credit in percent, a bare number (ChEF returns no dict; the caller reports it as ``result``).
    """
    return _pct(sum(_chain_credit(item["answer"], item["gt_answers"]) for item in answers), len(answers))


def fine_grained_single_ppl(answers: Sequence[Answer]) -> float:
    """ChEF ``FG_Classification`` with ``inference_type: single_ppl`` (``weighted_ACC_single``), bare percent.

    A record's credit is ``(i + 1) / len(chain)`` for the *deepest* level ``i`` whose label equals the answer
    (one string), 0 when none does.
    """
    total = 0.0
    for item in answers:
        chain = item["gt_answers"]
        depth = max((level + 1 for level, label in enumerate(chain) if item["answer"] == label), default=0)
        total += depth / len(chain)
    return _pct(total, len(answers))
