"""The reader of ChEF's Omnibenchmark scenario and its Bamboo label hierarchy (``OmnibenchmarkDataset``,
``OpenGVLab/LAMM@d01093c src/ChEF/scenario/classification.py:34-146``).

Files, beneath the data root (ChEF's ``../data/X`` is ``ROOT/X``):

- ``ChEF/OmniBenchmark_Bamboo/meta_file/Classification_Omnibenchmark.json``: a JSON list of records ``{image,
  label, chain, realm_name, ...}``; ``image`` is relative to ``ChEF/OmniBenchmark_Bamboo/``; ``chain`` is the label
  chain, coarse to fine (ChEF's data preparation writes four levels; any length of one or more is read, each
  sample keeping its own, where the reference's ``Multi_PPL`` crashes on a batch of mixed lengths, §5.8).
- ``Bamboo/sensexo_visual_add_academic_add_state_V4.visual.json``: the hierarchy, a JSON object with ``id2name``
  (id -> names, the first is the label), ``father2child`` (id -> child ids) and ``child2father`` (id -> parent ids);
  a name maps to the *last* id listing it, as the reference builds ``name2id``.

The answer options are drawn over the whole file from the hierarchy (each level's same-parent siblings,
``load_ppl_options``), so the task hands its option builder to :func:`omnibenchmark_reader`: the reader checks
every chain against the hierarchy, then calls ``build(records, tree)`` once, over all records in file order, and
puts each record's result in its sample's ``target["chef"]``. That is how the hierarchy reaches the task.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamm_bench.chef_data import (
    BAMBOO_FILE,
    OMNI_DIR,
    OMNI_FILE,
    Reader,
    one_image_sample,
    read_data_file,
    require,
)
from lamm_bench.errors import UserError
from lamm_bench.jsoncheck import load_json
from lamm_bench.records import MetaFile, Sample

OptionBuilder = Callable[[Sequence[Mapping[str, Any]], Mapping[str, Any]], Sequence[Any]]
"""``build(records, tree)``: one entry per record, in order (``tasks._chef_options.omnibenchmark_options``)."""

TREE_KEYS = ("id2name", "father2child", "child2father")


@dataclass(frozen=True)
class Omnibenchmark:
    """What the Omnibenchmark reader read: the samples, both files, the records as written and the hierarchy."""

    samples: list[Sample]
    metas: list[MetaFile]
    records: list[dict]
    """``Classification_Omnibenchmark.json``'s records, in file order (what an option builder reads)."""
    tree: dict[str, dict[str, list[str]]]
    """The Bamboo file's ``id2name``, ``father2child`` and ``child2father``."""


def read_bamboo(path: Path) -> tuple[dict[str, dict[str, list[str]]], MetaFile]:
    """The Bamboo hierarchy's three tables, checked: each an object mapping an id to a list of strings, every
    ``id2name`` list non-empty (its first name is the label); and the file's :class:`MetaFile` (for the fingerprint;
    it holds no records, the tables are returned)."""
    raw, sha = read_data_file(path)
    document = load_json(raw, str(path))
    if not isinstance(document, dict):
        raise UserError(f"{path}: expected a JSON object with {', '.join(TREE_KEYS)}")
    tree = {}
    for key in TREE_KEYS:
        table = document.get(key)
        if not isinstance(table, dict):
            raise UserError(f"{path}: {key!r} should be an object (id -> list of ids or names)")
        for entry, values in table.items():
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise UserError(f"{path}: {key}[{entry!r}] should be a list of strings")
            if key != "father2child" and not values:
                raise UserError(f"{path}: {key}[{entry!r}] is empty")
        tree[key] = table
    return tree, MetaFile(path=path, sha256=sha, records=[])


def check_chains(records: Sequence[Mapping[str, Any]], tree: Mapping[str, Mapping[str, list[str]]], where: Path,
                 bamboo: Path) -> None:  # fmt: skip
    """Every label of every chain is in the hierarchy with what the option draw looks up: the label's id; at level
    0 the id's first parent and that parent's children; at level k the children of level k-1's label.

    Stricter than the reference, which looks a label up only the first time it meets it outside every sibling set
    built so far; a chain that lacks an entry would make its options depend on which labels came before.

    Raises:
        UserError: naming the meta file, the record, the level and the missing entry.
    """
    id2name, father2child, child2father = (tree[k] for k in TREE_KEYS)
    name2id = {name: key for key, names in id2name.items() for name in names}
    for row, record in enumerate(records):
        chain = record["chain"]
        for level, label in enumerate(chain):
            at = f"{where}: record {row}, chain level {level}"
            if label not in name2id:
                raise UserError(f"{at}: label {label!r} is not in the Bamboo hierarchy {bamboo}")
            if level > 0:
                parent = name2id[chain[level - 1]]
            elif name2id[label] in child2father:
                parent = child2father[name2id[label]][0]
            else:
                raise UserError(f"{at}: label {label!r} (id {name2id[label]}) has no parent in {bamboo}")
            if parent not in father2child:
                raise UserError(f"{at}: the parent {parent!r} of label {label!r} has no children list in {bamboo}")


def _sample(root: Path, row: int, record: object, seen: set[str], path: Path) -> Sample:
    where = f"{path}: record {row}"
    record = require(where, record, {"image": str, "chain": list, "realm_name": str})
    if not record["chain"] or not all(isinstance(label, str) for label in record["chain"]):
        raise UserError(f"{where}: field 'chain' should be a non-empty list of labels (strings)")
    target = {k: v for k, v in record.items() if k not in ("id", "image")}
    sample_id = str(record["id"]) if "id" in record else str(row)
    return one_image_sample(where, seen, sample_id, path.stem, "", target, root / OMNI_DIR, record["image"])


def read_omnibenchmark(root: Path) -> Omnibenchmark:
    """Omnibenchmark's records in file order, checked against the Bamboo hierarchy.

    Samples: id ``str(record['id'])`` if present, else the position (ChEF's); query empty (the scenario's questions
    are fixed per level); target every field but ``id`` and ``image`` (``chain``, ``label``, ``realm_name`` ...).
    The files read are the meta file and the hierarchy, in that order.
    """
    path, bamboo = root / OMNI_FILE, root / BAMBOO_FILE
    raw, sha = read_data_file(path)
    records = load_json(raw, str(path))
    if not isinstance(records, list) or not records:
        raise UserError(f"{path}: expected a non-empty JSON list of records")
    seen: set[str] = set()
    samples = [_sample(root, row, record, seen, path) for row, record in enumerate(records)]
    tree, tree_meta = read_bamboo(bamboo)
    check_chains(records, tree, path, bamboo)
    return Omnibenchmark(samples, [MetaFile(path=path, sha256=sha, records=records), tree_meta], records, tree)


def omnibenchmark_reader(build: OptionBuilder | None = None) -> Reader:
    """The ``TaskSpec.reader`` of an Omnibenchmark task: :func:`read_omnibenchmark`, with ``build(records, tree)``'s
    entry for each record in its sample's ``target["chef"]`` (no ``chef`` entry without a builder)."""

    def read(root: Path) -> tuple[list[Sample], list[MetaFile]]:
        data = read_omnibenchmark(root)
        if build is None:
            return data.samples, data.metas
        made = build(data.records, data.tree)
        samples = [dataclasses.replace(s, target={**s.target, "chef": m}) for s, m in zip(data.samples, made, strict=True)]
        return samples, data.metas

    return read
