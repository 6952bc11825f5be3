"""The training file of the built-in tiny cards: lamm-mini's instruction split in the form evaluation sends.

The ``lamm`` adapter asks a paper-protocol question as ``### Human: <Img>`` + visual tokens + ``"</Img> " + system +
"### Human: " + question + "\\n"`` + ``"\\n### Assistant:"`` (``prompt.user_prompt``, the paper-era inference's
layout), while the reference trained with its own per-``task_type`` system messages before the image
(``use_system``). A 7B model bridges the two; a four-layer random LLaMA does not (trained the reference's way, with
or without ``use_system``, its answers ignored the question). So the tiny cards train with
``use_system=false`` on a copy of the instruction file whose first human turn is ``user_prompt(system, question)``,
``system`` being the system message of the benchmark task the record was drawn for (its id starts with that
meta file's name, ``Classification_CIFAR10:12:0``): every training sequence is then exactly an evaluation
sequence followed by its answer. Records of a data file that only ChEF-protocol tasks read (ChEF's MMBench TSV,
MME ...) keep their human turn as it is: a ChEF choice request sends the question alone. The records, answers and
media are lamm-mini's, unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

from lamm_bench.errors import UserError

FORM_VERSION = "1"
"""Version of the rewriting below (part of the trained cards' cache key)."""
FILE = "train.json"
"""Name of the rewritten instruction file inside a card's cache entry."""


def paper_systems() -> dict[str, str]:
    """Meta-file stem -> the system message of the paper-protocol built-in task that reads it."""
    from lamm_bench import registry

    systems: dict[str, str] = {}
    for name, task in sorted(registry.builtin_tasks().items()):
        if task.protocol != "paper":
            continue
        first = Path(task.meta_files[0]).stem
        for meta in task.meta_files:
            # FORM_VERSION 1: every meta file of a task gets the task's first file's message (binary-loc's LSP
            # records get the VOC one, which its evaluation requests never carry)
            systems.setdefault(Path(meta).stem, task.system_for(first))
    return systems


def chef_only_stems() -> set[str]:
    """Stems of the data files only ChEF-protocol built-in tasks read (ChEF's own formats: ``mmbench_dev_20230712``,
    ``SEED-Bench`` ...). Their records' human turns are already in the form evaluation sends: a ChEF choice request
    is the question alone, with no system message and no ``### Human:`` wrapper (``prompt.choice_prompt``)."""
    from lamm_bench import registry

    stems = {Path(m).stem for t in registry.builtin_tasks().values() if t.protocol == "chef" for m in t.meta_files}
    return stems - set(paper_systems())


def evaluation_form(instruct: Path, media_root: Path, out: Path) -> Path:
    """Write ``instruct``'s records to ``out`` with each first human turn in the evaluation prompt's form and each
    media path made absolute (so ``out`` can live anywhere); returns ``out``.

    Raises:
        UserError: ``instruct`` is not a JSON list, or a record's id names no built-in task's meta file.
    """
    from lamm_bench.model_adapters.lamm.prompt import user_prompt

    try:
        records = json.loads(Path(instruct).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UserError(f"{instruct}: cannot read the instruction file ({err})") from None
    if not isinstance(records, list):
        raise UserError(f"{instruct}: expected a JSON list of instruction records")
    systems, chef_only = paper_systems(), chef_only_stems()
    rewritten = []
    for index, record in enumerate(records):
        stem = str(record.get("id", "")).split(":", 1)[0] if isinstance(record, dict) else ""
        if stem not in systems and stem not in chef_only:
            raise UserError(f"{instruct}: record {index}: its id {stem!r} names no built-in task's meta file (the "
                            "tiny cards train on lamm-mini's instruction split)")  # fmt: skip
        conversations = [dict(turn) for turn in record.get("conversations", [])]
        if conversations and isinstance(conversations[0].get("value"), str) and stem in systems:
            conversations[0]["value"] = user_prompt(systems[stem], conversations[0]["value"])
        fixed = {**record, "conversations": conversations}
        for key in ("image", "pcl"):
            if isinstance(record.get(key), str):
                fixed[key] = str((Path(media_root) / record[key]).resolve())
        rewritten.append(fixed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rewritten, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out
