"""Readers of ChEF's own datasets (``TaskSpec.reader``): SEED-Bench, MME, Omnibenchmark with its Bamboo hierarchy,
and POPE, read as the ``OpenGVLab/LAMM@d01093c`` dataset classes read them (``src/ChEF/scenario/*.py``; protocol
``chef-protocol.md`` §2). MMBench's TSV is read by :mod:`lamm_bench.chef_mmbench`.

The folders are ChEF's, directly beneath the data root (ChEF's ``../data/X`` is ``ROOT/X``). Each reader returns the
samples in the reference's order and the files it read (:class:`~lamm_bench.records.MetaFile`, hashed for the task
fingerprint). A sample's ``id`` is ChEF's, its ``query`` the dataset's raw question, its ``images`` the resolved
image path, its ``target`` the raw fields a task needs, and its ``source`` the dataset file's stem:

- SEED-Bench (``SEED-Bench/SEED-Bench.json``, images ``SEED-Bench/SEED-Bench-image/<data_id>``): the questions with
  ``data_type == 'image'``, in file order; id ``str(question_id)``, else the position among them; target: every field
  but ``question`` (``choice_a`` .. ``choice_d``, ``answer``, ``question_type_id``, ``data_id`` ...).
- MME (``MME_Benchmark_release_version/<subtask>/``): :func:`read_mme`.
- Omnibenchmark (``ChEF/OmniBenchmark_Bamboo/meta_file/Classification_Omnibenchmark.json``, images relative to
  ``ChEF/OmniBenchmark_Bamboo/``, hierarchy ``Bamboo/sensexo_visual_add_academic_add_state_V4.visual.json``):
  :func:`omnibenchmark_reader`.
- POPE (``coco_pope/coco_pope_<variant>.json``, JSON lines; images ``coco_pope/val2014/<image>``): id
  ``str(question_id)``, else the line's position; query ``text``; target every field but ``image`` and ``text``.

Every problem is a :class:`~lamm_bench.errors.UserError` of one line naming the file and the record. Whether an image
exists is left to the media checks (``data check`` reports every missing one, a run refuses to start), except where
the reference decides by it (MME skips a question whose image is missing). Image paths that are absolute or leave
the data root are refused. Ids must be unique (the reference does not check; a run keys answers by id).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from lamm_bench.data import resolve_media
from lamm_bench.errors import UserError
from lamm_bench.jsoncheck import load_json
from lamm_bench.records import MetaFile, Sample

log = logging.getLogger(__name__)

Reader = Callable[[Path], tuple[list[Sample], list[MetaFile]]]
"""A ``TaskSpec.reader``: the data root -> the samples in the reference's order and the files read."""

SEED_FILE = "SEED-Bench/SEED-Bench.json"
SEED_IMAGES = "SEED-Bench/SEED-Bench-image"
MME_DIR = "MME_Benchmark_release_version"
MME_DATA_TYPES: tuple[str, ...] = (
    "commonsense_reasoning", "text_translation", "OCR", "code_reasoning", "numerical_calculation", "color", "posters",
    "count", "celebrity", "scene", "position", "existence", "landmark", "artwork",
)  # fmt: skip
"""``MMEDataset.data_type``: the subtask folders in the order the reference reads them (``MME_dataset.py:9-22``)."""
MME_EXTENSIONS = (".jpg", ".png")
"""``ext_type`` of ``MMEDataset.load_raw_data``: the image extensions it looks for, in its order (case-sensitive)."""
OMNI_DIR = "ChEF/OmniBenchmark_Bamboo"
OMNI_FILE = f"{OMNI_DIR}/meta_file/Classification_Omnibenchmark.json"
BAMBOO_FILE = "Bamboo/sensexo_visual_add_academic_add_state_V4.visual.json"
POPE_VARIANTS = ("random", "popular", "adversarial")
POPE_DIR = "coco_pope"


def pope_file(variant: str) -> str:
    """POPE's question file of a variant, relative to the data root."""
    return f"{POPE_DIR}/coco_pope_{variant}.json"


