"""The LAMM 2D paper-protocol tasks scored on hand-written meta files with hand-computed expectations.

Each test writes a tiny data root (real PNGs, sizes chosen per test), answers written here, and checks the
numbers ``score_predictions`` gives against values worked out by hand from the reference rules (protocol §2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from lamm_bench import registry
from lamm_bench.data import load_samples
from lamm_bench.errors import UserError
from lamm_bench.plan import build_stage
from lamm_bench.scoring import score_predictions
from lamm_bench.tasks import prompts2d

META = "2D_Benchmark/meta_file"


def make_root(root: Path, files: dict[str, list[dict]], sizes: dict[str, tuple[int, int]] | None = None) -> Path:
    """Write ``root/2D_Benchmark`` with one meta file per stem; every record's image is a PNG (8x8 unless sized)."""
    bench = root / "2D_Benchmark"
    (bench / "meta_file").mkdir(parents=True, exist_ok=True)
    for stem, records in files.items():
        for record in records:
            path = bench / record["image"]
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (sizes or {}).get(record["image"], (8, 8)), (90, 90, 90)).save(path)
        (bench / "meta_file" / f"{stem}.json").write_text(json.dumps(records))
    return root


def score(task_name: str, root: Path, answers: dict | list):
    """Score answers (by sample id, or a list in sample order) on the root; returns (outcome, samples)."""
    task = registry.get_task(task_name)
    samples, _ = load_samples(task, root)
    if isinstance(answers, list):
        answers = {s.id: a for s, a in zip(samples, answers, strict=True)}
    return score_predictions(task, samples, answers, n_boot=10), samples


def records(folder: str, targets: list[dict], query: str = "Q?") -> list[dict]:
    return [{"id": i, "image": f"{folder}/{i}.png", "query": query, **t} for i, t in enumerate(targets)]


# --- VOC2012 detection ---------------------------------------------------------------------------------------

BOX = [0.1, 0.1, 0.5, 0.5]
VOC = [  # (objects, answer)
    ([{"label": "dog", "bbox": BOX}, {"label": "cat", "bbox": [0.5, 0.5, 0.9, 0.9]}],
     "A dog (0.1, 0.1, 0.5, 0.5) and a cat [0.5, 0.5, 0.9, 0.9]."),  # [...] parsed before (...): both hits
    ([{"label": "dog", "bbox": BOX}], "dog at 0.1 0.1 0.5 0.5"),  # no brackets: digit fallback, hit
    ([{"label": "dog", "bbox": BOX}], "The dog [0.5, 0.5, 0.1, 0.1]"),  # both corners inverted: swapped, hit
    ([{"label": "dog", "bbox": [0.0, 0.0, 0.5, 0.5]}], "a dog [0.0, 0.0, 0.5, 1.0]"),  # IoU exactly 0.5: no hit
    ([{"label": "car", "bbox": BOX}], "an automobile [0.1, 0.1, 0.5, 0.5]"),  # synonym of car's first synset
    ([{"label": "cat", "bbox": BOX}], "a dog [0.1, 0.1, 0.5, 0.5]"),  # right box, wrong label
    ([{"label": "dog", "bbox": BOX}], "I see a dog."),  # no box at all: unparsed
]  # fmt: skip


@pytest.fixture(scope="module")
def voc_root(tmp_path_factory) -> Path:
    targets = [{"object": objects} for objects, _ in VOC]
    return make_root(tmp_path_factory.mktemp("voc"), {"Detection_VOC2012": records("voc2012_images", targets)})


