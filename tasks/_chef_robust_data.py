"""The inputs of ChEF's robustness runs (``origin``, ``ic``, ``tc``, ``ictc``): ChEF's corrupted copies when the data
root has them, else corruptions generated here with :mod:`lamm_bench.corruptions`.

**ChEF's files** (``d01093c``'s dataset classes with ``img_crp``/``text_crp``), under the data root:

- ScienceQA: ``ChEF/ScienceQA_C/VQA_ScienceQA_C.json`` replaces the meta file for text corruption (its records read
  as the meta file's are, images still under ``2D_Benchmark/``); for image corruption each record's ``image`` is
  read under ``ChEF/ScienceQA_C/`` instead of ``2D_Benchmark/``.
- MMBench: ``ChEF/MMBench_C/images/{row}.png`` (the TSV row, 0-based) for image corruption;
  ``ChEF/MMBench_C/MMBench_C.json``, a list parallel to the TSV's rows, gives the whole question (``query``, every
  `` (X)`` turned into ``\\n(X)`` for X in A..E, in that order), ``gt_choices`` and ``gt_choice``.

A ``ChEF/ScienceQA_C`` (``ChEF/MMBench_C``) folder without its JSON file is a ``UserError``: the copies come together.

**Generated** (no such folder): each clean item gets one image corruption and one text corruption drawn from
``(--seed, dataset, item)`` (an MMBench circular copy shares its main question's draw, so its copies stay copies).
Text corruption edits the question's own words only -- ScienceQA's text before ``Context:``/``Options:``, MMBench's
hint and question -- never the options. Corrupted images are written once under
``ChEF/generated/<dataset>_C/images/<key>.png``, the key a hash of the generator's version, the seed, the draw and
the source image's content (atomically: a killed run leaves no partial file under a trusted name), and the draws
are listed in ``ChEF/generated/<dataset>_C/manifest-seed<seed>.json``, which is hashed like a meta file: it is
in the result's ``meta_files`` and the task fingerprint, so a different seed or generator is a different task
identity. ``corruption_source`` (``chef-files`` or ``generated`` with the generator and seed) goes in the result's
settings.

Samples come interleaved -- item 0 in its four runs, then item 1 ...; a ``--limit`` of k (per run) asks every run
about the same k items. Ids are ``<run>/<ChEF id>``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lamm_bench.chef_mmbench import OPTION_COLUMNS, read_mmbench
from lamm_bench.corruptions import (
    GENERATOR, IMAGE_PARAMETERS, TEXT_CORRUPTIONS, TEXT_FRACTIONS, corrupt_image, corrupt_text, draw, png_bytes, rng_for,
)  # fmt: skip
from lamm_bench.data import load_samples, read_meta_file, resolve_media
from lamm_bench.errors import UserError
from lamm_bench.files import atomic_write_bytes
from lamm_bench.metrics.chef_robust import ROBUST_RUNS
from lamm_bench.records import MetaFile, Sample
from lamm_bench.task import TaskSpec

from ._chef_prompts import mmbench_question, scienceqa_question

log = logging.getLogger(__name__)

SQA_C_DIR = "ChEF/ScienceQA_C"
SQA_C_FILE = f"{SQA_C_DIR}/VQA_ScienceQA_C.json"
MMBENCH_C_DIR = "ChEF/MMBench_C"
MMBENCH_C_FILE = f"{MMBENCH_C_DIR}/MMBench_C.json"
GENERATED_DIR = "ChEF/generated"


@dataclasses.dataclass(frozen=True)
class Item:
    """One item as one run asks it: the ChEF question (before the recipe's query), choices, answer, image."""

    sample: Sample
    """The clean sample it comes from (its id is the ChEF id)."""
    question: str
    gt_choices: tuple[str, ...]
    gt_choice: int
    image: str
    corruption: Mapping[str, Any] | None = None
    """What was done to it (generated inputs only)."""


def _relative(path: str, root: Path) -> str:
    return Path(path).relative_to(root).as_posix()


def interleave(root: Path, runs: Mapping[str, Sequence[Item]]) -> list[Sample]:
    """Every run's items as samples ``<run>/<id>``, item by item (run order within an item); a corrupted item keeps
    its clean counterpart (same position in ``origin``) in ``target["clean"]`` for the prediction browser."""
    samples = []
    for i in range(max(len(items) for items in runs.values())):
        for run in ROBUST_RUNS:
            if i >= len(runs[run]):
                continue
            item, clean = runs[run][i], runs["origin"][min(i, len(runs["origin"]) - 1)]
            target = {"run": run, "question": item.question, "gt_choices": list(item.gt_choices),
                      "gt_choice": item.gt_choice, **{k: v for k, v in item.sample.target.items() if k == "index"}}  # fmt: skip
            if run != "origin":
                target["clean"] = {"question": clean.question, "image": _relative(clean.image, root)}
            if item.corruption:
                target["corruption"] = dict(item.corruption)
            samples.append(Sample(id=f"{run}/{item.sample.id}", source=item.sample.source, query=item.sample.query,
                                  target=target, images=(item.image,)))  # fmt: skip
    return samples


# --- ChEF's files -------------------------------------------------------------------------------------------------


def _chef_question(build: Callable[[], str], where: str) -> str:
    try:
        return build()
    except ValueError as exc:
        raise UserError(f"{where}: {exc}") from None


def _sqa_item(sample: Sample, image: str, where: str) -> Item:
    question = _chef_question(lambda: scienceqa_question(sample.query), where)
    t = sample.target
    return Item(sample, question, tuple(t["gt_choices"]), t["gt_choice"], image)


def scienceqa_files(base: TaskSpec, root: Path) -> tuple[dict[str, list[Item]], list[MetaFile]]:
    """The four runs from ChEF's ScienceQA_C files (see the module docstring)."""
    clean, metas = load_samples(base, root, check_media=False)
    crp, crp_metas = load_samples(dataclasses.replace(base, meta_files=(SQA_C_FILE,)), root, check_media=False)
    c_dir = root / SQA_C_DIR

    def moved(meta: MetaFile, index: int) -> str:
        return str(resolve_media(c_dir, meta.records[index]["image"], where=f"{meta.path}: record {index}",
                                 check_exists=False))  # fmt: skip

    def items(samples: list[Sample], meta: MetaFile, image_crp: bool) -> list[Item]:
        return [_sqa_item(s, moved(meta, i) if image_crp else s.images[0], f"{meta.path}: record {i}")
                for i, s in enumerate(samples)]  # fmt: skip

    runs = {"origin": items(clean, metas[0], False), "ic": items(clean, metas[0], True),
            "tc": items(crp, crp_metas[0], False), "ictc": items(crp, crp_metas[0], True)}  # fmt: skip
    return runs, metas + crp_metas


def scienceqa_clean(base: TaskSpec, root: Path) -> tuple[list[Item], list[MetaFile]]:
    """ScienceQA's clean items (the scenario's meta file)."""
    clean, metas = load_samples(base, root, check_media=False)
    return [_sqa_item(s, s.images[0], f"{metas[0].path}: record {i}") for i, s in enumerate(clean)], metas


def _mmbench_row(sample: Sample, question: str | None = None, hint: str | None = None) -> dict:
    t = sample.target
    return {"question": sample.query if question is None else question,
            "hint": t.get("hint") if hint is None else hint, **{c: t.get(c) for c in OPTION_COLUMNS}}  # fmt: skip


def _mmbench_item(sample: Sample, image: str, question: str | None = None, hint: str | None = None) -> Item:
    t = sample.target
    choices = tuple(t[c] for c in OPTION_COLUMNS if t.get(c) is not None)
    return Item(sample, mmbench_question(_mmbench_row(sample, question, hint)), choices, "ABCDE".index(t["answer"]),
                image)


def mmbench_clean(root: Path) -> tuple[list[Item], list[MetaFile]]:
    """MMBench's clean items (the TSV's rows)."""
    clean, metas = read_mmbench(root)
    return [_mmbench_item(s, s.images[0]) for s in clean], metas


def _mmbench_crp(sample: Sample, record: Any, image: str, where: str) -> Item:
    ok = (isinstance(record, dict) and isinstance(record.get("query"), str)
          and isinstance(record.get("gt_choices"), list) and all(isinstance(c, str) for c in record["gt_choices"])
          and type(record.get("gt_choice")) is int and 0 <= record["gt_choice"] < len(record["gt_choices"]))  # fmt: skip
    if not ok:
        raise UserError(f"{where}: should be an object with 'query' (text), 'gt_choices' (texts) and 'gt_choice' "
                        "(the index of one of them)")  # fmt: skip
    question = record["query"]
    for letter in OPTION_COLUMNS:
        question = question.replace(f" ({letter})", f"\n({letter})")
    return Item(sample, question, tuple(record["gt_choices"]), record["gt_choice"], image)


def mmbench_files(root: Path) -> tuple[dict[str, list[Item]], list[MetaFile]]:
    """The four runs from ChEF's MMBench_C files (see the module docstring)."""
    clean, metas = read_mmbench(root)
    texts = read_meta_file(root / MMBENCH_C_FILE)
    if len(texts.records) != len(clean):
        raise UserError(f"{texts.path}: {len(texts.records)} records; it should hold one per row of "
                        f"{metas[0].path} ({len(clean)})")  # fmt: skip
    images = [str(root / MMBENCH_C_DIR / "images" / f"{row}.png") for row in range(len(clean))]
    crp = [_mmbench_crp(s, texts.records[i], s.images[0], f"{texts.path}: record {i}") for i, s in enumerate(clean)]
    runs = {"origin": [_mmbench_item(s, s.images[0]) for s in clean],
            "ic": [_mmbench_item(s, images[i]) for i, s in enumerate(clean)], "tc": crp,
            "ictc": [dataclasses.replace(item, image=images[i]) for i, item in enumerate(crp)]}  # fmt: skip
    return runs, metas + [texts]


def check_files(root: Path, folder: str, needed: str) -> bool:
    """Whether ChEF's corrupted copies are there (``folder``); a folder without its ``needed`` file is an error."""
    if not (root / folder).exists():
        return False
    if not (root / needed).is_file():
        raise UserError(f"{root / folder} has no {Path(needed).name}: ChEF's corrupted copies come with it; add it, "
                        "or move the folder away to have the corruptions generated")  # fmt: skip
    return True


# --- generated ----------------------------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise UserError(f"cannot write generated corruptions into {path.parent} ({exc.strerror or exc}); make the "
                        "data root writable") from None  # fmt: skip


