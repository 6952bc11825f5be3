"""lamm-mini's 2D sources: for each LAMM 2D meta file, the function that writes its records and media.

Each writer draws only from ``ctx.rng`` and from the packaged data of :mod:`lamm_bench.demo.packaged` (easy-vqa,
scikit-learn's digits, scikit-image's coins), :mod:`lamm_bench.demo.photos` and the scenes drawn by
:mod:`lamm_bench.demo.images`, and writes records in the schema of the LAMM file, with the query the task's
reference code holds (imported from the tasks, so the two never drift apart). A record's turns are the questions
the task's request plan asks and the answers its parser reads as right. :data:`SOURCES_2D` maps each meta file to
its :class:`~lamm_bench.demo.contract.MiniSource`.
"""

from __future__ import annotations

from lamm_bench.demo import images, photos
from lamm_bench.demo.contract import MiniContext, MiniRecord, MiniSource
from lamm_bench.demo.packaged import (
    DIGIT_WORDS, bracket, coin_count_image, digit_image, digits, easy_vqa_choices, easy_vqa_scenes, pick,
)  # fmt: skip
from lamm_bench.metrics.keypoints import LSP_JOINTS
from lamm_bench.tasks.prompts2d import (
    CAPTION_QS, CLASSIFICATION_QS, CNT_INS, CNT_QA, DETECTION_INS, DETECTION_QS, FG_CLASSIFICATION_QS, KEYPOINTS_DET_INS,
    KEYPOINTS_DET_QS, LOCATING_INS, LOCATING_QS, OCR_INS, OCR_QA,
)  # fmt: skip
from lamm_bench.tasks.celeba import HAIR_QUERY, SMILE_QUERY

META_DIR = "2D_Benchmark/meta_file/"


def write_cifar10(ctx: MiniContext) -> list[MiniRecord]:
    """Real easy-vqa images (its test split for test, train for train); the label is the shape its questions name,
    and the answer is that one word."""
    out = []
    for i, scene in enumerate(easy_vqa_scenes(ctx.rng, ctx.split, ctx.n)):
        image = ctx.save_image(f"cifar10_images/{i}.png", scene.image)
        record = {"id": i, "image": image, "label": scene.item.shape, "query": CLASSIFICATION_QS}
        out.append(MiniRecord(record, ((CLASSIFICATION_QS, scene.item.shape),)))
    return out


def write_voc2012(ctx: MiniContext) -> list[MiniRecord]:
    """Real easy-vqa images as one-object scenes; the box is the shape's pixel box and the answer
    ``The <shape> object is at [x1, y1, x2, y2].`` (the form both protocols' parsers read)."""
    query = DETECTION_QS + DETECTION_INS
    out = []
    for i, scene in enumerate(easy_vqa_scenes(ctx.rng, ctx.split, ctx.n)):
        obj = scene.object
        record = {"id": i, "image": ctx.save_image(f"voc2012_images/detection_{i}.png", scene.image), "query": query,
                  "object": [obj]}  # fmt: skip
        out.append(MiniRecord(record, ((query, f"The {obj['label']} object is at {bracket(obj['bbox'])}."),)))
    return out


def vqa_record(record_id: str, image: str, question: str, choices: list[str], answer: int) -> MiniRecord:
    """A VQA record (``<question> \nOptions: (A) .. (B) ..\n``) and its two turns, the two requests of the paper's
    plan: the question, answered ``The answer is (B) <option>.``, and the question plus that answer plus
    `` ###\nANSWER:``, answered ``(B)``. The ChEF plan asks the question alone (the first turn)."""
    options = " ".join(f"({'ABCDE'[k]}) {c}" for k, c in enumerate(choices))
    query = f"{question} \nOptions: {options}\n"
    letter = "ABCDE"[answer]
    reasoning = f"The answer is ({letter}) {choices[answer]}."
    record = {"id": record_id, "image": image, "query": query, "gt_choice": answer, "gt_choices": choices}
    return MiniRecord(record, ((query, reasoning), (query + reasoning + " ###\nANSWER:", f"({letter})")))


