"""ChEF's instruction-following desideratum: ``Instruct_Follow`` (with its answer extractor ``Answer_Extractor_map``),
the match ratio ``compute_MR`` and the driver's weighted averages over the mapping types.

Pure functions over the records of ChEF answer files (the dicts ``OpenGVLab/LAMM@d01093c``'s PPL inferencer writes,
read as plain data), reproducing ``src/ChEF/metric/desiderata.py:232-306`` and ``src/tools/ChEF/eval_insfollow.py``
(protocol ``reference/chef-protocol.md`` §3): percent, ChEF's names. A run's ``Instruct_Follow`` is ``<run>/Acc``
(the driver's ``Accs``), a mapped run's match ratio ``<run>/MR``, and ``weighted_avg_MR`` / ``weighted_avg_Acc`` the
mean over the three mapping types of each type's mean, so natural's three settings weigh 1/9 each, neutral's two
1/6, unnatural's one 1/3.

Where these differ from the reference, the reference raises: no records (0.0 here instead of a division by zero);
an id that is not an integer (lamm-mini's ``sqa0``; the reference's ``int(id) % 1e6``) stands for itself; an answer
that is not one of its record's options (an unanswered sample) matches no option in the match ratio; and a run
missing from the records (a ``--limit`` run; ``lamm-bench score`` refuses a folder without every run's file) is
left out, each average then taken over the types and settings present.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "INSFOLLOW_SETTINGS", "INSFOLLOW_RUNS", "MAPPING_TYPES", "RUN_WEIGHTS", "item_key", "mapped_answer",
    "instruct_follow", "match_ratio", "insfollow_runs_metrics",
]  # fmt: skip

Answer = Mapping[str, Any]

INSFOLLOW_SETTINGS: tuple[tuple[str, int], ...] = (
    ("natural", 0), ("natural", 1), ("natural", 2), ("neutral", 0), ("neutral", 1), ("unnatural", 0),
)  # fmt: skip
"""The driver's label mappings (``eval_insfollow.py``'s ``settings``), in its order: (type, id in the type's list)."""
INSFOLLOW_RUNS: tuple[str, ...] = ("origin", *(f"{kind}_{i}" for kind, i in INSFOLLOW_SETTINGS))
"""The runs: ``origin`` (no mapping), then each setting as ``<type>_<id>`` (the driver's folder names)."""
MAPPING_TYPES: tuple[str, ...] = ("natural", "neutral", "unnatural")
"""The types the weighted averages average over, in the driver's order."""
RUN_WEIGHTS: dict[str, float] = {
    "origin": 0.0,
    **{f"{kind}_{i}": 1 / (len(MAPPING_TYPES) * sum(k == kind for k, _ in INSFOLLOW_SETTINGS))
       for kind, i in INSFOLLOW_SETTINGS},
}  # fmt: skip
"""Each run's weight in the weighted averages (the origin run is in neither)."""

_LETTER_PERIOD = re.compile(r"([A-Z]\.)")  # the extractor's "mmbench direct pattern"
_OPEN_PAREN_LETTER = re.compile(r"\([A-Z]")  # its "ppl pattern"
_AFFIXES = (
    ("(", ")"), ("(", ")."), ("", "."), ("", ","), ("", ":"), ("", ")"), ("", ")."),
    (":", ""), (":", ","), (":", "."), (":", ")"), (":", ")."),
)  # fmt: skip


def item_key(chef_id: object) -> str:
    """The question an id stands for: ``str(int(id) % 1e6)`` (a circular MMBench copy is its question's), or the
    id itself when it is not an integer."""
    try:
        return str(int(str(chef_id)) % 1_000_000)
    except ValueError:
        return str(chef_id)


def _preprocess(answer: str) -> str:
    """``Answer_Extractor_map.preprocess_text``: ``(X)`` for the first capital letter before a period, else for the
    first ``(`` + capital letter, in the cleaned text; otherwise the answer as it came (not the cleaned text)."""
    text = answer.split("###")[0].split("Assistant:")[-1].strip()
    text = text.strip("</s><s>").strip("</Img>").strip()  # character sets, as str.strip reads them
    found = _LETTER_PERIOD.findall(text)
    if found:
        return "(" + found[0][:-1] + ")"
    found = _OPEN_PAREN_LETTER.findall(text)
    if found:
        return found[0] + ")"
    return answer


def _only(tokens: Sequence[str], choices: Sequence[str], prefix: str = "", suffix: str = "") -> str | None:
    """The one choice written as ``prefix + choice + suffix`` among the tokens (None for none or several)."""
    found = [c for c in choices if prefix + c + suffix in tokens]
    return found[0] if len(found) == 1 else None


def mapped_answer(answer: str, choices: Sequence[str]) -> str | None:
    """``Answer_Extractor_map.fetch_answer``: the option (a mapped label) an answer names, or None.

    After preprocessing, the whitespace tokens are searched for exactly one choice as a bare token (taken unless it
    is ``A``), then for each affix pattern in turn (``(c)``, ``(c).``, ``c.``, ... ``:c).``), the first that exactly
    one choice matches deciding. ChEF's own options are read this way too: ``(B`` becomes ``(B)``, found as
    ``(B`` + ``)``.

    Args:
        answer: The answer as the answer file holds it (for a PPL recipe, the chosen option).
        choices: The record's ``options`` (the mapped labels, or ChEF's ``(A``... in the origin run).
    """
    tokens = [token.strip() for token in _preprocess(answer).split()]
    bare = _only(tokens, choices)
    if bare is not None and bare != "A":
        return bare
    for prefix, suffix in _AFFIXES:
        found = _only(tokens, choices, prefix, suffix)
        if found is not None:
            return found
    return None


def instruct_follow(answers: Sequence[Answer]) -> float:
    """ChEF ``Instruct_Follow.metric_func``: percent of the questions (the first record of each :func:`item_key`, in
    file order) whose answer names the ground truth's option, ``options[gt_choice]`` (compared lower-cased).

    Args:
        answers: Records with ``id``, ``answer``, ``options`` and ``gt_choice``.
    """
    seen: set[str] = set()
    score = 0.0
    for item in answers:
        key = item_key(item["id"])
        if key in seen:
            continue
        seen.add(key)
        found = mapped_answer(item["answer"], item["options"])
        if found is not None and found.lower() == item["options"][item["gt_choice"]].lower():
            score += 1.0
    return score / len(seen) * 100 if seen else 0.0


def _chosen_index(item: Answer) -> int | None:
    options = list(item["options"])
    return options.index(item["answer"]) if item["answer"] in options else None


def match_ratio(origin: Sequence[Answer], target: Sequence[Answer]) -> float:
    """``compute_MR(origin, target)`` (``eval_insfollow.py:26-40``): percent of the questions (the first record of
    each :func:`item_key`, walking both files in step) whose chosen option has the same place in ``options`` as in
    the origin run.

    Raises:
        ValueError: The files' records, walked in step, have different ids (the reference asserts).
    """
    seen: set[str] = set()
    same = 0
    for o, t in zip(origin, target):
        key = item_key(o["id"])
        if key in seen:
            continue
        seen.add(key)
        if o["id"] != t["id"]:
            raise ValueError(f"record {len(seen) - 1}: id {t['id']!r} where the origin run has {o['id']!r}")
        o_index, t_index = _chosen_index(o), _chosen_index(t)
        same += o_index is not None and o_index == t_index
    return same / len(seen) * 100 if seen else 0.0


def _weighted_average(values: Mapping[str, float]) -> float:
    """The driver's ``avg``: for each type, the sum of its settings' values over their count; their sum over the
    types (the driver's order and float operations)."""
    total, types = 0.0, 0
    for kind in MAPPING_TYPES:
        present = [values[f"{k}_{i}"] for k, i in INSFOLLOW_SETTINGS if k == kind and f"{k}_{i}" in values]
        if not present:
            continue
        tmp = 0.0
        for value in present:
            tmp += value
        total += tmp / len(present)
        types += 1
    return total / types if types else 0.0


def insfollow_runs_metrics(answers: Sequence[Answer]) -> dict[str, float]:
    """The instruction-following desideratum over its runs: ``<run>/Acc`` (``Instruct_Follow``) for every run,
    ``<run>/MR`` (:func:`match_ratio` against ``origin``) for every mapped run, ``weighted_avg_MR`` and
    ``weighted_avg_Acc``.

    Args:
        answers: Records whose ``id`` is ``<run>/<ChEF id>``, ``<run>`` one of :data:`INSFOLLOW_RUNS`.

    Raises:
        ValueError: A record whose id names no run, or runs whose records are not in the same order.
    """
    by_run: dict[str, list[Answer]] = {}
    for item in answers:
        run, slash, chef_id = str(item["id"]).partition("/")
        if run not in INSFOLLOW_RUNS or not slash:
            raise ValueError(f"record id {item['id']!r} is not '<run>/<id>' of a run ({', '.join(INSFOLLOW_RUNS)})")
        by_run.setdefault(run, []).append({**item, "id": chef_id})
    accs = {run: instruct_follow(by_run[run]) for run in INSFOLLOW_RUNS if run in by_run}
    mrs = {}
    if "origin" in by_run:
        for run in INSFOLLOW_RUNS[1:]:
            if run in by_run:
                try:
                    mrs[run] = match_ratio(by_run["origin"], by_run[run])
                except ValueError as exc:
                    raise ValueError(f"run {run}: {exc}") from None
    return {
        **{f"{run}/Acc": acc for run, acc in accs.items()},
        **{f"{run}/MR": mr for run, mr in mrs.items()},
        "weighted_avg_MR": _weighted_average(mrs),
        "weighted_avg_Acc": _weighted_average({run: acc for run, acc in accs.items() if run != "origin"}),
    }