def _corrupted_image(root: Path, dataset: str, seed: int, key: str, source: str) -> tuple[str, dict[str, Any]]:
    from PIL import Image, UnidentifiedImageError

    rng = rng_for(seed, GENERATOR, dataset, key, "image")
    drawn = draw(rng, tuple(IMAGE_PARAMETERS))
    try:
        raw = Path(source).read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read image {source} ({exc.strerror or exc})") from None
    digest = hashlib.sha256(raw).hexdigest()
    name = hashlib.sha256(json.dumps([GENERATOR, seed, dataset, key, drawn.to_json(), digest]).encode()).hexdigest()
    path = root / GENERATED_DIR / f"{dataset}_C" / "images" / f"{name[:24]}.png"
    if not path.is_file():  # written atomically: a file under this name is whole
        try:
            with Image.open(source) as image:
                data = png_bytes(corrupt_image(image, drawn, rng))
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
            raise UserError(f"cannot decode image {source} ({' '.join(str(exc).split())})") from None
        _write(path, data)
    return str(path), {**drawn.to_json(), "source_sha256": digest, "file": _relative(str(path), root)}


def _text_draw(seed: int, dataset: str, key: str):
    rng = rng_for(seed, GENERATOR, dataset, key, "text")
    return draw(rng, TEXT_CORRUPTIONS), rng