def write_scienceqa(ctx: MiniContext) -> list[MiniRecord]:
    """Real easy-vqa images, each with one of its own questions (shape, colour or yes/no) and two to four options
    of the answer's kind."""
    out = []
    for i, scene in enumerate(easy_vqa_scenes(ctx.rng, ctx.split, ctx.n)):
        question, answer = ctx.rng.choice(scene.item.questions)
        choices = easy_vqa_choices(ctx.rng, answer)
        image = ctx.save_image(f"sqaimage_images/{i}.png", scene.image)
        question = question[0].upper() + question[1:]
        out.append(vqa_record(f"sqa{i}", image, question, choices, choices.index(answer)))
    return out


def write_ai2d(ctx: MiniContext) -> list[MiniRecord]:
    """scikit-learn's handwritten digits (every fifth for test, the others for train) drawn 64 px, with three or
    four numerals as options; the turns are ScienceQA's (:func:`vqa_record`)."""
    out = []
    for i, (index, digit) in enumerate(pick(ctx.rng, digits(ctx.split), ctx.n)):
        others = ctx.rng.sample([str(d) for d in range(10) if d != digit], ctx.rng.randint(2, 3))
        choices = ctx.rng.sample([str(digit), *others], len(others) + 1)
        image = ctx.save_image(f"ai2d_images/{i}.png", digit_image(index))
        question = "Which digit is drawn in this diagram?"
        out.append(vqa_record(f"ai2d{i}", image, question, choices, choices.index(str(digit))))
    return out


def write_flickr30k(ctx: MiniContext) -> list[MiniRecord]:
    """Crops (80-95% of each side, mirrored half of the time, 128 px wide) of twelve photos shipped in scikit-image
    and matplotlib, each with its five hand-written captions; the answer is the first caption."""
    out = []
    for i, photo in enumerate(pick(ctx.rng, photos.PHOTOS, ctx.n)):
        crop = photos.photo_crop(photos.photo(photo.name), ctx.rng, ctx.split)
        record = {"id": i, "image": ctx.save_image(f"flickr30k_images/{i}.png", crop), "query": CAPTION_QS,
                  "sentences": list(photo.captions)}  # fmt: skip
        out.append(MiniRecord(record, ((CAPTION_QS, photo.captions[0]),)))
    return out


def write_ucmerced(ctx: MiniContext) -> list[MiniRecord]:
    """scikit-learn's handwritten digits (every fifth for test, the others for train) drawn 64 px; the label and
    the answer are the digit's English name (``seven``; no label is a substring of another)."""
    out = []
    for i, (index, digit) in enumerate(pick(ctx.rng, digits(ctx.split), ctx.n)):
        label = DIGIT_WORDS[digit]
        image = ctx.save_image(f"ucmerced_images/{i}.png", digit_image(index, ink=(24, 70, 32)))
        out.append(MiniRecord({"id": i, "image": image, "label": label, "query": FG_CLASSIFICATION_QS},
                              ((FG_CLASSIFICATION_QS, label),)))  # fmt: skip
    return out


def write_fsc147(ctx: MiniContext) -> list[MiniRecord]:
    """1 to 9 whole coins of scikit-image's ``coins`` photo (12 coins for test, the other 12 for train) pasted
    apart on a plain 128-px canvas; the answer is the count as digits."""
    query = CNT_QA.format("coins") + CNT_INS
    out = []
    for i, count in enumerate(pick(ctx.rng, range(1, 10), ctx.n)):
        image, _ = coin_count_image(ctx.rng, ctx.split, count)
        record = {"id": i, "image": ctx.save_image(f"fsc147_images/{i}.png", image), "query": query, "num": count}
        out.append(MiniRecord(record, ((query, str(count)),)))
    return out


SIGN_WORDS = ("HOTEL", "PIZZA", "BANK", "COFFEE", "STREET", "PARKING", "OPEN", "SALE", "BAR", "MARKET", "BAKERY",
              "TAXI", "EXIT", "BOOKS", "SHOES", "DINER")  # fmt: skip
"""Shop-sign words of the OCR images (one or two per image)."""


