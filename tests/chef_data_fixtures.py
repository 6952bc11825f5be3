"""Small hand-made files in each of ChEF's own data formats (MMBench TSV, SEED-Bench JSON, MME folders in both
layouts, Omnibenchmark with a Bamboo hierarchy, POPE JSON lines), written under a data root in ChEF's layout.

``tests/core/test_chef_data.py`` reads them with lamm-bench's readers; ``tests/fixtures/chef/derive_data_readers.py``
runs the reference's dataset classes (``OpenGVLab/LAMM@d01093c``) on the very same files, which gave the literals
those tests hold.

:func:`write_golden_records` writes the data of the PPL-layout golden (``tests/fixtures/chef_ppl_layouts.json``'s
``records``) in each format: ``tests/adapters/test_chef_golden.py`` runs lamm-bench on it, and
``tests/fixtures/chef/derive_ppl_layouts.py`` ran the reference on the same files.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

MME_FOLDERS = (
    "commonsense_reasoning", "text_translation", "OCR", "code_reasoning", "numerical_calculation", "color", "posters",
    "count", "celebrity", "scene", "position", "existence", "landmark", "artwork",
)  # fmt: skip


def png(colour: tuple[int, int, int] = (200, 10, 10), size: tuple[int, int] = (4, 4)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _b64(colour) -> str:
    return base64.b64encode(png(colour)).decode()


MMBENCH_HEADER = ["index", "question", "hint", "A", "B", "C", "D", "E", "answer", "category", "image", "l2-category"]


def mmbench_tsv() -> str:
    """Rows with the quirks: an option ``None`` (missing to pandas), a quoted question holding a tab and a newline,
    a doubled quote, no hint (empty) and hint ``nan``, an E option, a circular copy (index 1000000), a blank line
    and a line of spaces (skipped)."""
    red, green, blue = _b64((200, 10, 10)), _b64((10, 200, 10)), _b64((10, 10, 200))
    rows = [
        ["0", "What animal is shown?", "A hint.", "cat", "dog", "None", "bird", "", "B", "animals", red, "l2 a"],
        ["1", '"Which ""word"" is\twritten\non it?"', "", "yes", "no", "", "", "", "A", "ocr", green, "l2 b"],
        ["1000000", "What animal is shown?", "A hint.", "dog", "bird", "None", "cat", "", "A", "animals", red, "l2 a"],
        ["2", "Count them.", "nan", "1", "2", "3", "4", "5", "E", "count", blue, "NA"],
    ]
    lines = ["\t".join(MMBENCH_HEADER), "\t".join(rows[0]), "", "\t".join(rows[1]), "   ", "\t".join(rows[2]),
             "\t".join(rows[3])]  # fmt: skip
    return "\n".join(lines) + "\n"


SEED = {
    "questions": [
        {"answer": "B", "choice_a": "a cat", "choice_b": "a dog", "choice_c": "a bird", "choice_d": "a fish",
         "data_id": "1/img_1.png", "data_type": "image", "question": "What is it?", "question_id": "101",
         "question_type_id": 2},
        {"answer": "A", "choice_a": "run", "choice_b": "sit", "choice_c": "eat", "choice_d": "sleep",
         "data_id": "v1.mp4", "data_type": "video", "question": "What happens?", "question_id": "102",
         "question_type_id": 10},
        {"answer": "D", "choice_a": "1", "choice_b": "2", "choice_c": "3", "choice_d": "4", "data_id": "img_2.png",
         "data_type": "image", "question": "How many?", "question_type_id": 5},
        {"answer": "C", "choice_a": "red", "choice_b": "green", "choice_c": "blue", "choice_d": "black",
         "data_id": "img_3.png", "data_type": "image", "question": "Which colour?", "question_id": 7,
         "question_type_id": 3},
    ]
}  # fmt: skip

BAMBOO = {
    "id2name": {"r": ["root"], "p": ["polygon"], "o": ["round shape"], "t": ["triangle"], "q": ["rectangle", "oblong"],
                "h": ["hexagon"], "c": ["circle"], "e": ["ellipse"], "rt": ["red triangle"], "bt": ["blue triangle"],
                "gt": ["green triangle"], "x": ["hexagon"]},
    "father2child": {"r": ["p", "o"], "p": ["t", "q", "h"], "o": ["c", "e"], "t": ["rt", "bt", "gt"], "c": []},
    "child2father": {"p": ["r"], "o": ["r"], "t": ["p"], "q": ["p"], "h": ["p"], "c": ["o"], "e": ["o"], "rt": ["t"],
                     "bt": ["t"], "gt": ["t"]},
}  # fmt: skip
"""A three-level hierarchy: ``rectangle`` also answers to ``oblong``; ``hexagon`` is listed again by an id that is
no one's child (the last id listing a name wins, so ``h`` fails the reference's check and is no one's sibling)."""

