"""ChEF's multiple-choice metrics: ``VQA`` (ScienceQA, SEED-Bench), ``MMBenchVQA`` and ``MMEVQA``.

Pure functions over the records of a ChEF answer file (the dicts ``OpenGVLab/LAMM@d01093c``'s inferencers write,
read as plain data), reproducing ``src/ChEF/metric/vqa.py`` (protocol ``reference/chef-protocol.md`` §2.3): the
same keys in, ChEF's metric names and scales out (percent). Answers go through
:func:`lamm_bench.parsing.chef_answers.fetch_answer` as written, so an answer need not be one of the options.

Where the reference divides by zero (no records) these return 0.0; where it raises on a ground-truth choice
beyond ``D`` (``MMBenchVQA`` indexes ``'ABCD'``) they use the letter ``E`` .. ``G``. Nothing else differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamm_bench.parsing.chef_answers import CHOICE_LETTERS, fetch_answer, mme_answer_label

__all__ = ["MME_SUBTASKS", "vqa_metrics", "mmbench_metrics", "mme_metrics"]

#: ``MMEVQA.cnt_dict``'s subtasks, in its order (the order of the result's keys).
MME_SUBTASKS: tuple[str, ...] = (
    "existence", "count", "position", "color", "posters", "celebrity", "scene", "landmark", "artwork", "OCR",
    "commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning",
)  # fmt: skip


Answer = Mapping[str, Any]


def _pct(num: float, den: float) -> float:
    return num / den * 100 if den else 0.0


def vqa_metrics(answers: Sequence[Answer], content_only: bool = False) -> dict[str, float]:
    """ChEF ``VQA.metric_func`` (``vqa.py:79-101``).

    Args:
        answers: Records with ``answer`` (text), ``gt_choice`` (0-based index) and ``gt_choices`` (option texts).
        content_only: ``VQA(content_only=True)``: the extractor skips its letter stage.

    Returns:
        ``ACC``: % of records whose extracted letter is the GT's; ``match_ratio``: % with any letter extracted.
    """
    right = matched = 0
    for item in answers:
        letter = fetch_answer(item["answer"], item["gt_choices"], content_only).letter
        matched += bool(letter)
        right += letter == CHOICE_LETTERS[item["gt_choice"]]
    return {"ACC": _pct(right, len(answers)), "match_ratio": _pct(matched, len(answers))}


def _group_all_right(group: Sequence[Answer], gt_of: Mapping[Any, int], counts: dict[str, int], content_only: bool):
    """``MMBenchVQA.eval_sub_data``: 1 iff every copy is read and right; counts how each read letter was found."""
    result = 1
    for item in group:
        found = fetch_answer(item["answer"], item["gt_choices"], content_only)
        if found.letter is None:
            result = 0
            continue
        counts["content"] += found.content_match
        counts["option"] += found.option_match
        if found.letter != CHOICE_LETTERS[gt_of[item["id"]]]:
            result = 0
    return result


def mmbench_metrics(answers: Sequence[Answer], content_only: bool = False) -> dict[str, float]:
    """ChEF ``MMBenchVQA.metric_func`` (``vqa.py:103-163``): vanilla and circular accuracy.

    Records are sorted by ``int(id)``. The first record of each ``int(id) % 1e6`` is the vanilla one. Its circular
    group is every record whose ``int(id) % 1e6`` equals *its own* ``int(id)``: the vanilla record and its
    copies when it is an original (id < 1e6); *nothing* when the first record seen is itself a copy, and an empty
    group counts as right (reference behaviour). A group is right when every member is read and right. The
    ground truth of an id is the last record's ``gt_choice`` with that id.

    Args:
        answers: Records with ``id`` (int-like string), ``answer``, ``gt_choice``, ``gt_choices``.
        content_only: ``MMBenchVQA(content_only=True)``.

    Returns:
        ``vanilla_acc`` and ``circular_acc`` (% of distinct main ids); ``option_match`` and ``content_match``
        (how the circular groups' read letters were found, % of all records).
    """
    gt_of = {item["id"]: item["gt_choice"] for item in answers}
    ordered = sorted(answers, key=lambda item: int(item["id"]))
    groups: dict[int, list[Answer]] = {}
    for item in ordered:
        groups.setdefault(int(item["id"]) % 1_000_000, []).append(item)
    seen: set[int] = set()
    vanilla = circular = 0
    counts = {"option": 0, "content": 0}
    for item in ordered:
        main = int(item["id"]) % 1_000_000
        if main in seen:
            continue
        seen.add(main)
        letter = fetch_answer(item["answer"], item["gt_choices"], content_only).letter
        vanilla += letter == CHOICE_LETTERS[gt_of[item["id"]]]
        circular += _group_all_right(groups.get(int(item["id"]), []), gt_of, counts, content_only)
    return {
        "vanilla_acc": _pct(vanilla, len(seen)),
        "circular_acc": _pct(circular, len(seen)),
        "option_match": _pct(counts["option"], len(answers)),
        "content_match": _pct(counts["content"], len(answers)),
    }


def mme_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """ChEF ``MMEVQA.metric_func`` (``vqa.py:205-239``): per-subtask acc and acc+, then overall.

    The answer is read by :func:`~lamm_bench.parsing.chef_answers.mme_answer_label` and compared with the
    lower-cased ``gt_answers``. acc+ counts an image (keyed by ``image_path``, attributed to the subtask of its
    first record) once its second right answer arrives. Per subtask the reference divides by ``count + 1e-6``
    (so a perfect subtask of two questions scores 99.99995), overall by the plain totals.

    Args:
        answers: Records with ``answer``, ``gt_answers`` (``Yes``/``No``), ``image_path`` and ``task_type``.

    Returns:
        ``<subtask>`` and ``<subtask>_plus`` for the 14 subtasks of :data:`MME_SUBTASKS` (in that order), then
        ``overall`` and ``overall_plus``; all percent.

    Raises:
        ValueError: For a ``task_type`` that is not an MME subtask (the reference raises ``KeyError``).
    """
    count = dict.fromkeys(MME_SUBTASKS, 0)
    right = dict.fromkeys(MME_SUBTASKS, 0)
    images = dict.fromkeys(MME_SUBTASKS, 0)
    images_right = dict.fromkeys(MME_SUBTASKS, 0)
    right_per_image: dict[Any, int] = {}
    for item in answers:
        task = item["task_type"]
        if task not in count:
            raise ValueError(f"MME record {item.get('id')!r}: unknown task_type {task!r}")
        image = item["image_path"]
        if image not in right_per_image:
            right_per_image[image] = 0
            images[task] += 1
        count[task] += 1
        if mme_answer_label(item["answer"]) == item["gt_answers"].lower():
            right[task] += 1
            right_per_image[image] += 1
            if right_per_image[image] == 2:
                images_right[task] += 1
    results: dict[str, float] = {}
    for task in MME_SUBTASKS:
        results[task] = right[task] / (count[task] + 1e-6) * 100
        results[f"{task}_plus"] = images_right[task] / (images[task] + 1e-6) * 100
    results["overall"] = _pct(sum(right.values()), sum(count.values()))
    results["overall_plus"] = _pct(sum(images_right.values()), sum(images.values()))
    return results
