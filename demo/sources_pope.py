"""lamm-mini's sources for POPE (ChEF's hallucination desideratum, ``coco_pope/coco_pope_<variant>.json``): scenes
of three or four easy-vqa tiles, each object a coloured shape (``red circle``), asked ``Is there a <object> in the
image?``; the negatives are drawn as POPE draws them, from the objects the scene lacks.

- ``random``: any absent objects;
- ``popular``: the absent objects most frequent over the file's scenes;
- ``adversarial``: the absent objects that share a shape or a colour with one the scene has (the look-alikes),
  most frequent first.

Each image gets up to three ``yes`` questions (objects it shows) and as many ``no`` ones, alternating, as in POPE's
files. ``chef-pope`` reads them; ``SOURCES`` holds them without their train records (``n_train=0``), so lamm-mini's
train split is what it was before POPE joined.
"""

from __future__ import annotations

import json
from collections import Counter

from lamm_bench.demo.contract import MiniContext, MiniRecord, MiniSource
from lamm_bench.demo.packaged import SHAPES, easy_vqa_colours
from lamm_bench.demo.sources_chef import colour, scenes, write_text

POPE_VARIANTS = ("random", "popular", "adversarial")
TILE = 64
BLANK = (245, 245, 245)


def _scene(ctx: MiniContext):
    """A 2x2 grid of three or four easy-vqa images (a blank cell otherwise) and the objects it shows."""
    from PIL import Image

    canvas = Image.new("RGB", (2 * TILE, 2 * TILE), BLANK)
    tiles = scenes(ctx, ctx.rng.choice((3, 4)))
    cells = ctx.rng.sample(range(4), len(tiles))
    for tile, cell in zip(tiles, cells):
        canvas.paste(tile.image, ((cell % 2) * TILE, (cell // 2) * TILE))
    return canvas, sorted({f"{colour(t)} {t.item.shape}" for t in tiles})


def _negatives(ctx: MiniContext, variant: str, shown: list[str], frequency: Counter, count: int) -> list[str]:
    absent = [f"{c} {s}" for c in easy_vqa_colours() for s in SHAPES if f"{c} {s}" not in shown]
    by_frequency = sorted(absent, key=lambda o: (-frequency[o], o))
    if variant == "random":
        return ctx.rng.sample(absent, count)
    if variant == "popular":
        return by_frequency[:count]
    parts = {p for o in shown for p in o.split()}
    alike = [o for o in by_frequency if parts & set(o.split())]
    return (alike + [o for o in by_frequency if o not in alike])[:count]


def _questions(ctx: MiniContext, variant: str, shown: list[str], frequency: Counter) -> list[tuple[str, str]]:
    yes = ctx.rng.sample(shown, min(3, len(shown)))
    no = _negatives(ctx, variant, shown, frequency, len(yes))
    pairs = [p for y, n in zip(yes, no) for p in ((y, "yes"), (n, "no"))]
    return [(f"Is there a {o} in the image?", label) for o, label in pairs]


def pope_writer(variant: str):
    """The writer of one POPE variant. Test: ``coco_pope/coco_pope_<variant>.json``, one JSON object a line
    (``question_id``, ``image``, ``text``, ``label``), ``n`` questions, up to six a scene, scenes in
    ``coco_pope/val2014/``. Train: one question per record, answered ``Yes`` or ``No`` (ChEF's options, template
    ``{}``)."""

    def write(ctx: MiniContext) -> list[MiniRecord]:
        drawn = []  # train: a question a scene; test: up to six a scene (fewer when two tiles show one object)
        while (len(drawn) if ctx.split == "train" else sum(2 * min(3, len(s)) for _, s in drawn)) < ctx.n:
            drawn.append(_scene(ctx))
        frequency = Counter(o for _, shown in drawn for o in shown)
        folder = "coco_pope/val2014/" if ctx.split == "test" else "pope_images/"
        out, lines = [], []
        for i, (image, shown) in enumerate(drawn):
            name = f"COCO_val2014_{variant}_{i:06d}.png"
            path = ctx.save_image(folder + name, image)
            questions = _questions(ctx, variant, shown, frequency)
            if ctx.split == "train":  # one question a scene, yes and no alternating
                questions = [questions[i % 2]]
            for text, label in questions[: ctx.n - len(out)]:
                record = {"question_id": len(out) + 1, "image": name, "text": text, "label": label}
                lines.append(json.dumps(record) + "\n")
                out.append(MiniRecord({**record, "image": path}, ((text, label.capitalize()),)))
        if ctx.split == "test":
            write_text(ctx, f"coco_pope/coco_pope_{variant}.json", "".join(lines))
        return out

    return write


POPE_SOURCES: dict[str, MiniSource] = {
    f"coco_pope/coco_pope_{variant}.json": MiniSource(
        write=pope_writer(variant), task_type="VQA", licence="MIT", own_format=True, n_test=40, n_train=60,
        source="scenes of 3-4 easy-vqa images (64 px each); objects = colour and shape; "
        f"{variant} negatives as POPE draws them")
    for variant in POPE_VARIANTS
}  # fmt: skip
"""POPE's three question files (path under the data root) -> their sources."""
