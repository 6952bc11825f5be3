"""The LAMM 2D ChEF-protocol tasks scored on hand-written meta files with hand-computed expectations.

Where ChEF and the paper differ on the same answers (structured detection categories, clipped counting errors,
quote extraction, the hair matcher, the locating matcher) the test scores both and checks each by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli
from lamm_bench import registry
from lamm_bench.data import load_samples
from lamm_bench.plan import build_stage
from lamm_bench.tasks import prompts2d
from test_2d_tasks import BOX, COUNTS, HAIR, SMILE, SVT_ANSWERS, make_root, records, score

# fixtures shared with the paper tests (pytest finds them through this import)
from test_2d_tasks import celeba_root, fsc_root, lsp_root, svt_root  # noqa: F401  isort: skip

CHEF_TOKENS = {  # recipe max_new_tokens (protocol §1.5): default 16, 256 for AI2D, FSC147 and locating
    "voc2012-chef": 16, "flickr30k-chef": 16, "ucmerced-chef": 16, "svt-chef": 16, "celeba-smile-chef": 16,
    "celeba-hair-chef": 16, "ai2d-chef": 256, "fsc147-chef": 256, "locating-voc2012-chef": 256,
    "locating-lsp-chef": 256,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CHEF_TOKENS))
def test_chef_requests_are_greedy_chef_requests_with_recipe_budgets(name, mini_root):
    spec = registry.get_task(name)
    samples, _ = load_samples(spec, mini_root)
    previous: dict[str, str] = {}
    for index in range(len(spec.stages)):
        for request in build_stage(spec, index, samples[0], previous, 0):
            assert request.protocol == "chef" and not request.generation.do_sample
            assert request.system == spec.system_message
            previous[request.key] = "step."
    assert request.generation.max_new_tokens == CHEF_TOKENS[name]  # the final (answer) request


@pytest.mark.parametrize("name", ["scienceqa-chef", "ai2d-chef"])
def test_chef_cot_and_answer_are_independent_requests_as_in_d01093c(name, mini_root):
    """``generate_CoT_query``: CoT = ``question + "\\nLet's think step by step."`` (256 tokens); the answer request is
    ``question + ''`` with no CoT in it (``batch_generate`` ignores the reasoning); the metric reads CoT + answer."""
    spec = registry.get_task(name)
    assert spec.version == "2"
    samples, _ = load_samples(spec, mini_root)
    assert len(spec.stages) == 1  # nothing waits for the CoT
    cot, answer = build_stage(spec, 0, samples[0], {}, 0)
    assert (cot.key, cot.text) == ("cot", samples[0].query + "\nLet's think step by step.")
    assert (answer.key, answer.text) == ("answer", samples[0].query)
    for request in (cot, answer):
        assert request.assistant_prefix == "" and request.system == prompts2d.VQA_SYS
        assert (request.generation.max_new_tokens, request.protocol) == (256, "chef")
    assert spec.assemble(samples[0], {"cot": "Think. ", "answer": "(A)"}) == "Think. (A)"


# --- VOC2012 detection -----------------------------------------------------------------------------------

CHEF_VOC = [  # (objects, answer)
    ([{"label": "dog", "bbox": BOX}, {"label": "person", "bbox": [0.5, 0.5, 0.9, 0.9]}],
     "The dog object is at [0.1, 0.1, 0.5, 0.5]. The man object is at [0.5, 0.5, 0.9, 0.9]"),  # man -> person
    ([{"label": "cat", "bbox": BOX}], "There is a cat (0.1, 0.1, 0.5, 0.5)."),  # ChEF reads only [..] boxes
    ([{"label": "dog", "bbox": BOX}], "The dog object is at [0.5, 0.5, 0.1, 0.1]."),  # inverted: dropped
    ([{"label": "dog", "bbox": BOX}], "The dog object is at [0.1.2, 0.1, 0.5, 0.5]."),  # reference crashes
    ([{"label": "cat", "bbox": BOX}], "The dog object is at [0.1, 0.1, 0.5, 0.5], near a cat."),  # category dog
    ([{"label": "dog", "bbox": [0.0, 0.0, 0.5, 0.5]}], "The dog object is at [0, 0, 0.5, 1.0]."),  # IoU 0.5 >= 0.5
]  # fmt: skip


@pytest.fixture(scope="module")
def chef_voc_root(tmp_path_factory) -> Path:
    targets = [{"object": objects} for objects, _ in CHEF_VOC]
    return make_root(tmp_path_factory.mktemp("chefvoc"), {"Detection_VOC2012": records("voc2012_images", targets)})


def test_voc2012_chef_structured_parser_and_matching(chef_voc_root):
    outcome, _ = score("voc2012-chef", chef_voc_root, [a for _, a in CHEF_VOC])
    m = outcome.metrics
    # 7 GT objects, 4 kept boxes (samples 0, 0, 4, 5); 4 matched by IoU, 3 of them with the category
    assert outcome.paper_value == m["recall_with_category@0.5"] == pytest.approx(300 / 7, rel=1e-6)
    assert m["precision_with_category@0.5"] == pytest.approx(75.0, rel=1e-6)
    assert m["recall_without_category@0.5"] == pytest.approx(400 / 7, rel=1e-6)
    assert m["precision_without_category@0.5"] == pytest.approx(100.0, rel=1e-6)
    assert m["recall_with_category@0.25"] == pytest.approx(300 / 7, rel=1e-6)
    assert outcome.unparsed == 3 and m["unparsed_rate"] == 50.0
    rows = outcome.per_sample
    assert rows[0].parsed["categories"] == ["dog", "man"] and rows[3].parsed["malformed"] == 1


def test_voc_label_anywhere_in_paper_but_structured_in_chef(chef_voc_root):
    answers = {"4": "The dog object is at [0.1, 0.1, 0.5, 0.5], near a cat."}  # GT: a cat at that box
    task = registry.get_task("voc2012")
    samples = [s for s in load_samples(task, chef_voc_root)[0] if s.id == "4"]
    from lamm_bench.scoring import score_predictions

    paper = score_predictions(task, samples, answers, n_boot=10)
    chef = score_predictions(registry.get_task("voc2012-chef"), samples, answers, n_boot=10)
    assert paper.paper_value == 100.0 and chef.paper_value == 0.0


def test_voc2012_chef_file_without_any_box_scores_zero(chef_voc_root):
    outcome, _ = score("voc2012-chef", chef_voc_root, ["", "nothing", "[a, b, c, d]", "0.1.2", "²", "[0.1.2]"])
    assert outcome.paper_value == 0.0 and outcome.metrics["precision_with_category@0.5"] == 0.0
    assert outcome.unparsed == 6


# --- Flickr30k (COCO metrics through the CLI) ------------------------------------------------------------


def test_flickr30k_chef_score_json_cider(tmp_path):
    refs = [["A dog runs on the grass.", "A brown dog outside."], ["Two men ride bicycles.", "People on bikes."]]
    targets = [{"sentences": r} for r in refs]
    root = make_root(tmp_path / "data", {"Caption_flickr30k": records("flickr30k_images", targets)})
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"id": i, "text": r[0]}) + "\n" for i, r in enumerate(refs)))
    proc = run_cli("score", "--task", "flickr30k-chef", "--predictions", str(answers), "--data-root", str(root),
                   "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    m = report["metrics"]
    assert report["paper_metric"] == {"name": "CIDEr", "value": m["cider"]} and report["protocol"] == "chef"
    # every answer is one of its references: corpus BLEU-n and ROUGE-L are (numerically) perfect
    for key in ("bleu1", "bleu2", "bleu3", "bleu4", "rouge_l"):
        assert m[key] == pytest.approx(100.0, rel=1e-6), key
    assert m["cider"] > 100 and report["unparsed"] == 0


# --- UCMerced, FSC147, SVT, CelebA ------------------------------------------------------------------------


def test_ucmerced_chef_is_case_sensitive(tmp_path):
    root = make_root(tmp_path, {"Fine-grained_Classification_UCMerced": records(
        "ucmerced_images", [{"label": "beach"}, {"label": "beach"}])})  # fmt: skip
    outcome, _ = score("ucmerced-chef", root, ["beach", "Beach"])
    assert outcome.paper_value == 50.0


def test_fsc147_chef_clips_errors_at_the_true_count(fsc_root):
    outcome, _ = score("fsc147-chef", fsc_root, [a for _, a, _ in COUNTS])
    # counts read 5, 0, 13, 0 (the ² crashes ChEF), 4, 1000 -> errors 0, 5, 1, 3, 0, min(4, 996)
    assert outcome.paper_value == outcome.metrics["clipped_error"] == pytest.approx(13 / 6)
    assert outcome.metrics["exact_match"] == pytest.approx(100 / 3)
    assert outcome.unparsed == 2


def test_svt_chef_quote_variant(svt_root):
    outcome, _ = score("svt-chef", svt_root, SVT_ANSWERS)
    # spans "hotel", " and ", "pizza" joined by ". ": "hotel." keeps a period -> 1/2; then 1/2; then 0
    assert outcome.paper_value == pytest.approx(100 / 3)
    assert outcome.per_sample[0].parsed["words"] == ["hotel.", "and", ".", "pizza"]


def test_celeba_chef(celeba_root):
    smile, _ = score("celeba-smile-chef", celeba_root, [a for _, a, _ in SMILE])
    hair, _ = score("celeba-hair-chef", celeba_root, [a for _, a, *_ in HAIR])
    assert smile.paper_value == 60.0
    assert hair.paper_value == pytest.approx(200 / 3) == 100 * sum(h[3] for h in HAIR) / len(HAIR)


# --- Locating ------------------------------------------------------------------------------------------


def test_locating_chef_reports_each_file(lsp_root):
    voc, samples = score("locating-voc2012-chef", lsp_root, ["dog [0.3, 0.3]", "a man at [0.4, 0.4]", "a cat"])
    assert [s.id for s in samples] == ["0", "1", "2"]  # unpooled: plain ids
    assert voc.paper_value == 50.0  # "man" -> person through ChEF's VOC synonyms; 2 of 4 objects
    paper, _ = score("binary-loc", lsp_root, {"Locating_VOC2012:1": "a man at [0.4, 0.4]",
                                              "Locating_VOC2012:0": "", "Locating_VOC2012:2": "",
                                              "Locating_LSP:0": "", "Locating_LSP:1": ""})  # fmt: skip
    assert paper.paper_value == 0.0  # the paper's first-synset matcher does not know "man" as a person
    lsp, _ = score("locating-lsp-chef", lsp_root, ["[0.5, 0.5]", "[0.9, 0.9]"])
    assert lsp.paper_value == 50.0
    spec = registry.get_task("locating-lsp-chef")
    assert spec.system_message == prompts2d.HUMANLOCATING_SYS


def test_chef_paper_metric_names():
    names = {n: registry.get_task(n).paper_metric for n in registry.expand_group("lamm2d-chef")}
    assert names == {
        "cifar10-chef": ("ACC", "accuracy"), "voc2012-chef": ("recall@0.50", "recall_with_category@0.5"),
        "scienceqa-chef": ("vision_acc", "accuracy"), "ai2d-chef": ("vision_acc", "accuracy"),
        "flickr30k-chef": ("CIDEr", "cider"), "ucmerced-chef": ("ACC", "accuracy"),
        "fsc147-chef": ("MAE", "clipped_error"), "svt-chef": ("ACC", "word_accuracy"),
        "celeba-smile-chef": ("ACC", "accuracy"), "celeba-hair-chef": ("ACC", "accuracy"),
        "locating-voc2012-chef": ("ACC", "accuracy"), "locating-lsp-chef": ("ACC", "accuracy"),
    }  # fmt: skip