def test_voc2012_reference_recall_and_honest_matching(voc_root):
    outcome, _ = score("voc2012", voc_root, [a for _, a in VOC])
    m = outcome.metrics
    # 8 GT objects; reference hits: 2 + 1 + 1 + 0 + 1 + 0 + 0 = 5
    assert outcome.paper_value == m["recall_reference@0.5"] == pytest.approx(62.5)
    # 7 boxes, all one-to-one matches at IoU >= 0.5 (the exact-0.5 box counts here); 6 with a matching label
    assert m["recall@0.5"] == pytest.approx(87.5) and m["precision@0.5"] == pytest.approx(100.0)
    assert m["f1@0.5"] == pytest.approx(100 * 14 / 15)
    assert m["recall_with_category@0.5"] == pytest.approx(75.0)
    assert m["precision_with_category@0.5"] == pytest.approx(600 / 7)
    assert m["recall@0.25"] == pytest.approx(87.5) and m["recall_with_category@0.25"] == pytest.approx(75.0)
    # answer-order AP, category-agnostic: all 7 boxes are true positives of 8 GT boxes, so precision is 1 up to
    # recall 0.875 (88 of COCO's 101 recall points) and 0 beyond
    assert m["ap@0.5"] == pytest.approx(8800 / 101)
    assert outcome.unparsed == 1 and m["unparsed_rate"] == pytest.approx(100 / 7)
    rows = outcome.per_sample
    assert rows[0].parsed["boxes"] == [[0.5, 0.5, 0.9, 0.9], [0.1, 0.1, 0.5, 0.5]]  # brackets first
    assert rows[2].parsed["boxes"] == [BOX]  # swapped
    assert [r.scores["hits"] for r in rows] == [2, 1, 1, 0, 1, 0, 0]
    assert rows[0].parsed["ap@0.5"] == {"matches": ["tp", "tp"], "n_gt": 2}
    assert rows[6].parsed["ap@0.5"] == {"matches": [], "n_gt": 1}


def test_voc2012_ap_ranks_boxes_by_answer_order(tmp_path):
    dog = [{"label": "dog", "bbox": BOX}]
    root = make_root(tmp_path, {"Detection_VOC2012": records("voc2012_images", [{"object": dog}] * 2)})
    wrong, right = "[0.6, 0.6, 0.9, 0.9]", "[0.1, 0.1, 0.5, 0.5]"
    # first answer: the wrong box first; pooled: rank 0 (wrong, right), then rank 1 (right) -> precision 0, 1/2,
    # 2/3 at recall 0, 1/2, 1; made monotone, 2/3 everywhere
    outcome, _ = score("voc2012", root, [f"dog {wrong} {right}", f"dog {right}"])
    assert outcome.metrics["ap@0.5"] == pytest.approx(200 / 3)
    assert outcome.per_sample[0].parsed["ap@0.5"] == {"matches": ["fp", "tp"], "n_gt": 1}
    outcome, _ = score("voc2012", root, [f"dog {right} {wrong}", f"dog {right}"])  # wrong box last: AP 100
    assert outcome.metrics["ap@0.5"] == pytest.approx(100.0)
    # equal ranks in different answers keep sample order (COCOeval: image-id order): rank 0 is (right, wrong) now,
    # precision 1, 1/2, 2/3 -> 1 up to recall 1/2 (51 points), 2/3 beyond (50 points)
    outcome, _ = score("voc2012", root, [f"dog {right}", f"dog {wrong} {right}"])
    assert outcome.metrics["ap@0.5"] == pytest.approx((51 + 50 * 2 / 3) / 101 * 100)
    assert outcome.paper_value == 100.0  # the paper's recall does not see the order


def test_voc2012_all_right_all_wrong_and_odd_numbers(voc_root):
    right = ["dog [0.1, 0.1, 0.5, 0.5] cat [0.5, 0.5, 0.9, 0.9]", "dog [0.1, 0.1, 0.5, 0.5]",
             "dog [0.1, 0.1, 0.5, 0.5]", "dog [0.0, 0.0, 0.5, 0.5]", "car [0.1, 0.1, 0.5, 0.5]",
             "cat [0.1, 0.1, 0.5, 0.5]", "dog [0.1, 0.1, 0.5, 0.5]"]  # fmt: skip
    outcome, _ = score("voc2012", voc_root, right)
    assert outcome.paper_value == 100.0 and outcome.metrics["precision_with_category@0.5"] == 100.0
    odd = ["dog [0.1.2, 0.1, 0.5, 0.5]", "²", "", "nan [nan, nan, 1, 1]", "[", "0.1.2", "))(("]
    outcome, _ = score("voc2012", voc_root, odd)
    assert outcome.paper_value == 0.0 and outcome.unparsed == 7


# --- AI2D ------------------------------------------------------------------------------------------------------


