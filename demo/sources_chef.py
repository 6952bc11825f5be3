"""lamm-mini's sources for ChEF's own dataset formats: an MMBench TSV, a SEED-Bench JSON, MME folders, and an
Omnibenchmark meta file with its Bamboo hierarchy (POPE: :mod:`lamm_bench.demo.sources_pope`).

Every picture is a real easy-vqa image (its test split for test, its train split for train) whose shape and colour
easy-vqa's own questions state; every question, option and answer is true of it. Each source writes its dataset's
own files under the data root in the test split (``MiniSource.own_format``: the paths ChEF reads, e.g.
``MMBench/mmbench_dev_20230712.tsv``), and LAMM instruction records in the train split, one question per turn, the
gpt answer in the form ChEF's scoring reads (its answer template filled with the right option). The human turns
are ChEF's (``d01093c``), written out here because the demo may not import the tasks' private prompt module;
``tests/demo/test_mini_chef.py`` checks them against it. All randomness is ``ctx.rng``.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Sequence

from lamm_bench.demo.contract import MiniContext, MiniRecord, MiniSource
from lamm_bench.demo.packaged import SHAPES, EasyVqaScene, easy_vqa_colour, easy_vqa_colours, easy_vqa_scenes

NOT_SHOWN = ("star", "hexagon", "pentagon")
"""Shapes easy-vqa never draws: wrong options of a shape question beside its three."""
MMBENCH_QUERY = "What is the correct option for this question?"
MMBENCH_TEMPLATE = "The correct option for the question is {}"
SEED_QUERY = "The answer for the question is"
ANSWER_TEMPLATE = "The answer is {}"
FINE_GRAINED = ("What is the fine-grained category label for this image?",
                "As the coarse-grained category label for this image is {}, what is the fine-grained category label "
                "for this image?")  # fmt: skip
FINE_GRAINED_TEMPLATE = "The fine-grained category label for this image is {}"


def scenes(ctx: MiniContext, n: int | None = None) -> list[EasyVqaScene]:
    """``n`` (default ``ctx.n``) easy-vqa scenes of the split whose colour easy-vqa states."""
    return easy_vqa_scenes(ctx.rng, ctx.split, ctx.n if n is None else n, keep=lambda item: easy_vqa_colour(item))


def colour(scene: EasyVqaScene) -> str:
    return easy_vqa_colour(scene.item) or ""


def question(ctx: MiniContext, scene: EasyVqaScene, kind: str) -> tuple[str, str]:
    """One of easy-vqa's own questions about the image of ``kind`` (``shape`` or ``color``), capitalised, and its
    answer."""
    own = [(q, a) for q, a in scene.item.questions if ("color" in q) == (kind == "color") and a != "yes" and a != "no"]
    if not own:  # the image has no own question of that kind: easy-vqa's wording
        own = [("what shape is in the image?", scene.item.shape)] if kind == "shape" else [
            ("what color is the shape?", colour(scene))]  # fmt: skip
    text, answer = ctx.rng.choice(own)
    return text[0].upper() + text[1:], answer


def choices(ctx: MiniContext, answer: str, count: int) -> list[str]:
    """``count`` options of the answer's kind (shapes, with shapes easy-vqa never draws; or colours), shuffled."""
    pool = [*SHAPES, *NOT_SHOWN] if answer in SHAPES else list(easy_vqa_colours())
    options = [answer, *ctx.rng.sample([p for p in pool if p != answer], count - 1)]
    return ctx.rng.sample(options, count)