OMNIBENCHMARK = [
    {"image": "omnibenchmark_images/0.png", "src_image": "omnibenchmark", "label": "red triangle",
     "realm_name": "shape", "chain": ["polygon", "triangle", "red triangle"]},
    {"image": "omnibenchmark_images/1.png", "src_image": "omnibenchmark", "label": "circle", "realm_name": "shape",
     "chain": ["round shape", "circle"]},
    {"image": "omnibenchmark_images/2.png", "src_image": "omnibenchmark", "label": "hexagon", "realm_name": "shape",
     "chain": ["polygon", "hexagon"]},
]  # fmt: skip

POPE = [
    {"question_id": 10, "image": "COCO_val2014_0.png", "text": "Is there a dog in the image?", "label": "yes"},
    {"image": "COCO_val2014_0.png", "text": "Is there a cat in the image?", "label": "no"},
    {"question_id": 30, "image": "COCO_val2014_1.png", "text": "Is there a car in the image?", "label": "no"},
]


def _mme(root: Path) -> None:
    base = root / "MME_Benchmark_release_version"
    for name in MME_FOLDERS:  # the reference lists all 14 folders; those without questions stay empty
        (base / name).mkdir(parents=True)
    color = base / "color"  # beside the images; sorted: 000.png, 001.png, 001.txt, 000.txt ... ext = .png
    (color / "001.png").write_bytes(png((1, 2, 3)))
    (color / "000.png").write_bytes(png((4, 5, 6)))
    (color / "000.txt").write_text("Is it red? Please answer yes or no.\tYes\nIs it blue? Please answer yes or no.\tNo\n")
    (color / "001.txt").write_text("  Is it green? Please answer yes or no.\tNo \r\nIs it black?\tYes")
    (color / "002.txt").write_text("No image for this one?\tYes\n")  # skipped: 002.png is missing
    count = base / "count"  # questions_answers_YN/ + images/; the first question file's image decides: .jpg
    (count / "images").mkdir()
    (count / "questions_answers_YN").mkdir()
    (count / "images" / "a.jpg").write_bytes(png((7, 8, 9)))
    (count / "images" / "b.x.jpg").write_bytes(png((9, 8, 7)))  # its stem is 'b': never read
    (count / "images" / "b.jpg").write_bytes(png((9, 9, 9)))
    (count / "images" / "c.png").write_bytes(png((9, 9, 1)))  # .png, but the extension is .jpg: skipped
    for name, text in (("a.txt", "Are there two?\tYes\nAre there three?\tNo\n"), ("b.x.txt", "Is there one?\tNo\n"),
                       ("c.txt", "Is there four?\tYes\n")):  # fmt: skip
        (count / "questions_answers_YN" / name).write_text(text)