def _sqa_corrupt_query(query: str, seed: int, key: str) -> tuple[str, dict[str, Any]]:
    drawn, rng = _text_draw(seed, "ScienceQA", key)
    cut = min(i for i in (query.find("Context:"), query.find("Options:"), len(query)) if i >= 0)
    return corrupt_text(query[:cut], drawn, rng) + query[cut:], drawn.to_json()


def generate(root: Path, dataset: str, seed: int, clean: Sequence[Item], key: Callable[[Sample], str],
             text: Callable[[Item, int, str], tuple[Item, dict[str, Any]]]) -> tuple[dict[str, list[Item]], MetaFile]:  # fmt: skip
    """The four runs with generated corruptions of the clean items, and the manifest listing them (as a MetaFile)."""
    runs: dict[str, list[Item]] = {"origin": list(clean), "ic": [], "tc": [], "ictc": []}
    listed = []
    for item in clean:
        k = key(item.sample)
        image, image_info = _corrupted_image(root, dataset, seed, k, item.image)
        texted, text_info = text(item, seed, k)
        runs["ic"].append(dataclasses.replace(item, image=image, corruption={"image": image_info}))
        runs["tc"].append(dataclasses.replace(texted, corruption={"text": text_info}))
        runs["ictc"].append(dataclasses.replace(texted, image=image, corruption={"image": image_info, "text": text_info}))
        listed.append({"id": item.sample.id, "image": image_info, "text": text_info})
    manifest = {"generator": GENERATOR, "seed": seed, "dataset": dataset, "image_parameters": IMAGE_PARAMETERS,
                "text_corruptions": list(TEXT_CORRUPTIONS), "text_fractions": list(TEXT_FRACTIONS), "items": listed}  # fmt: skip
    raw = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    path = root / GENERATED_DIR / f"{dataset}_C" / f"manifest-seed{seed}.json"
    if not path.is_file() or path.read_bytes() != raw:
        _write(path, raw)
    return runs, MetaFile(path=path, sha256=hashlib.sha256(raw).hexdigest(), records=listed)


def sqa_text(item: Item, seed: int, key: str) -> tuple[Item, dict[str, Any]]:
    query, info = _sqa_corrupt_query(item.sample.query, seed, key)
    question = _chef_question(lambda: scienceqa_question(query), f"{item.sample.source}: sample {item.sample.id}")
    return dataclasses.replace(item, question=question), info


def mmbench_text(item: Item, seed: int, key: str) -> tuple[Item, dict[str, Any]]:
    drawn, rng = _text_draw(seed, "MMBench", key)
    hint = item.sample.target.get("hint")
    question = corrupt_text(item.sample.query, drawn, rng)
    hint = corrupt_text(hint, drawn, rng) if hint is not None else None
    return dataclasses.replace(item, question=_mmbench_item(item.sample, item.image, question, hint).question), \
        drawn.to_json()  # fmt: skip