def png_base64(image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return base64.b64encode(buffer.getvalue()).decode()


def write_text(ctx: MiniContext, relative: str, text: str) -> None:
    path = ctx.folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- MMBench -----------------------------------------------------------------------------------------------------

MMBENCH_FILE = "MMBench/mmbench_dev_20230712.tsv"
MMBENCH_COLUMNS = ("index", "question", "hint", "A", "B", "C", "D", "E", "answer", "category", "image", "l2-category",
                   "split")  # fmt: skip
HINTS = {"shape": "The image shows one shape on a plain background.", "color": "Look at the colour of the shape."}


def mmbench_turn(row: dict) -> str:
    """ChEF's MMBench human turn of a row (hint, question, ``There are several options:`` and ``(X) option`` lines,
    then ``What is the correct option for this question?``)."""
    listed = "".join(f"({c}) {row[c]}\n" for c in "ABCDE" if row.get(c))
    head = f"{row['hint']} {row['question']}" if row.get("hint") else row["question"]
    return f"{head} There are several options:\n{listed}{MMBENCH_QUERY}"


def _mmbench_row(ctx: MiniContext, scene: EasyVqaScene, index: int) -> dict:
    kind = ctx.rng.choice(("shape", "color"))
    text, answer = question(ctx, scene, kind)
    options = choices(ctx, answer, ctx.rng.randint(4, 5))
    row = {"index": index, "question": text, "hint": HINTS[kind] if ctx.rng.random() < 0.35 else None,
           "answer": "ABCDE"[options.index(answer)], "category": f"{kind}_recognition",
           "l2-category": "finegrained_perception", "split": "dev"}  # fmt: skip
    return {**row, **dict(zip("ABCDE", options))}


def _circular(row: dict, k: int) -> dict:
    """MMBench's circular copy k of a row: its options rotated by k, index k * 1e6 + the row's index."""
    options = [row[c] for c in "ABCDE" if row.get(c)]
    rotated = options[k:] + options[:k]
    answer = rotated.index(row[row["answer"]])
    return {**row, **{c: None for c in "ABCDE"}, **dict(zip("ABCDE", rotated)), "index": k * 1_000_000 + row["index"],
            "answer": "ABCDE"[answer]}  # fmt: skip


def _mmbench_record(row: dict, image: str) -> MiniRecord:
    gpt = MMBENCH_TEMPLATE.format(f"({row['answer']})")
    return MiniRecord({**row, "image": image}, ((mmbench_turn(row), gpt),))


def write_mmbench(ctx: MiniContext) -> list[MiniRecord]:
    """Test: a TSV of ``n`` rows in MMBench's columns (base64 PNG images, 4-5 options, a hint on about a third), a
    quarter of them circular copies (options rotated by k, index k * 1e6 + the main index, two per main question),
    after the main rows; and the images extracted as ChEF HEAD reads them (``MMBench/images/mmbench_image_<index>
    .png``). Train: one question per record, answered ``The correct option for the question is (B)``."""
    if ctx.split == "train":
        return [_mmbench_record(_mmbench_row(ctx, scene, i), ctx.save_image(f"mmbench_images/{i}.png", scene.image))
                for i, scene in enumerate(scenes(ctx))]  # fmt: skip
    copies = ctx.n // 4
    mains = [(_mmbench_row(ctx, scene, i), scene) for i, scene in enumerate(scenes(ctx, ctx.n - copies))]
    rows = mains + [(_circular(mains[j // 2][0], j % 2 + 1), mains[j // 2][1]) for j in range(copies)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(MMBENCH_COLUMNS)
    out = []
    for row, scene in rows:
        image = ctx.save_image(f"MMBench/images/mmbench_image_{row['index']}.png", scene.image)
        writer.writerow(["" if row.get(c) is None else row[c] for c in MMBENCH_COLUMNS[:10]]
                        + [png_base64(scene.image), row["l2-category"], row["split"]])  # fmt: skip
        out.append(_mmbench_record(row, image))
    write_text(ctx, MMBENCH_FILE, buffer.getvalue())
    return out


# --- SEED-Bench ---------------------------------------------------------------------------------------------------

SEED_FILE = "SEED-Bench/SEED-Bench.json"


def _seed_question(ctx: MiniContext, scene: EasyVqaScene, question_id: str, data_id: str) -> dict:
    kind = ctx.rng.choice(("shape", "color"))
    text, answer = question(ctx, scene, kind)
    options = choices(ctx, answer, 4)
    return {"answer": "ABCD"[options.index(answer)], **{f"choice_{c}": o for c, o in zip("abcd", options)},
            "data_id": data_id, "data_type": "image", "question": text, "question_id": question_id,
            "question_type_id": 2 if kind == "shape" else 3}  # fmt: skip


def _seed_record(item: dict, image: str) -> MiniRecord:
    human = f"Question: {item['question']}\nAnswer:{SEED_QUERY}"
    gpt = ANSWER_TEMPLATE.format(item[f"choice_{item['answer'].lower()}"])
    return MiniRecord({**item, "image": image}, ((human, gpt),))


def write_seedbench(ctx: MiniContext) -> list[MiniRecord]:
    """Test: ``SEED-Bench.json`` (``{"questions": [...]}``) with ``n`` image questions (4 choices of the answer's
    kind; question type 2 "instance identity" for shapes, 3 "instance attributes" for colours) and, after them,
    one video question per 20 (``data_type`` video: ChEF reads images only); images in ``SEED-Bench-image/``.
    Train: one question per record, answered ``The answer is <choice>``."""
    prefix = "SEED-Bench/SEED-Bench-image/" if ctx.split == "test" else "seed_images/"
    out, questions = [], []
    for i, scene in enumerate(scenes(ctx)):
        image = ctx.save_image(f"{prefix}{i}.png", scene.image)
        item = _seed_question(ctx, scene, str(1000 + i), f"{i}.png")
        questions.append(item)
        out.append(_seed_record(item, image))
    if ctx.split == "test":
        videos = [{"answer": "A", "choice_a": "rolling", "choice_b": "falling", "choice_c": "growing",
                   "choice_d": "melting", "data_id": f"v{k}.mp4", "data_type": "video", "question": "What happens?",
                   "question_id": str(9000 + k), "question_type_id": 10} for k in range(max(1, ctx.n // 20))]  # fmt: skip
        write_text(ctx, SEED_FILE, _json({"questions": questions + videos}))
    return out


def _json(value) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False) + "\n"


# --- MME ---------------------------------------------------------------------------------------------------------

MME_DIR = "MME_Benchmark_release_version"
MME_SUBTASKS = {"color": "flat", "count": "flat", "existence": "YN"}
"""The subtasks written (in ChEF's reading order) and their layout: ``flat`` (``<k>.png`` beside ``<k>.txt``) or
``YN`` (``images/<k>.png`` and ``questions_answers_YN/<k>.txt``)."""
YES_NO = " Please answer yes or no."


def _mme_pair(ctx: MiniContext, scene: EasyVqaScene, subtask: str) -> list[tuple[str, str]]:
    """Two questions about the image, one answered Yes and one No, in a random order."""
    if subtask == "color":
        other = ctx.rng.choice([c for c in easy_vqa_colours() if c != colour(scene)])
        pair = [(f"Is the shape {colour(scene)}?", "Yes"), (f"Is the shape {other}?", "No")]
    elif subtask == "existence":
        other = ctx.rng.choice([s for s in SHAPES if s != scene.item.shape])
        pair = [(f"Is there a {scene.item.shape} in this image?", "Yes"), (f"Is there a {other} in this image?", "No")]
    else:  # count: easy-vqa draws one shape an image
        pair = [("Is there one shape in this image?", "Yes"),
                (f"Are there {ctx.rng.choice(('two', 'three'))} shapes in this image?", "No")]  # fmt: skip
    return ctx.rng.sample([(q + YES_NO, a) for q, a in pair], 2)


def _mme_record(image: str, subtask: str, question: str, answer: str) -> MiniRecord:
    record = {"image": image, "task_type": subtask, "question": question, "answer": answer}
    return MiniRecord(record, ((question, ANSWER_TEMPLATE.format(answer)),))


def write_mme(ctx: MiniContext) -> list[MiniRecord]:
    """Test: ``ceil(n / 2)`` images over the subtasks of :data:`MME_SUBTASKS` in both of MME's layouts, each with
    a Yes and a No question (``... Please answer yes or no.``; the last image has one question when n is odd), in
    the order ChEF reads them. Train: one question per record (Yes and No alternate), answered ``The answer is
    Yes``."""
    if ctx.split == "train":
        out = []
        for i, scene in enumerate(scenes(ctx)):
            subtask = ctx.rng.choice(sorted(MME_SUBTASKS))
            [(q, a)] = [p for p in _mme_pair(ctx, scene, subtask) if p[1] == ("Yes", "No")[i % 2]]
            out.append(_mme_record(ctx.save_image(f"mme_images/{i}.png", scene.image), subtask, q, a))
        return out
    images = scenes(ctx, (ctx.n + 1) // 2)
    per = [len(images[k :: len(MME_SUBTASKS)]) for k in range(len(MME_SUBTASKS))]
    out, start = [], 0
    for (subtask, layout), count in zip(MME_SUBTASKS.items(), per):
        for k, scene in enumerate(images[start : start + count]):
            folder = f"{MME_DIR}/{subtask}/" + ("images/" if layout == "YN" else "")
            image = ctx.save_image(f"{folder}{k:03d}.png", scene.image)
            pair = _mme_pair(ctx, scene, subtask)[: ctx.n - len(out)]
            questions = f"{MME_DIR}/{subtask}/" + ("questions_answers_YN/" if layout == "YN" else "") + f"{k:03d}.txt"
            write_text(ctx, questions, "".join(f"{q}\t{a}\n" for q, a in pair))
            out += [_mme_record(image, subtask, q, a) for q, a in pair]
        start += count
    return out


# --- Omnibenchmark and its Bamboo hierarchy -----------------------------------------------------------------------

OMNI_DIR = "ChEF/OmniBenchmark_Bamboo"
OMNI_FILE = f"{OMNI_DIR}/meta_file/Classification_Omnibenchmark.json"
BAMBOO_FILE = "Bamboo/sensexo_visual_add_academic_add_state_V4.visual.json"
COARSE = {"polygon": ("triangle", "rectangle", "pentagon", "hexagon"), "round shape": ("circle", "ellipse", "ring"),
          "star shape": ("five-pointed star", "six-pointed star")}  # fmt: skip
"""Level 0 (children of the root ``shape``) -> level 1; easy-vqa's shapes get level 2, ``<colour> <shape>``."""
SYNONYMS = {"rectangle": ("oblong",), "circle": ("round",)}
"""Further names of an id (Bamboo lists several; the first is the label)."""


def bamboo_tree() -> dict[str, dict[str, list[str]]]:
    """The hierarchy in Bamboo's format (``id2name``, ``father2child``, ``child2father``), ids ``n000``, ``n001`` ...
    in a fixed order: root ``shape``; three coarse labels; their shapes; a colour-qualified label per easy-vqa shape
    and colour (the fine level)."""
    id2name: dict[str, list[str]] = {}
    father2child: dict[str, list[str]] = {}
    child2father: dict[str, list[str]] = {}

    def add(name: str, parent: str | None) -> str:
        key = f"n{len(id2name):03d}"
        id2name[key] = [name, *SYNONYMS.get(name, ())]
        if parent is not None:
            father2child.setdefault(parent, []).append(key)
            child2father[key] = [parent]
        return key

    root = add("shape", None)
    for coarse, shapes in COARSE.items():
        parent = add(coarse, root)
        for shape in shapes:
            key = add(shape, parent)
            for c in easy_vqa_colours() if shape in SHAPES else ():
                add(f"{c} {shape}", key)
    return {"id2name": id2name, "father2child": father2child, "child2father": child2father}


def omnibenchmark_turns(chain: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """ChEF's Multi_PPL turns of a chain (level 0's question, then each level naming the level above) with the
    answer template filled with the chain's label."""
    questions = [FINE_GRAINED[0], *(FINE_GRAINED[1].format(label) for label in chain[:-1])]
    return tuple((q, FINE_GRAINED_TEMPLATE.format(label)) for q, label in zip(questions, chain))


def write_omnibenchmark(ctx: MiniContext) -> list[MiniRecord]:
    """Test: ``Classification_Omnibenchmark.json`` (``image``, ``src_image``, ``label``, ``realm_name`` shape,
    ``chain``: coarse label, shape, ``<colour> <shape>``; every fourth record stops at the shape, so chains of two
    and three levels mix), images in ``omnibenchmark_images/``, and the hierarchy at ChEF's Bamboo path. Train: one
    turn per level, answered ``The fine-grained category label for this image is <label>``."""
    coarse_of = {shape: coarse for coarse, shapes in COARSE.items() for shape in shapes}
    folder = f"{OMNI_DIR}/omnibenchmark_images/" if ctx.split == "test" else "omnibenchmark_images/"
    out, records = [], []
    for i, scene in enumerate(scenes(ctx)):
        shape = scene.item.shape
        chain = [coarse_of[shape], shape] + ([] if i % 4 == 3 else [f"{colour(scene)} {shape}"])
        image = ctx.save_image(f"{folder}{i}.png", scene.image)
        record = {"image": f"omnibenchmark_images/{i}.png", "src_image": "omnibenchmark", "label": chain[-1],
                  "realm_name": "shape", "chain": chain}  # fmt: skip
        records.append(record)
        out.append(MiniRecord({**record, "image": image}, omnibenchmark_turns(chain)))
    if ctx.split == "test":
        write_text(ctx, OMNI_FILE, _json(records))
        write_text(ctx, BAMBOO_FILE, json.dumps(bamboo_tree(), sort_keys=True) + "\n")
    return out


_EASY_VQA = "easy-vqa images (64 px) whose shape and colour easy-vqa's questions state"

SOURCES_CHEF: dict[str, MiniSource] = {
    MMBENCH_FILE: MiniSource(
        write=write_mmbench, task_type="VQA", licence="MIT", own_format=True, n_test=40, n_train=120,
        source=f"{_EASY_VQA}; easy-vqa's shape and colour questions, 4-5 options, base64 PNGs"),
    SEED_FILE: MiniSource(
        write=write_seedbench, task_type="VQA", licence="MIT", own_format=True, n_test=40, n_train=120,
        source=f"{_EASY_VQA}; easy-vqa's shape and colour questions, 4 choices"),
    MME_DIR: MiniSource(
        write=write_mme, task_type="VQA", licence="MIT", own_format=True, n_test=40, n_train=120,
        source=f"{_EASY_VQA}; color, count, existence: a Yes and a No question per image"),
    OMNI_FILE: MiniSource(
        write=write_omnibenchmark, task_type="classification", licence="MIT", own_format=True, n_test=40, n_train=80,
        source=f"{_EASY_VQA}; label chains coarse shape -> shape -> colour and shape, over a Bamboo-format "
        "hierarchy written here"),
}  # fmt: skip
"""ChEF's dataset formats (path under the data root, as the ``chef-*`` tasks declare it) -> their sources."""