def test_ai2d_plan_and_cascade(tmp_path):
    targets = [{"gt_choice": 1, "gt_choices": ["sun", "moon"]}, {"gt_choice": 0, "gt_choices": ["sun", "moon"]}]
    root = make_root(tmp_path, {"VQA_AI2D": records("ai2d_images", targets, "Which? Options: (A) sun (B) moon")})
    outcome, samples = score("ai2d", root, ["Because.\n The answer is (B)", "the Moon, I think"])
    # second: only the wrong option's text appears, so no branch decides (wrong, and counted unparsed)
    assert outcome.paper_value == 50.0 and outcome.unparsed == 1
    spec = registry.get_task("ai2d")
    [first] = build_stage(spec, 0, samples[0], {}, 0)
    [second] = build_stage(spec, 1, samples[0], {"reasoning": "R"}, 0)
    assert first.text == samples[0].query and second.text == samples[0].query + "R ###\nANSWER:"
    assert spec.assemble(samples[0], {"reasoning": "R", "answer": " (B)"}) == "R\n The answer is  (B)"
    assert first.system == prompts2d.VQA_SYS and first.generation.max_new_tokens == 400


# --- Flickr30k -----------------------------------------------------------------------------------------------

REFS = ["A dog runs on the grass.", "A brown dog outside."]


def test_flickr30k_paper_bleu4_by_hand(tmp_path):
    root = make_root(tmp_path, {"Caption_flickr30k": records("flickr30k_images", [{"sentences": REFS}] * 4)})
    answers = [
        'The caption is "A dog runs on the grass".',  # quoted span taken: exact reference
        "a dog runs on the grass",  # case-sensitive: p1..p4 = 5/6, 4/5, 3/4, 2/3
        "Hello there. A dog runs on the grass.",  # best sentence wins
        "",
    ]
    outcome, _ = score("flickr30k", root, answers)
    expected = (1 + (1 / 3) ** 0.25 + 1 + 0) / 4 * 100
    assert outcome.paper_value == pytest.approx(expected) and outcome.metrics["bleu4_nltk"] == pytest.approx(expected)
    assert outcome.unparsed == 1
    assert outcome.per_sample[0].parsed["candidates"] == ["A dog runs on the grass"]
    # COCO metrics (Java) beside it, over the raw answers
    m = outcome.metrics
    assert {"bleu1", "bleu2", "bleu3", "bleu4", "meteor", "rouge_l", "cider"} <= set(m)
    assert 0 < m["bleu4"] < 100
    # every sample has the same references, so every n-gram's document frequency is the corpus size: idf 0
    assert m["cider"] == 0.0


# --- UCMerced ----------------------------------------------------------------------------------------------


def test_ucmerced_case_sensitive_substring(tmp_path):
    labels = ["beach", "beach", "denseresidential", "denseresidential", "forest"]
    root = make_root(tmp_path, {"Fine-grained_Classification_UCMerced": records(
        "ucmerced_images", [{"label": x} for x in labels])})  # fmt: skip
    answers = ["It is a beach.", "Beach", "a denseresidential area", "dense residential", ""]
    outcome, _ = score("ucmerced", root, answers)
    assert outcome.paper_value == 40.0 and outcome.unparsed == 1
    assert [r.parsed["found"] for r in outcome.per_sample] == ["beach", None, "denseresidential", None, None]


# --- FSC147 ------------------------------------------------------------------------------------------------

COUNTS = [  # (gt, answer, paper count read)
    (5, "There are five apples.", 5),
    (5, "5. That's it", None),  # "5." is skipped; nothing else: read as 0
    (12, "12, maybe 13", 13),  # "12," skipped
    (3, "I count ² apples", None),  # superscript: the reference crashes; skipped here
    (4, "3.5 or 4", 4),
    (4, "1000 apples", 1000),
]


@pytest.fixture(scope="module")
def fsc_root(tmp_path_factory) -> Path:
    targets = [{"num": gt} for gt, _, _ in COUNTS]
    return make_root(tmp_path_factory.mktemp("fsc"), {"Counting_FSC147": records("fsc147_images", targets)})


def test_fsc147_paper_mae(fsc_root):
    outcome, _ = score("fsc147", fsc_root, [a for _, a, _ in COUNTS])
    # errors 0, 5, 1, 3, 0, 996
    assert outcome.paper_value == outcome.metrics["mae"] == pytest.approx(1005 / 6)
    assert outcome.metrics["mae_gt_lt10"] == pytest.approx(1004 / 5)
    assert [r.parsed["count"] for r in outcome.per_sample] == [c for *_, c in COUNTS]
    assert outcome.unparsed == 2


