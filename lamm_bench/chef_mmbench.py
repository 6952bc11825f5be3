"""The reader of ChEF's MMBench scenario: ``ROOT/MMBench/mmbench_dev_20230712.tsv`` (``MMBenchDataset``,
``OpenGVLab/LAMM@d01093c src/ChEF/scenario/MMBench_dataset.py``), images base64 in the TSV.

The reference reads the file with ``pd.read_csv(path, sep='\\t')``; pandas is no dependency of lamm-bench, so
:func:`read_tsv` reproduces what that call gives for the file's text columns with the ``csv`` module: tab-separated,
``"``-quoted fields (tabs and newlines inside quotes, ``""`` for a quote), blank lines skipped, a UTF-8 BOM dropped,
and **pandas' default missing-value strings** read as missing (:data:`PANDAS_NA`: ``''``, ``NA``, ``N/A``, ``NULL``,
``NaN``, ``nan``, ``None``, ...). That is a quirk of the reference worth knowing: an option written ``None`` (or
``NA``) is *missing* in ChEF -- left out of the options prompt and the options -- and so it is here. Unlike pandas,
every row must have exactly the header's number of columns (pandas pads a short row with missing values). A column
of numbers only is read as pandas infers it and kept as ChEF prints it (:func:`as_pandas_prints`: options ``3`` and
missing in one column print ``(C) 3.0``); MMBench's option and hint columns are text, so this never shows there.

Samples, in file order: id ``str(index)`` (circular copies have ``index`` = k * 1e6 + the main question's index);
query the raw ``question``; target every column but ``question`` and ``image``, ``index`` as an int and ``hint``,
``A`` .. ``E``, ``category``, ``l2-category`` always present (None when missing, as ChEF's ``load_from_df``);
images ``MMBench/images/mmbench_image_<index>.png``, the layout ChEF's HEAD reads. Those files are used when
present; the missing ones are decoded from the TSV's base64 once and written there (atomically, pixels and mode
as decoded: the image ``d01093c`` decodes in memory). A data root that cannot be written then is a ``UserError``.
A row with the wrong number of columns, no ``index`` or ``question``, an ``answer`` that is not the letter of one of
its options, or an image that is needed and not valid base64 of an image is a ``UserError`` naming the file and
the row (0-based, pandas' row, ChEF's ``idx``) and its line.
"""

from __future__ import annotations

import base64
import binascii
import csv
import dataclasses
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from lamm_bench.chef_data import read_data_file, unique_id
from lamm_bench.errors import UserError
from lamm_bench.files import atomic_write_bytes
from lamm_bench.records import MetaFile, Sample

log = logging.getLogger(__name__)

MMBENCH_FILE = "MMBench/mmbench_dev_20230712.tsv"
MMBENCH_IMAGES = "MMBench/images"
OPTION_COLUMNS = ("A", "B", "C", "D", "E")
"""``option_candidate`` of ``MMBenchDataset.__getitem__``."""
REQUIRED_COLUMNS = ("index", "question", "answer")
ALWAYS = ("hint", *OPTION_COLUMNS, "category", "l2-category")
"""Target fields every MMBench sample has (None when the column is absent or the cell missing)."""
PANDAS_NA = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
    "NULL", "NaN", "None", "n/a", "nan", "null",
})  # fmt: skip
"""The cells ``pd.read_csv`` reads as missing by default (``pandas._libs.parsers.STR_NA_VALUES``), quoted or not."""
PNG_MODES = frozenset({"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"})
"""Image modes a PNG holds as they are; an image in another mode (CMYK JPEG ...) is written as RGB."""


@dataclass(frozen=True)
class TsvRow:
    """One data row of a TSV file."""

    row: int
    """0-based, blank lines not counted (pandas' row, ChEF's ``idx``)."""
    line: int
    """The 1-based line it starts on."""
    cells: dict[str, str | None]
    """Column -> text, None for a missing cell (:data:`PANDAS_NA`)."""


def _blank(cells: list[str]) -> bool:
    """A line pandas skips: empty, or spaces only."""
    return not cells or (len(cells) == 1 and cells[0] != "" and not cells[0].strip(" "))


