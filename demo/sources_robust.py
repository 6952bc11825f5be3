"""lamm-mini's sources for ChEF's corrupted copies (``ChEF/ScienceQA_C``, ``ChEF/MMBench_C``), which
``chef-robust-scienceqa`` and ``chef-robust-mmbench`` read as they read ChEF's own: made from lamm-mini's clean
ScienceQA meta file and MMBench TSV (written before them: ``MiniSource.after``) with lamm-bench's corruption
generator (:mod:`lamm_bench.corruptions`) seeded by the build's seed, so the demo runs the precomputed-files path.

- ``ChEF/ScienceQA_C/VQA_ScienceQA_C.json``: the clean records, the question's words (before ``Context:`` /
  ``Options:``) corrupted; each record's image corrupted under ``ChEF/ScienceQA_C/<its image path>``.
- ``ChEF/MMBench_C/MMBench_C.json``: one record a TSV row -- ``query`` the whole question with corrupted words and
  the options on one line (`` (A) ...``, as ChEF's copies are: its reader breaks them), ``gt_choices``,
  ``gt_choice``; ``ChEF/MMBench_C/images/<row>.png`` the row's image corrupted.
"""

from __future__ import annotations

import json

from lamm_bench.chef_mmbench import MMBENCH_FILE, read_mmbench
from lamm_bench.corruptions import IMAGE_PARAMETERS, TEXT_CORRUPTIONS, corrupt_image, corrupt_text, draw, rng_for
from lamm_bench.demo.contract import MiniContext, MiniRecord, MiniSource
from lamm_bench.demo.sources2d import META_DIR, SOURCES_2D
from lamm_bench.demo.sources_chef import SOURCES_CHEF, write_text

SQA_META = META_DIR + "VQA_SQAimage.json"
SQA_C = "ChEF/ScienceQA_C/VQA_ScienceQA_C.json"
MMBENCH_C = "ChEF/MMBench_C/MMBench_C.json"


def _image(ctx: MiniContext, source, relative: str, key: str) -> None:
    from PIL import Image

    rng = rng_for(ctx.seed, "lamm-mini", key, "image")
    with Image.open(source) as image:
        ctx.save_image(relative, corrupt_image(image, draw(rng, tuple(IMAGE_PARAMETERS)), rng))


def _text(ctx: MiniContext, text: str, key: str) -> str:
    rng = rng_for(ctx.seed, "lamm-mini", key, "text")
    return corrupt_text(text, draw(rng, TEXT_CORRUPTIONS), rng)


def _check(ctx: MiniContext, found: int, of: str) -> None:
    if found != ctx.n:
        raise RuntimeError(f"lamm-mini's {of} has {found} records; its corrupted copy was asked for {ctx.n}")


def write_scienceqa_c(ctx: MiniContext) -> list[MiniRecord]:
    """The corrupted copy of lamm-mini's ScienceQA (test split only)."""
    records = json.loads((ctx.folder / SQA_META).read_text(encoding="utf-8"))
    _check(ctx, len(records), SQA_META)
    out = []
    for record in records:
        query = record["query"]
        cut = min(i for i in (query.find("Context:"), query.find("Options:"), len(query)) if i >= 0)
        crp = {**record, "query": _text(ctx, query[:cut], f"sqa:{record['id']}") + query[cut:]}
        _image(ctx, ctx.folder / "2D_Benchmark" / record["image"], f"ChEF/ScienceQA_C/{record['image']}",
               f"sqa:{record['id']}")  # fmt: skip
        out.append(MiniRecord(crp, ()))
    write_text(ctx, SQA_C, json.dumps([r.record for r in out], indent=1, ensure_ascii=False) + "\n")
    return out


def write_mmbench_c(ctx: MiniContext) -> list[MiniRecord]:
    """The corrupted copy of lamm-mini's MMBench (test split only)."""
    samples, _ = read_mmbench(ctx.folder)
    _check(ctx, len(samples), MMBENCH_FILE)
    out = []
    for row, sample in enumerate(samples):
        t, key = sample.target, f"mmbench:{int(sample.target['index']) % 1_000_000}"
        choices = [t[c] for c in "ABCDE" if t.get(c) is not None]
        question = _text(ctx, sample.query, key)
        options = "There are several options:" + "".join(f" ({c}) {t[c]}" for c in "ABCDE" if t.get(c) is not None)
        query = f"{t['hint']} {question} {options} " if t.get("hint") is not None else f"{question} {options} "
        out.append(MiniRecord({"query": query, "gt_choices": choices, "gt_choice": "ABCDE".index(t["answer"])}, ()))
        _image(ctx, sample.images[0], f"ChEF/MMBench_C/images/{row}.png", key)
    write_text(ctx, MMBENCH_C, json.dumps([r.record for r in out], indent=1, ensure_ascii=False) + "\n")
    return out


ROBUST_SOURCES: dict[str, MiniSource] = {
    SQA_C: MiniSource(write=write_scienceqa_c, task_type="VQA", licence="MIT", own_format=True,
                      n_test=SOURCES_2D[SQA_META].n_test, n_train=0,
                      after=(SQA_META,), source="lamm-mini's ScienceQA, corrupted by lamm_bench.corruptions"),
    MMBENCH_C: MiniSource(write=write_mmbench_c, task_type="VQA", licence="MIT", own_format=True,
                          n_test=SOURCES_CHEF[MMBENCH_FILE].n_test, n_train=0, after=(MMBENCH_FILE,),
                          source="lamm-mini's MMBench, corrupted by lamm_bench.corruptions"),
}  # fmt: skip
"""ChEF's corrupted copies (path under the data root) -> their sources."""