# --- SVT ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def svt_root(tmp_path_factory) -> Path:
    targets = [{"word_list": ["HOTEL", "PIZZA"]}, {"word_list": ["HOTEL", "PIZZA"]}, {"word_list": ["OPEN"]}]
    return make_root(tmp_path_factory.mktemp("svt"), {"OCR_SVT": records("svt_images", targets)})


SVT_ANSWERS = ['The words are "hotel" and "pizza"', "HOTEL, PIZZA", ""]


def test_svt_paper_word_accuracy(svt_root):
    outcome, _ = score("svt", svt_root, SVT_ANSWERS)
    # 2/2 (double-quoted spans joined by spaces), 1/2 ("hotel," keeps its comma), 0
    assert outcome.paper_value == pytest.approx(50.0) and outcome.unparsed == 1
    assert outcome.per_sample[0].parsed["words"] == ["hotel", "pizza"]


# --- CelebA ------------------------------------------------------------------------------------------------

SMILE = [("1", "Yes, the person is smiling.", True), ("-1", "No.", True), ("-1", "The person cannot smile", True),
         ("-1", "I don't think so", False), ("1", "not at all", False)]  # fmt: skip
HAIR = [  # (attr, answer, paper correct, ChEF correct)
    ("black", "Black hair.", True, True),
    ("grey", "Grey hair", False, True),  # grey's first synset is Zane Grey; ChEF also accepts the label itself
    ("brown", "I don't know", False, False),
]


@pytest.fixture(scope="module")
def celeba_root(tmp_path_factory) -> Path:
    return make_root(tmp_path_factory.mktemp("celeba"), {
        "Facial_Classification_CelebA(Smile)": records("celeba_images", [{"attr": a} for a, *_ in SMILE]),
        "Facial_Classification_CelebA(Hair)": records("celeba_hair", [{"attr": a} for a, *_ in HAIR]),
    })  # fmt: skip


def test_celeba_smile_rule(celeba_root):
    outcome, _ = score("celeba-smile", celeba_root, [a for _, a, _ in SMILE])
    # "cannot" -> can + not; "don't" -> do + n't (not a negation)
    assert outcome.paper_value == 60.0 == 100 * sum(c for *_, c in SMILE) / len(SMILE)
    assert [r.parsed["attr"] for r in outcome.per_sample] == ["1", "-1", "-1", "1", "-1"]


def test_celeba_hair_first_synset(celeba_root):
    outcome, _ = score("celeba-hair", celeba_root, [a for _, a, *_ in HAIR])
    assert outcome.paper_value == pytest.approx(100 / 3) == 100 * sum(h[2] for h in HAIR) / len(HAIR)


# --- LSP keypoints -----------------------------------------------------------------------------------------

JOINTS = [[5.0 + 5 * i, 10.0 + 10 * i, 1] for i in range(14)]  # normalized by (100, 200): (0.05 + 0.05 i) twice


@pytest.fixture(scope="module")
def lsp_root(tmp_path_factory) -> Path:
    recs = records("lsp_images", [{"gt_joints": JOINTS}] * 2, "Where is the {} key point?")
    locate = records("lsp_loc", [{"gt_joints": JOINTS}] * 2, "Where is the person?")
    voc = records("voc_loc", [
        {"object": [{"label": "dog", "bbox": BOX}, {"label": "cat", "bbox": [0.5, 0.5, 0.9, 0.9]}]},
        {"object": [{"label": "person", "bbox": [0.2, 0.2, 0.6, 0.6]}]},
        {"object": [{"label": "cat", "bbox": BOX}]},
    ])  # fmt: skip
    sizes = {r["image"]: (100, 200) for r in recs + locate}
    files = {"Keypoints_Detection_LSP": recs, "Locating_LSP": locate, "Locating_VOC2012": voc}
    return make_root(tmp_path_factory.mktemp("lsp"), files, sizes)


def test_lsp_requests_follow_the_reference_joint_order(lsp_root):
    spec = registry.get_task("lsp")
    samples, _ = load_samples(spec, lsp_root)
    requests = build_stage(spec, 0, samples[0], {}, 0)
    assert [r.key for r in requests][:3] == ["right ankle", "right knee", "right hip"]
    assert [r.key for r in requests][-2:] == ["neck", "head top"] and len(requests) == 14
    assert requests[0].text == "Where is the right ankle key point?"
    assert requests[0].system == prompts2d.KEYPOINTS_DET_SYS and requests[0].generation.max_new_tokens == 400
    answers = {r.key: f"answer {i}" for i, r in enumerate(requests)}
    assert spec.assemble(samples[0], answers) == answers and spec.prediction_kind == "mapping"