def read_tsv(raw: bytes, path: Path) -> tuple[list[str], list[TsvRow]]:
    """The header and the rows of a TSV file as ``pd.read_csv(path, sep='\\t')`` reads its text columns.

    Raises:
        UserError: not UTF-8, a repeated column name, or a row whose number of columns is not the header's.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # base64 images are long fields
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quotechar='"', doublequote=True, strict=False)
    header: list[str] | None = None
    rows: list[TsvRow] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if _blank(cells):
                continue
            if header is None:
                header = cells
                if len(set(header)) != len(header):
                    raise UserError(f"{path}: line {line}: a column name appears twice in the header")
                continue
            if len(cells) != len(header):
                raise UserError(f"{path}: row {len(rows)} (line {line}): {len(cells)} columns, the header has "
                                f"{len(header)}")  # fmt: skip
            rows.append(TsvRow(len(rows), line, {h: None if c in PANDAS_NA else c for h, c in zip(header, cells)}))
    except csv.Error as exc:
        raise UserError(f"{path}: line {reader.line_num}: not a valid TSV ({exc})") from None
    if header is None:
        raise UserError(f"{path}: empty file (no header)")
    return header, rows


_SPACE = " \t\n\r\f\v"
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_BOOL = {"True": "True", "TRUE": "True", "true": "True", "False": "False", "FALSE": "False", "false": "False"}


def _column_type(cells: list[str | None]):
    """How pandas infers a column of text cells (None: missing), as the function that prints a cell the way ChEF
    prints it; None for a text column."""
    present = [c for c in cells if c is not None]
    numbers = [c.strip(_SPACE) for c in present]
    if not present:
        return None
    if len(present) == len(cells) and all(_INT.fullmatch(c) for c in numbers):
        return lambda c: str(int(c.strip(_SPACE)))  # int64
    if all(_FLOAT.fullmatch(c) for c in numbers):
        return lambda c: repr(float(c.strip(_SPACE)))  # float64 (also integers beside a missing cell)
    if all(c in _BOOL for c in present):
        return _BOOL.__getitem__  # bool (object beside a missing cell: still True/False)
    return None


def as_pandas_prints(header: list[str], rows: list[TsvRow]) -> list[TsvRow]:
    """The rows with each column of numbers or booleans only (missing cells aside) as pandas reads it and ChEF
    prints it: integers without a missing cell are int64 (``007`` -> ``7``), other decimal numbers float64 (``3``
    -> ``3.0``, blanks around a number dropped), ``true``/``FALSE``... booleans (``True``/``False``); every other
    column stays text."""
    convert = {column: kind for column in header if (kind := _column_type([r.cells[column] for r in rows]))}
    if not convert:
        return rows
    return [dataclasses.replace(row, cells={k: v if v is None or k not in convert else convert[k](v)
                                            for k, v in row.cells.items()}) for row in rows]  # fmt: skip


def _index(row: TsvRow, where: str) -> int:
    text = row.cells["index"]
    if text is None or not re.fullmatch(r"[+-]?[0-9]+", text):
        raise UserError(f"{where}: index {text!r} should be an integer")
    return int(text)


def _target(row: TsvRow, header: list[str], where: str) -> dict:
    cells = row.cells
    if cells["question"] is None:
        raise UserError(f"{where}: the question is missing")
    answer = cells["answer"]
    present = [c for c in OPTION_COLUMNS if cells.get(c) is not None]
    if answer not in present:
        raise UserError(f"{where}: answer {answer!r} should be the letter of one of its options ({', '.join(present)})")
    target = {c: cells.get(c) for c in ALWAYS}
    target.update((c, cells[c]) for c in header if c not in ("question", "image"))
    target["index"] = _index(row, where)
    return target


def png_bytes(encoded: str | None, where: str) -> bytes:
    """A base64 image cell as PNG bytes (the decoded image's pixels and mode; RGB for a mode PNG cannot hold)."""
    from PIL import Image

    if encoded is None:
        raise UserError(f"{where}: the image is missing")
    try:
        with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:
            image.load()
            decoded = image if image.mode in PNG_MODES else image.convert("RGB")
            buffer = io.BytesIO()
            decoded.save(buffer, format="PNG")
    except (binascii.Error, ValueError, OSError, Image.DecompressionBombError) as exc:
        raise UserError(f"{where}: the image is not base64 of an image ({' '.join(str(exc).split())})") from None
    return buffer.getvalue()


def _extract(missing: list[tuple[Path, TsvRow, str]], folder: Path) -> None:
    """Write each missing image from its row's base64, atomically; an unwritable folder is one ``UserError``."""
    log.info("MMBench: writing %d images decoded from the TSV into %s (once)", len(missing), folder)
    for path, row, where in missing:
        data = png_bytes(row.cells.get("image"), where)
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise UserError(f"cannot write MMBench's images into {folder} ({exc.strerror or exc}): they are decoded "
                            "from the TSV once, into ChEF's layout beside it; make that folder writable") from None


def read_mmbench(root: Path) -> tuple[list[Sample], list[MetaFile]]:
    """MMBench's rows in file order (see the module docstring); images extracted where missing."""
    path = root / MMBENCH_FILE
    raw, sha = read_data_file(path)
    header, rows = read_tsv(raw, path)
    rows = as_pandas_prints(header, rows)
    absent = [c for c in REQUIRED_COLUMNS if c not in header]
    if absent:
        raise UserError(f"{path}: no column {', '.join(map(repr, absent))} in the header")
    if not rows:
        raise UserError(f"{path}: no rows; nothing to evaluate")
    folder = root / MMBENCH_IMAGES
    samples, records, seen, missing = [], [], set(), []
    for row in rows:
        where = f"{path}: row {row.row} (line {row.line})"
        target = _target(row, header, where)
        sample_id = unique_id(seen, str(target["index"]), where)
        image = folder / f"mmbench_image_{sample_id}.png"
        if not image.is_file():
            missing.append((image, row, where))
        samples.append(Sample(id=sample_id, source=path.stem, query=row.cells["question"], target=target,
                              images=(str(image),)))  # fmt: skip
        records.append({"question": row.cells["question"], **target})
    if missing:
        _extract(missing, folder)
    return samples, [MetaFile(path=path, sha256=sha, records=records)]
