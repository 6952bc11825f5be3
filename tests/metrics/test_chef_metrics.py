"""ChEF's scenario metrics equal the ``d01093c`` metric classes on hand-made answer files (issue 19).

``tests/fixtures/chef/answer_files.json`` holds one ChEF answer file per recipe, with the keys each metric class
reads, written as the reference's PPL inferencers write them (tricky extractor cases, MMBench circular groups with
one wrong copy and one copy without its original, MME image pairs, number words, a VOC2012 wrong class and a box
of IoU exactly 0.5, Omnibenchmark chains wrong at levels 0/1/2). ``REFERENCE_METRICS`` came from running
``OpenGVLab/LAMM@d01093c`` on copies of those files: ``tests/fixtures/chef/derive_golden.py <ref src> metrics``
calls ``build_metric('basic', <dataset>, **metric_cfg).metric(copy)``, i.e. ``src/ChEF/metric/vqa.py:VQA``
(ScienceQA, SEEDBench), ``vqa.py:MMBenchVQA``, ``vqa.py:MMEVQA``, ``classification.py:CG_Classification``
(CIFAR10), ``caption.py:Caption`` (``acc``, ``top_acc``), ``counting.py:Counting`` (``ppl``),
``detection.py:Detection`` (``ppl``) and ``classification.py:FG_Classification`` (``multi_ppl``, ``single_ppl``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.metrics import chef_scenarios, chef_vqa

CASES = json.loads((Path(__file__).parents[1] / "fixtures" / "chef" / "answer_files.json").read_text())

METRICS = {
    "scienceqa": chef_vqa.vqa_metrics,
    "seedbench": chef_vqa.vqa_metrics,
    "mmbench": chef_vqa.mmbench_metrics,
    "mme": chef_vqa.mme_metrics,
    "cifar10": chef_scenarios.classification_metrics,
    "flickr30k": chef_scenarios.caption_acc_metrics,
    "flickr30k_top_acc": chef_scenarios.caption_top_acc_metrics,
    "fsc147": chef_scenarios.counting_ppl_metrics,
    "voc2012": chef_scenarios.detection_ppl_metrics,
    "omnibenchmark": chef_scenarios.fine_grained_multi_ppl,
    "omnibenchmark_single": chef_scenarios.fine_grained_single_ppl,
}

# fmt: off
REFERENCE_METRICS = {
    "scienceqa": {"ACC": 52.94117647058824, "match_ratio": 64.70588235294117},
    "seedbench": {"ACC": 50.0, "match_ratio": 83.33333333333334},
    "mmbench": {
        "vanilla_acc": 80.0, "circular_acc": 40.0, "option_match": 72.72727272727273,
        "content_match": 9.090909090909092,
    },
    "mme": {
        "existence": 0.0, "existence_plus": 0.0, "count": 74.9999812500047, "count_plus": 49.9999750000125,
        "position": 0.0, "position_plus": 0.0, "color": 0.0, "color_plus": 0.0, "posters": 0.0, "posters_plus": 0.0,
        "celebrity": 0.0, "celebrity_plus": 0.0, "scene": 0.0, "scene_plus": 0.0, "landmark": 0.0,
        "landmark_plus": 0.0, "artwork": 24.99999375000156, "artwork_plus": 0.0, "OCR": 49.9999750000125,
        "OCR_plus": 0.0, "commonsense_reasoning": 0.0, "commonsense_reasoning_plus": 0.0,
        "numerical_calculation": 0.0, "numerical_calculation_plus": 0.0, "text_translation": 0.0,
        "text_translation_plus": 0.0, "code_reasoning": 0.0, "code_reasoning_plus": 0.0, "overall": 50.0,
        "overall_plus": 20.0,
    },
    "cifar10": {"ACC": 50.0, "SYN_ACC": 87.5},
    "flickr30k": {"ACC": 50.0},
    "flickr30k_top_acc": {"ACC": 55.55555555555555},
    "fsc147": {"ACC": 87.5},
    "voc2012": {"classification_acc": 80.0, "grounding_acc": 60.0, "mAP@0.5": 60.0, "mAR@0.5": 50.0},
    "omnibenchmark": 50.0,
    "omnibenchmark_single": 60.0,
}
# fmt: on


@pytest.mark.parametrize("case", sorted(METRICS))
def test_equals_the_reference_metric_class(case):
    answers = CASES[case]["answers"]
    before = copy.deepcopy(answers)
    got, expected = METRICS[case](answers), REFERENCE_METRICS[case]
    assert answers == before  # pure: the answer file is not rewritten
    if isinstance(expected, dict):
        assert list(got) == list(expected)  # ChEF's names, in ChEF's order
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
    else:
        assert isinstance(got, float)
        assert got == pytest.approx(expected, rel=1e-12)


def _vqa(answer: str, gt: int, choices=("cat", "dog"), **extra) -> dict:
    return {"answer": answer, "gt_choice": gt, "gt_choices": list(choices), **extra}


def test_vqa_hand_computed():
    assert chef_vqa.vqa_metrics([]) == {"ACC": 0.0, "match_ratio": 0.0}  # the reference divides by zero
    assert chef_vqa.vqa_metrics([_vqa("(A", 0), _vqa("(B", 1)]) == {"ACC": 100.0, "match_ratio": 100.0}
    assert chef_vqa.vqa_metrics([_vqa("(B", 0), _vqa("nothing", 1)]) == {"ACC": 0.0, "match_ratio": 50.0}


def test_mmbench_hand_computed():
    empty = {"vanilla_acc": 0.0, "circular_acc": 0.0, "option_match": 0.0, "content_match": 0.0}
    assert chef_vqa.mmbench_metrics([]) == empty
    right = [_vqa("(A", 0, id="3"), _vqa("(B", 1, id="1000003")]
    assert chef_vqa.mmbench_metrics(right) == {
        "vanilla_acc": 100.0, "circular_acc": 100.0, "option_match": 100.0, "content_match": 0.0,
    }  # fmt: skip
    wrong = [_vqa("(B", 0, id="3"), _vqa("(A", 1, id="1000003")]
    assert chef_vqa.mmbench_metrics(wrong) == {
        "vanilla_acc": 0.0, "circular_acc": 0.0, "option_match": 100.0, "content_match": 0.0,
    }  # fmt: skip
    # A fifth option as the answer: the reference's 'ABCD' lookup raises; here it is letter E.
    five = ("a", "b", "c", "d", "e")
    assert chef_vqa.mmbench_metrics([_vqa("(E", 4, five, id="8")])["vanilla_acc"] == 100.0


def _mme(image: str, gt: str, answer: str, task: str = "count") -> dict:
    return {"image_path": image, "gt_answers": gt, "answer": answer, "task_type": task}


def test_mme_hand_computed():
    empty = chef_vqa.mme_metrics([])
    assert empty["overall"] == 0.0 and empty["overall_plus"] == 0.0
    right = chef_vqa.mme_metrics([_mme("a", "Yes", "Yes"), _mme("a", "No", "No")])
    assert (right["overall"], right["overall_plus"]) == (100.0, 100.0)
    assert right["count"] == pytest.approx(2 / (2 + 1e-6) * 100)  # the reference's +1e-6
    wrong = chef_vqa.mme_metrics([_mme("a", "Yes", "No"), _mme("a", "No", "Yes")])
    assert (wrong["overall"], wrong["overall_plus"]) == (0.0, 0.0)
    assert list(right)[:2] == ["existence", "existence_plus"] and list(right)[-2:] == ["overall", "overall_plus"]
    with pytest.raises(ValueError, match="unknown task_type 'counting'"):
        chef_vqa.mme_metrics([_mme("a", "Yes", "Yes", task="counting")])


def test_scenario_metrics_hand_computed():
    assert chef_scenarios.classification_metrics([]) == {"ACC": 0.0, "SYN_ACC": 0.0}
    cls = [{"answer": "cat", "gt_answers": "cat"}, {"answer": "The ship.", "gt_answers": "ship"}]
    assert chef_scenarios.classification_metrics(cls) == {"ACC": 100.0, "SYN_ACC": 100.0}
    assert chef_scenarios.classification_metrics([{"answer": "dog", "gt_answers": "cat"}]) == {
        "ACC": 0.0,
        "SYN_ACC": 0.0,
    }
    assert chef_scenarios.caption_acc_metrics([]) == {"ACC": 0.0}
    assert chef_scenarios.caption_acc_metrics([{"answer": "x", "gt_answers": ["x", "y"]}]) == {"ACC": 100.0}
    assert chef_scenarios.caption_acc_metrics([{"answer": "z", "gt_answers": ["x", "y"]}]) == {"ACC": 0.0}
    assert chef_scenarios.counting_ppl_metrics([]) == {"ACC": 0.0}
    counts = [{"answer": "12", "gt_answers": 12}, {"answer": "twelve", "gt_answers": 12}]
    assert chef_scenarios.counting_ppl_metrics(counts) == {"ACC": 100.0}
    assert chef_scenarios.counting_ppl_metrics([{"answer": "13", "gt_answers": 12}]) == {"ACC": 0.0}
    assert chef_scenarios.fine_grained_multi_ppl([]) == 0.0
    assert chef_scenarios.fine_grained_multi_ppl([{"answer": ["a", "b"], "gt_answers": ["a", "b"]}]) == 100.0
    assert chef_scenarios.fine_grained_multi_ppl([{"answer": ["x", "b"], "gt_answers": ["a", "b"]}]) == 0.0
    # A shorter answer (the reference asserts equal lengths) is wrong from its first missing level.
    assert chef_scenarios.fine_grained_multi_ppl([{"answer": ["a"], "gt_answers": ["a", "b"]}]) == 50.0
    assert chef_scenarios.fine_grained_single_ppl([{"answer": "z", "gt_answers": ["a", "b"]}]) == 0.0


def _det(objects, classes, boxes) -> dict:
    return {"gt_answers": objects, "classification_answer": classes, "grounding_answer": boxes}


def test_detection_hand_computed():
    zero = {"classification_acc": 0.0, "grounding_acc": 0.0, "mAP@0.5": 0.0, "mAR@0.5": 0.0}
    assert chef_scenarios.detection_ppl_metrics([]) == zero
    dog = {"label": "dog", "bbox": [0.1, 0.1, 0.5, 0.5]}
    right = _det([dog], ["dog"], ["[0.10, 0.10, 0.50, 0.50]"])
    assert chef_scenarios.detection_ppl_metrics([right]) == {k: 100.0 for k in zero}
    wrong_class = _det([dog], ["cat"], ["[0.10, 0.10, 0.50, 0.50]"])
    assert chef_scenarios.detection_ppl_metrics([wrong_class]) == zero  # not counted: grounding 0/0
    # IoU exactly 0.5 is not a hit (strictly greater); an answer without a box (the reference crashes) misses.
    half = _det([{"label": "cat", "bbox": [0.0, 0.0, 1.0, 0.5]}], ["cat"], ["[0.00, 0.00, 1.00, 0.25]"])
    nobox = _det([dog], ["dog"], ["no box here"])
    assert chef_scenarios.detection_ppl_metrics([half, nobox]) == {
        "classification_acc": 100.0, "grounding_acc": 0.0, "mAP@0.5": 0.0, "mAR@0.5": 0.0,
    }  # fmt: skip


def test_top_acc_rejects_odd_option_counts():
    with pytest.raises(ValueError, match="even number"):
        chef_scenarios.caption_top_acc_metrics([{"id": "1", "ppl_results": [0.1, 0.2, 0.3]}])


def test_every_reported_name_has_a_direction():
    from lamm_bench.metrics import higher_is_better

    for case, fn in METRICS.items():
        result = fn(CASES[case]["answers"])
        for name in result if isinstance(result, dict) else ["result"]:
            assert higher_is_better(name)  # built in: lamm_bench.metrics.HIGHER_IS_BETTER


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(max_size=30), min_size=1, max_size=3),
    st.lists(st.sampled_from(["dog", "cat", "x"]), max_size=3),
    st.text(max_size=30),
)
def test_detection_and_counting_never_raise(boxes, classes, text):
    answer = _det(
        [{"label": "dog", "bbox": [0.1, 0.1, 0.5, 0.5]}, {"label": "cat", "bbox": [0, 0, 1, 1]}], classes, boxes
    )
    result = chef_scenarios.detection_ppl_metrics([answer])
    assert all(0.0 <= v <= 100.0 for v in result.values())
    assert chef_scenarios.counting_ppl_metrics([{"answer": text, "gt_answers": 3}])["ACC"] in (0.0, 100.0)