def test_lsp_pck_reference_is_zero_and_pck_is_right(lsp_root):
    first = {"head top": "no idea", "right ankle": "[0.05, 0.05]", "right knee": "It is at [0.1, 0.1].",
             "right hip": "[0.5, 0.5]"}  # fmt: skip
    outcome, _ = score("lsp", lsp_root, [dict(sorted(first.items())), {"neck": "somewhere"}])
    assert outcome.paper_value == 0.0 and outcome.metrics["pck_reference"] == 0.0
    # image 1: ankle and knee right (knee (10, 20) px is (0.1, 0.1) only when y is divided by the height)
    assert outcome.metrics["pck@0.1"] == pytest.approx(100 * (2 / 14 + 0) / 2)
    assert outcome.primary == "pck@0.1" and outcome.unparsed == 1
    assert outcome.per_sample[0].parsed["points"]["right knee"] == [[0.1, 0.1]]


def test_lsp_rejects_non_string_answers(lsp_root):
    with pytest.raises(UserError, match="joint name"):
        score("lsp", lsp_root, [{"neck": 3}, {}])


# --- Binary-Loc (pooled) -----------------------------------------------------------------------------------


def test_binary_loc_pools_voc_objects_and_lsp_images(lsp_root):
    answers = {
        "Locating_VOC2012:0": "dog [0.3, 0.3]",  # dog right; cat not named
        "Locating_VOC2012:1": "a person at [0.2, 0.4]",  # x on the edge: not strictly inside
        "Locating_VOC2012:2": "a cat",  # no point: the object is wrong
        "Locating_LSP:0": "[0.5, 0.5]",  # (50, 100) px, inside the joints' box (5..70, 10..140)
        "Locating_LSP:1": "[0.9, 0.9]",  # outside
    }
    outcome, samples = score("binary-loc", lsp_root, answers)
    assert [s.id for s in samples] == list(answers)
    m = outcome.metrics
    assert outcome.paper_value == m["accuracy"] == pytest.approx(100 * 2 / 6)  # (1 + 1) / (4 + 2)
    assert m["accuracy_voc2012"] == 25.0 and m["accuracy_lsp"] == 50.0
    assert outcome.unparsed == 1
    spec = registry.get_task("binary-loc")
    systems = {s.source: build_stage(spec, 0, s, {}, 0)[0].system for s in samples}
    assert systems == {"Locating_VOC2012": prompts2d.LOCATING_SYS, "Locating_LSP": prompts2d.HUMANLOCATING_SYS}


def test_paper_metric_names():
    names = {n: registry.get_task(n).paper_metric for n in
             ("voc2012", "ai2d", "flickr30k", "ucmerced", "fsc147", "svt", "celeba-smile", "celeba-hair", "lsp",
              "binary-loc")}  # fmt: skip
    assert names == {
        "voc2012": ("mAP", "recall_reference@0.5"), "ai2d": ("Acc", "accuracy"),
        "flickr30k": ("BLEU4", "bleu4_nltk"), "ucmerced": ("Acc", "accuracy"), "fsc147": ("MAE", "mae"),
        "svt": ("Word Acc", "word_accuracy"), "celeba-smile": ("Acc", "accuracy"),
        "celeba-hair": ("Acc", "accuracy"), "lsp": ("PCK", "pck_reference"), "binary-loc": ("Binary-Loc", "accuracy"),
    }  # fmt: skip


def test_binary_loc_checks_each_files_ground_truth(tmp_path):
    voc = records("voc_loc", [{"gt_joints": JOINTS}])  # a VOC locating record without 'object'
    root = make_root(tmp_path, {"Locating_VOC2012": voc, "Locating_LSP": records("lsp_loc", [{"gt_joints": JOINTS}])})
    spec = registry.get_task("binary-loc")
    samples, _ = load_samples(spec, root)
    assert build_stage(spec, 0, samples[1], {}, 0)[0].system == prompts2d.HUMANLOCATING_SYS
    with pytest.raises(UserError, match="Locating_VOC2012: sample Locating_VOC2012:0: needs an 'object' list"):
        build_stage(spec, 0, samples[0], {}, 0)