def write_svt(ctx: MiniContext) -> list[MiniRecord]:
    """One or two sign words rendered in Pillow's bundled font on a pale 160x48 sign; the answer is the words as
    written, space-separated (no quotes, so both protocols read the whole answer)."""
    query = OCR_QA + OCR_INS
    out = []
    for i in range(ctx.n):
        words = ctx.rng.sample(SIGN_WORDS, ctx.rng.randint(1, 2))
        image = ctx.save_image(f"svt_images/{i}.png", images.draw_words(words, ctx.rng))
        record = {"id": i, "image": image, "word_list": words, "query": query}
        out.append(MiniRecord(record, ((query, " ".join(words)),)))
    return out


def _write_faces(ctx: MiniContext, kind: str) -> list[MiniRecord]:
    hairs = tuple(images.HAIR_COLOURS)
    out = []
    # Balanced labels: the attribute asked about cycles through its values, the other one is random.
    labels = pick(ctx.rng, (True, False) if kind == "smile" else hairs, ctx.n)
    for i, label in enumerate(labels):
        smiling = label if kind == "smile" else ctx.rng.random() < 0.5
        hair = ctx.rng.choice(hairs) if kind == "smile" else label
        path = ctx.save_image(f"celeba_images/{kind}_{i}.png", images.draw_face(ctx.rng, smiling=smiling, hair=hair))
        if kind == "smile":
            record = {"id": i, "image": path, "attr": "1" if smiling else "-1", "query": SMILE_QUERY}
            out.append(MiniRecord(record, ((SMILE_QUERY, "yes" if smiling else "no"),)))
        else:
            record = {"id": i, "image": path, "attr": hair, "query": HAIR_QUERY}
            out.append(MiniRecord(record, ((HAIR_QUERY, hair),)))
    return out


def write_celeba_smile(ctx: MiniContext) -> list[MiniRecord]:
    """Drawn faces, smiling (an open red mouth) or not (a line); answered ``yes`` or ``no``."""
    return _write_faces(ctx, "smile")


def write_celeba_hair(ctx: MiniContext) -> list[MiniRecord]:
    """Drawn faces with black, blond, brown or gray hair; answered with the colour word."""
    return _write_faces(ctx, "hair")


def write_lsp(ctx: MiniContext) -> list[MiniRecord]:
    """Drawn stick figures (right limbs red, left blue); one turn per joint, answered ``[x, y]`` (normalized, two
    decimals), the joint's own position."""
    query = KEYPOINTS_DET_QS + KEYPOINTS_DET_INS
    w, h = images.STICK_FIGURE_SIZE
    out = []
    for i in range(ctx.n):
        joints = images.stick_figure_joints(ctx.rng)
        path = ctx.save_image(f"lsp_images/keypoints_{i}.png", images.draw_stick_figure(joints))
        gt_joints = [[round(x, 1), round(y, 1), 1] for x, y in joints]
        turns = tuple((query.replace("{}", name), bracket((x / w, y / h))) for name, (x, y, _) in
                      zip(LSP_JOINTS, gt_joints))  # fmt: skip
        out.append(MiniRecord({"id": i, "image": path, "query": query, "gt_joints": gt_joints}, turns))
    return out


def write_locating_voc(ctx: MiniContext) -> list[MiniRecord]:
    """``Locating_VOC2012``: real easy-vqa images as one-object scenes (box = the shape's pixel box); the answer
    ``The <shape> object is at [x, y].`` names the shape's centroid, inside its box."""
    query = LOCATING_QS + LOCATING_INS
    out = []
    for i, scene in enumerate(easy_vqa_scenes(ctx.rng, ctx.split, ctx.n)):
        obj, centre = scene.object, bracket(scene.centre)
        record = {"id": i, "image": ctx.save_image(f"voc2012_images/locating_{i}.png", scene.image), "query": query,
                  "object": [obj]}  # fmt: skip
        out.append(MiniRecord(record, ((query, f"The {obj['label']} object is at {centre}."),)))
    return out


