"""ChEF's answer options for the nine scenario recipes, built exactly as the ``d01093c`` dataset classes build them.

Pure functions over plain data (meta-file records, TSV rows, the Bamboo hierarchy dict) reproducing
``OpenGVLab/LAMM@d01093c src/ChEF/scenario/*`` (protocol ``reference/chef-protocol.md`` §2.2). Where the reference
draws options with the module-level ``random`` (Flickr30k, VOC2012, Omnibenchmark), the builder takes the whole
dataset in ChEF's order and replays the reference's exact sequence of calls on a private ``random.Random(0)``:
the reference seeds the global generator with 0 when the dataset is built and then draws in access order (a
sequential ``DataLoader``, items 0..N-1), so item i's options depend on every earlier item (§5.6). ChEF's
``--sample_len`` subsetting, which changes that order, is not reproduced. Nothing here touches global state.

Quirks that change options, reproduced: Flickr30k's GT is always last and only one copy of each GT sentence is
removed from the negatives' pool (a caption shared with another image can be drawn as a negative, §5.5); VOC2012's
GT is always first and its negative boxes perturb *all* the image's boxes, its own class's included, twice over
(``other_class_bboxes`` reads ``data_item``, §5.7); Omnibenchmark's sibling sets are built in data order and shared
by label (a chain label that already belongs to a set, even as another label's sibling, gets no set of its own).

The human turn and the answer template of each request come from :mod:`._chef_prompts`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from lamm_bench.metrics.detection import box_iou

__all__ = [
    "CIFAR10_OPTIONS",
    "MME_OPTIONS",
    "letter_options",
    "letter_answer",
    "flickr30k_options",
    "fsc147_options",
    "voc2012_options",
    "omnibenchmark_options",
    "omnibenchmark_single_turn_options",
]

#: ``CIFAR10Dataset.__getitem__``'s fixed option list, in its order (``classification.py:30``).
CIFAR10_OPTIONS: tuple[str, ...] = (
    "cat", "ship", "airplane", "frog", "automobile", "truck", "dog", "horse", "deer", "bird",
)  # fmt: skip
#: ``MMEDataset.__getitem__``'s options (``MME_dataset.py:108``); ``option_lower: True`` is ignored (§5.3).
MME_OPTIONS: tuple[str, str] = ("Yes", "No")

_LETTERS = "ABCDEFGH"
_SEED = 0  # every option generator here is seeded with 0 (Flickr30k hard-codes it, the others use ppl_cfg's 0)


def letter_options(count: int) -> list[str]:
    """ScienceQA/MMBench options ``['(A', '(B', ...]``, with no closing parenthesis (``vqa_dataset.py:20-28``).

    Args:
        count: The number of choices (at most 8).
    """
    return [f"({letter}" for letter in _LETTERS[:count]]


def letter_answer(gt_choice: int) -> str:
    """ScienceQA/MMBench ``gt_answers`` in PPL mode: ``'(A)'`` for choice 0 (with the parenthesis closed)."""
    return f"({_LETTERS[gt_choice]})"


def flickr30k_options(records: Sequence[Mapping[str, Any]], negatives: int = 3) -> list[list[str]]:
    """Flickr30k's ``random`` strategy for every record, in order (``caption_dataset.py:27, 95-104``).

    For item i: all sentences of all records, minus one copy of each of item i's sentences (``list.remove``,
    which removes the *first* copy, possibly another image's), shuffled; the first ``negatives`` of them; then
    item i's sentences shuffled and the first appended. The GT is therefore always last. Replays the global
    ``random.seed(0)`` (hard-coded; the recipe's ``random_seed`` is ignored) in access order.

    Args:
        records: ``Caption_flickr30k.json`` records (``sentences``), in file order.
        negatives: ``negative_opt_num`` (3).

    Returns:
        Each record's options.
    """
    rng = random.Random(_SEED)
    pool = [sentence for record in records for sentence in record["sentences"]]
    options = []
    for record in records:
        candidates = list(pool)
        for sentence in record["sentences"]:
            candidates.remove(sentence)
        rng.shuffle(candidates)
        gts = list(record["sentences"])
        rng.shuffle(gts)
        options.append(candidates[:negatives] + gts[:1])
    return options


def fsc147_options(gt: int, width: int = 2) -> list[str]:
    """FSC147's numeric options (``counting_dataset.py:34-52``, ``heatmap_width`` 2): no randomness.

    The numbers ``max(0, gt-width) .. gt+width`` are kept when in the GT's decade (``n // 10 == gt // 10``);
    one from a lower decade is replaced by ``last + 1``, ``last + 2``, ... and one from a higher decade by
    ``first - 1``, ``first - 2``, ..., so ``gt=10`` gives ``['13', '14', '10', '11', '12']`` and ``gt=0`` gives
    three options.
    """
    numbers = list(range(max(0, gt - width), gt + width + 1))
    options, right, left = [], 1, 1
    for n in numbers:
        if n // 10 == gt // 10:
            options.append(str(n))
        elif n // 10 < gt // 10:
            options.append(str(numbers[-1] + right))
            right += 1
        else:
            options.append(str(numbers[0] - left))
            left += 1
    return options


# --- VOC2012 ---------------------------------------------------------------------------------------------------


def _box_option(box: Sequence[float]) -> str:
    """``bbox2pploption`` for the default template (``det_dataset.py:141``): two decimals."""
    return f"[{box[0]:.2f}, {box[1]:.2f}, {box[2]:.2f}, {box[3]:.2f}]"


def _box_allowed(box: Sequence[float], gt_boxes: Sequence[Sequence[float]]) -> bool:
    """``check_bbox`` (``det_dataset.py:53-60``): inside [0, 1] and IoU <= 0.5 with every GT box of the class."""
    if not all(0.0 <= v <= 1.0 for v in box):
        return False
    return not any(box_iou(gt, box) > 0.5 for gt in gt_boxes)


def _perturbed_box(rng: random.Random, box: Sequence[float]) -> list[float]:
    """``generate_scaled_translated_bbox`` (``det_dataset.py:26-51``): scale about the centre, shift, clip."""
    x1, y1, x2, y2 = box
    width, height = x2 - x1, y2 - y1
    scale = rng.uniform(0.5, 1.5)
    new_width, new_height = width * scale, height * scale
    new_x1 = x1 + (width - new_width) / 2
    new_y1 = y1 + (height - new_height) / 2
    new_x2, new_y2 = new_x1 + new_width, new_y1 + new_height
    dx = rng.uniform(-width / 2, width / 2)
    dy = rng.uniform(-height / 2, height / 2)
    return [max(0, new_x1 + dx), max(0, new_y1 + dy), min(1, new_x2 + dx), min(1, new_y2 + dy)]


def _random_boxes(rng: random.Random, gt_boxes: Sequence[Sequence[float]], count: int) -> list[list[float]]:
    """``VOC2012Dataset.generate_random_bbox`` (``det_dataset.py:104-112``): random boxes until ``count`` pass.

    The reference loops without bound; this gives up after a million draws (no real image needs more than a
    handful: only a box covering nearly the whole image makes the draws fail often).
    """
    found: list[list[float]] = []
    if count <= 0:
        return found
    for _ in range(1_000_000):
        if len(found) >= count:
            return found
        cx, cy, w, h = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 1)
        box = [max(0, cx - w / 2), max(0, cy - h / 2), min(1, cx + w / 2), min(1, cy + h / 2)]
        if _box_allowed(box, gt_boxes):
            found.append(box)
    raise ValueError(f"no random negative box passes the IoU rule against {gt_boxes}")


def _voc_item(rng: random.Random, objects: Sequence[Mapping[str, Any]], classes: Sequence[str], negatives: int):
    grouped: dict[str, list] = {}
    for obj in objects:
        grouped.setdefault(obj["label"], []).append(obj["bbox"])
    pool = [c for c in classes if c not in grouped]
    classification = []
    for label in grouped:
        rng.shuffle(pool)
        classification.append([label] + pool[:negatives])
    all_boxes = [box for boxes in grouped.values() for box in boxes]
    gt_answers, grounding = [], []
    for label, boxes in grouped.items():
        candidates = [
            variant
            for box in boxes + all_boxes
            for variant in (_perturbed_box(rng, box) for _ in range(negatives))
            if _box_allowed(variant, boxes)
        ]
        candidates += _random_boxes(rng, boxes, negatives - len(candidates))
        strings = [_box_option(box) for box in candidates]
        for box in boxes:
            gt_answers.append({"label": label, "bbox": box})
            rng.shuffle(strings)
            grounding.append({"fore_label": label, "options": [_box_option(box)] + strings[:negatives]})
    return {"gt_answers": gt_answers, "classification_options": classification, "grounding_options": grounding}


def voc2012_options(records: Sequence[Mapping[str, Any]], negatives: int = 3) -> list[dict[str, list]]:
    """VOC2012's ``Det_PPL`` options for every record, in order (``det_dataset.py:114-190``).

    Per image, the GT classes in first-appearance order; ``pool`` = all the dataset's classes (first-appearance
    order over the file) minus the image's. Classification, per GT class: ``shuffle(pool)`` (cumulative),
    options ``[gt] + pool[:3]``. Grounding, per class in the same order: three scaled/shifted variants of each of
    ``class boxes + all the image's boxes`` (§5.7) kept when inside [0, 1] with IoU <= 0.5 to every box of the
    class, topped up with random boxes; then per box of the class ``shuffle(candidates)`` (cumulative) and
    ``[GT box string] + candidates[:3]``. Box strings have two decimals; the metric scores the chosen string
    against the unrounded GT. Replays ``random.seed(0)`` in access order.

    Args:
        records: ``Detection_VOC2012.json`` records (``object``: ``[{label, bbox}]``), in file order.
        negatives: ``negative_opt_num`` (3).

    Returns:
        Per record, ChEF's keys: ``gt_answers`` (the objects regrouped by class, the grounding turns' order),
        ``classification_options`` (one list per GT class) and ``grounding_options`` (one
        ``{"fore_label", "options"}`` per GT box).
    """
    classes: list[str] = []
    for record in records:
        for obj in record["object"]:
            if obj["label"] not in classes:
                classes.append(obj["label"])
    rng = random.Random(_SEED)
    return [_voc_item(rng, record["object"], classes, negatives) for record in records]


# --- Omnibenchmark ---------------------------------------------------------------------------------------------


def _lookup(table: Mapping[str, Any], key: str, what: str, row: int) -> Any:
    try:
        return table[key]
    except KeyError:
        raise ValueError(f"Omnibenchmark record {row}: {what} {key!r} is not in the Bamboo hierarchy") from None


def _sibling_sets(records: Sequence[Mapping[str, Any]], tree: Mapping[str, Any]) -> tuple[list[list[str]], dict]:
    """``load_ppl_options``'s disjoint sets (``classification.py:58-101``): each label's same-parent siblings.

    A label first seen at level 0 gets the children of its Bamboo parent, at level k the children of the chain's
    level k-1 label; a child counts when ``id2name[child][0]`` maps back to it through ``name2id`` (the last id
    listing a name wins). A chain label that already belongs to a set builds none; building a set (re)assigns
    every member to it, so a sibling of an earlier set can move to a later one.
    """
    id2name, father2child, child2father = tree["id2name"], tree["father2child"], tree["child2father"]
    name2id = {name: key for key, names in id2name.items() for name in names}

    def usable(child: str) -> bool:
        return child in id2name and name2id.get(id2name[child][0]) == child

    sets: list[list[str]] = []
    name2set: dict[str, int] = {}
    for row, record in enumerate(records):
        chain = record["chain"]
        for level, label in enumerate(chain):
            if label in name2set:
                continue
            label_id = _lookup(name2id, label, "label", row)
            if level == 0:
                parent = _lookup(child2father, label_id, "parent of id", row)[0]
            else:
                parent = _lookup(name2id, chain[level - 1], "label", row)
            members = [label]
            name2set[label] = len(sets)
            for child in _lookup(father2child, parent, "children of id", row):
                if usable(child) and child != label_id:
                    members.append(id2name[child][0])
                    name2set[id2name[child][0]] = len(sets)
            sets.append(members)
    return sets, name2set


def _level_options(records, tree, negatives: int, rng: random.Random) -> list[list[list[str]]]:
    sets, name2set = _sibling_sets(records, tree)
    per_record = []
    for record in records:
        levels = []
        for label in record["chain"]:
            siblings = list(sets[name2set[label]])
            siblings.remove(label)
            rng.shuffle(siblings)
            options = siblings[:negatives] + [label]
            rng.shuffle(options)
            levels.append(options)
        per_record.append(levels)
    return per_record


def omnibenchmark_options(
    records: Sequence[Mapping[str, Any]], tree: Mapping[str, Any], negatives: int = 3
) -> list[list[dict[str, Any]]]:
    """Omnibenchmark's ``Multi_PPL`` options for every record (``classification.py:49-113, 136-145``).

    Per chain level: the label's sibling set minus the label, shuffled, the first ``negatives``, plus the label,
    shuffled again. Computed when the dataset is built, after ``random.seed(0)``, in file order. Each record
    keeps its own chain length (the reference's inferencer crashes on a batch of mixed lengths, §5.8).

    Args:
        records: ``Classification_Omnibenchmark.json`` records (``chain``: labels, coarse to fine).
        tree: The Bamboo file's dict: ``id2name``, ``father2child``, ``child2father``.
        negatives: ``negative_opt_num`` (3).

    Returns:
        Per record, one ``{"fore_label", "options"}`` per level: ``fore_label`` is None at level 0, else the
        chain's previous label (what the level's human turn names).

    Raises:
        ValueError: When a label, or its parent or children, is missing from the hierarchy (naming the record).
    """
    levels = _level_options(records, tree, negatives, random.Random(_SEED))
    return [
        [{"fore_label": None if i == 0 else record["chain"][i - 1], "options": options} for i, options in enumerate(lv)]
        for record, lv in zip(records, levels, strict=True)
    ]


def omnibenchmark_single_turn_options(
    records: Sequence[Mapping[str, Any]], tree: Mapping[str, Any], negatives: int = 3
) -> list[list[str]]:
    """``single_ppl.yaml``'s options: every level's options concatenated, shuffled again in access order.

    The generator continues from the per-level draws of :func:`omnibenchmark_options` (same seed, same calls).
    """
    rng = random.Random(_SEED)
    options = []
    for levels in _level_options(records, tree, negatives, rng):
        flat = [option for level in levels for option in level]
        rng.shuffle(flat)
        options.append(flat)
    return options