def read_data_file(path: Path) -> tuple[bytes, str]:
    """A dataset file's bytes and their sha256; a missing or unreadable file is a one-line ``UserError``."""
    if not path.is_file():
        raise UserError(f"data file not found: {path}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return raw, hashlib.sha256(raw).hexdigest()


def require(where: str, record: object, fields: Mapping[str, type | tuple[type, ...]]) -> dict:
    """``record`` as a dict holding each of ``fields`` with its type (never a bool for an int)."""
    if not isinstance(record, dict):
        raise UserError(f"{where}: is a {type(record).__name__}, expected an object")
    for name, kind in fields.items():
        if name not in record:
            raise UserError(f"{where}: missing field {name!r} (needs {', '.join(fields)})")
        value = record[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            expected = " or ".join(k.__name__ for k in kinds)
            raise UserError(f"{where}: field {name!r} should be {expected}, found {type(value).__name__}")
    return record


def unique_id(seen: set[str], sample_id: str, where: str) -> str:
    """``sample_id``, recorded in ``seen``; a second sample with the same id is a ``UserError``."""
    if sample_id in seen:
        raise UserError(f"{where}: duplicate sample id {sample_id!r}")
    seen.add(sample_id)
    return sample_id


def one_image_sample(where: str, seen: set[str], sample_id: str, source: str, query: str, target: dict,
                     images: Path, image: str) -> Sample:  # fmt: skip
    """A sample of one image, ``image`` relative to the folder ``images`` (refused when it is absolute or leaves
    it; not checked to exist), its id unique among ``seen``."""
    path = resolve_media(images, image, where=where, check_exists=False)
    return Sample(id=unique_id(seen, sample_id, where), source=source, query=query, target=target, images=(str(path),))


# --- SEED-Bench -------------------------------------------------------------------------------------------------


def read_seedbench(root: Path) -> tuple[list[Sample], list[MetaFile]]:
    """SEED-Bench's image questions (``SEEDBenchDataset``, ``SEED_Bench_dataset.py``); see the module docstring.

    ``answer`` must be one of ``A`` .. ``D`` (the reference's ``'ABCD'.index`` would also take ``''``, ``'AB'`` ...).
    """
    path = root / SEED_FILE
    raw, sha = read_data_file(path)
    document = load_json(raw, str(path))
    if not isinstance(document, dict) or not isinstance(document.get("questions"), list):
        raise UserError(f'{path}: expected a JSON object with a "questions" list')
    fields = {"question": str, "choice_a": str, "choice_b": str, "choice_c": str, "choice_d": str, "answer": str,
              "data_id": str}  # fmt: skip
    images = root / SEED_IMAGES
    samples: list[Sample] = []
    seen: set[str] = set()
    kept = []
    for row, item in enumerate(document["questions"]):
        where = f"{path}: question {row}"
        if require(where, item, {"data_type": str})["data_type"] != "image":
            continue
        require(where, item, fields)
        if "question_id" in item:
            require(where, item, {"question_id": (str, int)})
        if item["answer"] not in ("A", "B", "C", "D"):
            raise UserError(f"{where}: answer {item['answer']!r} should be one of A, B, C, D")
        target = {k: v for k, v in item.items() if k != "question"}
        samples.append(one_image_sample(where, seen, str(item.get("question_id", len(samples))), path.stem,
                                        item["question"], target, images, item["data_id"]))  # fmt: skip
        kept.append(item)
    if not samples:
        raise UserError(f"{path}: no question with data_type 'image'; nothing to evaluate")
    return samples, [MetaFile(path=path, sha256=sha, records=kept)]


# --- POPE -------------------------------------------------------------------------------------------------------


def pope_reader(variant: str) -> Reader:
    """The reader of one POPE variant (``POPE_COCO_<Variant>_Dataset``, ``POPE_dataset.py``): one JSON object per
    line (``question_id``, ``image``, ``text``, ``label``), read line by line as the reference's
    ``[json.loads(q) for q in open(path)]`` (a blank line is an error there and here)."""
    if variant not in POPE_VARIANTS:
        raise ValueError(f"unknown POPE variant {variant!r}")

    def read(root: Path) -> tuple[list[Sample], list[MetaFile]]:
        path = root / pope_file(variant)
        raw, sha = read_data_file(path)
        try:
            lines = io.StringIO(raw.decode("utf-8"), newline=None).readlines()
        except UnicodeDecodeError as exc:
            raise UserError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None
        images = root / POPE_DIR / "val2014"
        samples, records, seen = [], [], set()
        for index, line in enumerate(lines):
            where = f"{path}: line {index + 1}"
            record = require(where, load_json(line, where), {"image": str, "text": str, "label": str})
            target = {k: v for k, v in record.items() if k not in ("image", "text")}
            samples.append(one_image_sample(where, seen, str(record.get("question_id", index)), path.stem,
                                            record["text"], target, images, record["image"]))  # fmt: skip
            records.append(record)
        if not samples:
            raise UserError(f"{path}: no questions; nothing to evaluate")
        return samples, [MetaFile(path=path, sha256=sha, records=records)]

    return read


# --- MME --------------------------------------------------------------------------------------------------------


def _listing(folder: Path) -> list[str]:
    """A folder's entries, sorted (the reference's ``os.listdir`` order depends on the filesystem)."""
    try:
        return sorted(p.name for p in folder.iterdir())
    except OSError as exc:
        raise UserError(f"{folder}: cannot list ({exc.strerror or exc})") from None


def _mme_files(folder: Path) -> list[tuple[Path, Path]]:
    """A subtask folder's (question file, image) pairs in the reference's order, those whose image is missing left
    out (``MMEDataset.load_raw_data``, ``MME_dataset.py:34-86``).

    With ``questions_answers_YN/`` every file in it is a question file and the images are in ``images/``; the
    extension is the first of ``.jpg``, ``.png`` under which the *first* question file's stem has an image. Else
    every ``.txt`` beside the images is a question file, and the extension is that of the first file ending in
    ``.jpg`` or ``.png``. A stem is the name up to its first dot.
    """
    annotations = folder / "questions_answers_YN"
    if annotations.exists():
        names = _listing(annotations)
        if not names:
            raise UserError(f"{annotations}: no question files")
        images = folder / "images"
        first = names[0].split(".")[0]
        ext = next((e for e in MME_EXTENSIONS if (images / (first + e)).exists()), "")
        pairs = [(annotations / n, images / (n.split(".")[0] + ext)) for n in names]
    else:
        names = _listing(folder)
        ext = next((e for n in names for e in MME_EXTENSIONS if n.endswith(e)), "")
        pairs = [(folder / n, folder / (n.split(".")[0] + ext)) for n in names if n.endswith(".txt")]
    return [(questions, image) for questions, image in pairs if image.exists()]


def _mme_lines(path: Path) -> tuple[bytes, list[tuple[str, str]]]:
    """A question file's bytes and its ``question<TAB>answer`` lines (each stripped, then split at tabs)."""
    raw, _ = read_data_file(path)
    try:
        lines = io.StringIO(raw.decode("utf-8"), newline=None).readlines()
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None
    pairs = []
    for number, line in enumerate(lines, 1):
        fields = line.strip().split("\t")
        if len(fields) != 2:
            raise UserError(f"{path}: line {number}: expected 'question<TAB>answer', found {len(fields)} fields")
        pairs.append((fields[0], fields[1]))
    return raw, pairs


def read_mme(root: Path) -> tuple[list[Sample], list[MetaFile]]:
    """MME's questions (``MMEDataset``), subtask by subtask in the reference's ``data_type`` order.

    Within a subtask the folder listings are **sorted** (the reference's ``os.listdir`` order depends on the
    filesystem, so its ids and order do too). A question whose image is missing is skipped, as the reference
    skips it. A subtask folder that is absent is left out with a log line (the reference stops at it); at least
    one must be there. Ids are positions, ``str(idx)`` over all subtasks; query is the question as written
    (``... Please answer yes or no.``); target ``task_type`` (the subtask), ``answer`` (``Yes``/``No``) and
    ``image_path``, the image relative to the MME folder (the metric's acc+ pairs the questions of one image).

    One :class:`MetaFile` per subtask read: its folder, and a sha256 over the question files read, in order (each
    file's name relative to the folder, a newline, the sha256 of its bytes, a newline).
    """
    base = root / MME_DIR
    if not base.is_dir():
        raise UserError(f"MME folder not found: {base}")
    samples: list[Sample] = []
    metas: list[MetaFile] = []
    absent = [t for t in MME_DATA_TYPES if not (base / t).is_dir()]
    for data_type in (t for t in MME_DATA_TYPES if t not in absent):
        folder, digest, records = base / data_type, hashlib.sha256(), []
        for questions, image in _mme_files(folder):
            raw, pairs = _mme_lines(questions)
            digest.update(f"{questions.relative_to(folder).as_posix()}\n{hashlib.sha256(raw).hexdigest()}\n".encode())
            relative = image.relative_to(base).as_posix()  # names from listings: the image is inside the folder
            for question, answer in pairs:
                target = {"task_type": data_type, "answer": answer, "image_path": relative}
                samples.append(Sample(id=str(len(samples)), source=MME_DIR, query=question, target=target,
                                      images=(str(image),)))  # fmt: skip
                records.append({"question": question, **target})
        if not records:
            log.warning("MME subtask %s: no question with an image (the reference reads none either)", folder)
        metas.append(MetaFile(path=folder, sha256=digest.hexdigest(), records=records))
    if absent:
        log.info("MME: %d of %d subtask folders absent under %s: %s", len(absent), len(MME_DATA_TYPES), base,
                 ", ".join(absent))  # fmt: skip
    if not samples:
        raise UserError(f"{base}: no MME question with an image in any subtask folder ({', '.join(MME_DATA_TYPES)})")
    return samples, metas