def write_reference_root(root: Path) -> Path:
    """Write every format under ``root`` (ChEF's folder names; the images they name, 4x4 PNGs) and return it."""
    (root / "MMBench").mkdir(parents=True)
    (root / "MMBench" / "mmbench_dev_20230712.tsv").write_text(mmbench_tsv())
    seed = root / "SEED-Bench"
    (seed / "SEED-Bench-image" / "1").mkdir(parents=True)
    (seed / "SEED-Bench.json").write_text(json.dumps(SEED, indent=1))
    for name in ("1/img_1.png", "img_2.png", "img_3.png"):
        (seed / "SEED-Bench-image" / name).write_bytes(png())
    _mme(root)
    omni = root / "ChEF" / "OmniBenchmark_Bamboo"
    (omni / "meta_file").mkdir(parents=True)
    (omni / "omnibenchmark_images").mkdir()
    (omni / "meta_file" / "Classification_Omnibenchmark.json").write_text(json.dumps(OMNIBENCHMARK, indent=1))
    for record in OMNIBENCHMARK:
        (omni / record["image"]).write_bytes(png())
    (root / "Bamboo").mkdir()
    (root / "Bamboo" / "sensexo_visual_add_academic_add_state_V4.visual.json").write_text(json.dumps(BAMBOO))
    pope = root / "coco_pope"
    (pope / "val2014").mkdir(parents=True)
    for variant in ("random", "popular", "adversarial"):
        (pope / f"coco_pope_{variant}.json").write_text("".join(json.dumps(r) + "\n" for r in POPE))
    for name in ("COCO_val2014_0.png", "COCO_val2014_1.png"):
        (pope / "val2014" / name).write_bytes(png())
    return root


# --- the PPL-layout golden's data (tests/fixtures/chef_ppl_layouts.json's "records") ---------------------------


def _picture(path: Path) -> None:
    """An 8x8 picture at ``path``, in the format its extension names."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (200, 10, 10)).save(path)


def _mmbench_rows(path: Path, rows: list[dict]) -> None:
    """MMBench rows (column -> value, None for a missing cell) as a TSV: the columns in order of appearance, then
    ``image``, a base64 8x8 PNG; cells quoted where they hold a tab, a quote or a newline."""
    import csv

    columns = list(dict.fromkeys(column for row in rows for column in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow([*columns, "image"])
        image = base64.b64encode(png(size=(8, 8))).decode()
        for row in rows:
            writer.writerow([*("" if row.get(c) is None else str(row[c]) for c in columns), image])


def _mme_folders(base: Path, subtasks: dict) -> None:
    """MME subtask folders from ``{subtask: [layout, [[stem, [[question, answer], ...]], ...]]}``: ``nested`` puts
    ``questions_answers_YN/<stem>.txt`` and ``images/<stem>.jpg``, ``flat`` both beside each other; every one of
    :data:`MME_FOLDERS` is made (the reference lists them all)."""
    for name in MME_FOLDERS:
        (base / name).mkdir(parents=True, exist_ok=True)
    for name, (layout, images) in subtasks.items():
        questions, pictures = (("questions_answers_YN", "images") if layout == "nested" else ("", ""))
        for stem, pairs in images:
            text_file = base / name / questions / f"{stem}.txt"
            text_file.parent.mkdir(parents=True, exist_ok=True)
            text_file.write_text("".join(f"{q}\t{a}\n" for q, a in pairs), encoding="utf-8")
            _picture(base / name / pictures / f"{stem}.jpg")


def write_golden_records(root: Path, records: dict) -> Path:
    """Write the PPL-layout golden's data under ``root`` and return it: ``records`` maps a path under the data root
    to its content, written in that file's format, each image it names an 8x8 picture:

    - a JSON list of records with an ``image`` (LAMM's meta files, Omnibenchmark's): the list, each image relative
      to the meta file's folder's parent;
    - ``*.tsv`` (MMBench): :func:`_mmbench_rows`;
    - ``SEED-Bench.json``: the document, and a picture at ``SEED-Bench-image/<data_id>`` for each image question;
    - a path without a suffix (MME's folder): :func:`_mme_folders`;
    - any other JSON (the Bamboo hierarchy): as it is.
    """
    for name, content in records.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".tsv":
            _mmbench_rows(path, content)
        elif not path.suffix:
            _mme_folders(path, content)
        else:
            path.write_text(json.dumps(content), encoding="utf-8")
            if path.name == "SEED-Bench.json":
                for item in content["questions"]:
                    if item["data_type"] == "image":
                        _picture(path.parent / "SEED-Bench-image" / item["data_id"])
            elif isinstance(content, list):
                for record in content:
                    _picture(path.parent.parent / record["image"])
    return root