def write_locating_lsp(ctx: MiniContext) -> list[MiniRecord]:
    """``Locating_LSP``: drawn stick figures (14 LSP joints, pixels); asked for the hip, the answer is the point
    midway between the two hips, inside the box the joints span."""
    query = KEYPOINTS_DET_QS.replace("{}", "hip") + KEYPOINTS_DET_INS
    w, h = images.STICK_FIGURE_SIZE
    out = []
    for i in range(ctx.n):
        joints = images.stick_figure_joints(ctx.rng)
        path = ctx.save_image(f"lsp_images/locating_{i}.png", images.draw_stick_figure(joints))
        hip = ((joints[2][0] + joints[3][0]) / 2 / w, (joints[2][1] + joints[3][1]) / 2 / h)
        gt_joints = [[round(x, 1), round(y, 1), 1] for x, y in joints]
        record = {"id": i, "image": path, "query": query, "gt_joints": gt_joints}
        out.append(MiniRecord(record, ((query, bracket(hip)),)))
    return out


_EASY_VQA = "easy-vqa images (64 px)"
_DIGITS_LICENCE = "BSD-3-Clause (scikit-learn); data CC BY 4.0 (UCI)"
_DRAWN = "Apache-2.0 (drawn here)"
_STICK_FIGURES = "drawn stick figures, 14 joints (right limbs red, left blue)"

SOURCES_2D: dict[str, MiniSource] = {
    META_DIR + "Classification_CIFAR10.json": MiniSource(
        write=write_cifar10, task_type="classification", licence="MIT",
        source=f"{_EASY_VQA}; label = the shape (circle, rectangle, triangle)"),
    META_DIR + "Detection_VOC2012.json": MiniSource(
        write=write_voc2012, task_type="detection", licence="MIT",
        source=f"{_EASY_VQA}; one object: the shape, its pixel box"),
    META_DIR + "VQA_SQAimage.json": MiniSource(
        write=write_scienceqa, task_type="VQA", licence="MIT",
        source=f"{_EASY_VQA} and their questions; options from easy-vqa's answers"),
    META_DIR + "VQA_AI2D.json": MiniSource(
        write=write_ai2d, task_type="VQA", licence=_DIGITS_LICENCE,
        source="scikit-learn digits (8x8, drawn 64 px); which digit, 3-4 numeral options"),
    META_DIR + "Caption_flickr30k.json": MiniSource(
        write=write_flickr30k, task_type="description", licence="CC0 / public domain",
        source="12 photos of scikit-image's data and matplotlib's grace_hopper.jpg, random crops; "
        "5 captions each, written for lamm-mini"),
    META_DIR + "Fine-grained_Classification_UCMerced.json": MiniSource(
        write=write_ucmerced, task_type="classification", licence=_DIGITS_LICENCE,
        source="scikit-learn digits (8x8, drawn 64 px); label = the digit name (zero ... nine)"),
    META_DIR + "Counting_FSC147.json": MiniSource(
        write=write_fsc147, task_type="counting", licence="no known copyright restrictions (scikit-image)",
        source="scikit-image coins: 1-9 segmented coins pasted on a 128-px canvas"),
    META_DIR + "OCR_SVT.json": MiniSource(
        write=write_svt, task_type="conversation", licence="Apache-2.0 (drawn here); font Aileron (CC0, in Pillow)",
        source="sign words drawn with Pillow's bundled font"),
    META_DIR + "Facial_Classification_CelebA(Smile).json": MiniSource(
        write=write_celeba_smile, task_type="classification", licence=_DRAWN, source="drawn faces; smiling or not"),
    META_DIR + "Facial_Classification_CelebA(Hair).json": MiniSource(
        write=write_celeba_hair, task_type="classification", licence=_DRAWN,
        source="drawn faces; hair black, blond, brown or gray"),
    META_DIR + "Keypoints_Detection_LSP.json": MiniSource(
        write=write_lsp, task_type="keypoint_detection", licence=_DRAWN, source=_STICK_FIGURES, n_train=60),
    META_DIR + "Locating_VOC2012.json": MiniSource(
        write=write_locating_voc, task_type="detection", licence="MIT",
        source=f"{_EASY_VQA}; one object: the shape, its pixel box"),
    META_DIR + "Locating_LSP.json": MiniSource(
        write=write_locating_lsp, task_type="keypoint_detection", licence=_DRAWN, source=_STICK_FIGURES),
}  # fmt: skip
"""Each LAMM 2D meta file (path under the data root) -> its lamm-mini source."""
