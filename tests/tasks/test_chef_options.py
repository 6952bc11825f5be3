"""ChEF's scenario options and human turns equal what the ``d01093c`` reference builds on the same data (issue 19).

The literals below came from running the reference itself: ``tests/fixtures/chef/derive_golden.py <ref src>
options`` runs each ``src/config/ChEF/scenario_recipes/*/default.yaml`` recipe at ``OpenGVLab/LAMM@d01093c`` --
its dataset class (``src/ChEF/scenario/*.py``), ``Evaluator``, instruction handler and PPL inferencer -- on the
hand-made inputs of ``tests/fixtures/chef/scenario_inputs.json`` (Flickr30k captions shared between images and
repeated within one, FSC147 counts 0/1/2/9/10/19/20/45/99/100, VOC2012 images with 1-3 objects of 1-2 classes
and one full-image box that needs random negatives, an Omnibenchmark file of mixed chain lengths over a tiny Bamboo
hierarchy with a shadowed name, a missing id and a label listed under two parents, ScienceQA/MMBench/SEED-Bench/MME
items), with a stand-in model that records every ``ppl_inference`` call and every CoT generation prompt. Batch size
1 (Omnibenchmark's ``Multi_PPL`` crashes on mixed chain lengths; the batch size does not change the dataset's
access order).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lamm_bench.tasks import _chef_options as options
from lamm_bench.tasks import _chef_prompts as prompts

INPUTS = json.loads((Path(__file__).parents[1] / "fixtures" / "chef" / "scenario_inputs.json").read_text())

GROUNDING_TURN = (
    "Give all the bounding boxes of %s in the image. The bounding box should be represented as [x1, y1, x2, y2] with "
    "floating numbers indicating the coordinates of the object in a normalized range of 0-1. These values correspond "
    "to the top left x, top left y, bottom right x, and bottom right y."
)

# (human turn, options) of every PPL request, in call order (batch size 1: one item after another).
REFERENCE_TURNS = {
    "CIFAR10": [
        (
            "The photo of the ",
            ["cat", "ship", "airplane", "frog", "automobile", "truck", "dog", "horse", "deer", "bird"],
        ),
        (
            "The photo of the ",
            ["cat", "ship", "airplane", "frog", "automobile", "truck", "dog", "horse", "deer", "bird"],
        ),
    ],
    "Flickr30k": [
        (
            "Generate caption of this image:",
            ["Two people walk.", "Ice cream on a sunny day.", "A kid with a cone.", "A brown dog is running."],
        ),
        (
            "Generate caption of this image:",
            [
                "The dog plays outside.",
                "Ice cream on a sunny day.",
                "People walking by the sea.",
                "People sit at a table.",
            ],
        ),
        (
            "Generate caption of this image:",
            ["A kid with a cone.", "Two people walk.", "Two men play chess.", "Vehicle in the city."],
        ),
        (
            "Generate caption of this image:",
            [
                "People sit at a table.",
                "A small child smiles.",
                "A brown dog is running.",
                "People walking by the sea.",
            ],
        ),
        (
            "Generate caption of this image:",
            ["A red automobile.", "A chess match in a park.", "Two people walk.", "A child eats ice cream."],
        ),
    ],
    "FSC147": [
        ("How many apples are there in this image? Please answer an arabic number directly.", ["0", "1", "2"]),
        ("How many birds are there in this image? Please answer an arabic number directly.", ["0", "1", "2", "3"]),
        ("How many eggs are there in this image? Please answer an arabic number directly.", ["7", "8", "9", "6", "5"]),
        (
            "How many cups are there in this image? Please answer an arabic number directly.",
            ["13", "14", "10", "11", "12"],
        ),
        (
            "How many sheep are there in this image? Please answer an arabic number directly.",
            ["17", "18", "19", "16", "15"],
        ),
        (
            "How many beads are there in this image? Please answer an arabic number directly.",
            ["43", "44", "45", "46", "47"],
        ),
        ("How many cars are there in this image? Please answer an arabic number directly.", ["0", "1", "2", "3", "4"]),
        (
            "How many pens are there in this image? Please answer an arabic number directly.",
            ["23", "24", "20", "21", "22"],
        ),
        (
            "How many grapes are there in this image? Please answer an arabic number directly.",
            ["97", "98", "99", "96", "95"],
        ),
        (
            "How many coins are there in this image? Please answer an arabic number directly.",
            ["103", "104", "100", "101", "102"],
        ),
    ],
    "VOC2012": [
        ("The image shows", ["cow", "car", "person", "cat"]),
        (
            GROUNDING_TURN % "cow",
            [
                "[0.00, 0.00, 1.00, 1.00]",
                "[0.32, 0.49, 1.00, 1.00]",
                "[0.63, 0.26, 0.73, 0.69]",
                "[0.13, 0.67, 1.00, 1.00]",
            ],
        ),
        ("The image shows", ["dog", "person", "cat", "bird"]),
        (
            GROUNDING_TURN % "dog",
            [
                "[0.10, 0.20, 0.50, 0.60]",
                "[0.19, 0.11, 0.45, 0.36]",
                "[0.21, 0.11, 0.65, 0.56]",
                "[0.15, 0.30, 0.75, 0.90]",
            ],
        ),
        ("The image shows", ["cat", "person", "horse", "car"]),
        ("The image shows", ["dog", "bird", "person", "horse"]),
        (
            GROUNDING_TURN % "cat",
            [
                "[0.10, 0.10, 0.30, 0.40]",
                "[0.58, 0.10, 0.86, 0.45]",
                "[0.62, 0.33, 0.98, 0.77]",
                "[0.14, 0.07, 0.41, 0.48]",
            ],
        ),
        (
            GROUNDING_TURN % "cat",
            [
                "[0.55, 0.05, 0.75, 0.30]",
                "[0.58, 0.20, 0.95, 0.64]",
                "[0.14, 0.07, 0.41, 0.48]",
                "[0.44, 0.04, 0.70, 0.36]",
            ],
        ),
        (
            GROUNDING_TURN % "dog",
            [
                "[0.40, 0.35, 0.90, 0.95]",
                "[0.38, 0.30, 0.68, 0.66]",
                "[0.38, 0.61, 0.78, 1.00]",
                "[0.62, 0.21, 0.75, 0.38]",
            ],
        ),
        ("The image shows", ["person", "horse", "bird", "cow"]),
        (
            GROUNDING_TURN % "person",
            [
                "[0.20, 0.20, 0.40, 0.80]",
                "[0.58, 0.01, 0.67, 0.29]",
                "[0.28, 0.00, 0.58, 0.75]",
                "[0.32, 0.00, 0.60, 0.78]",
            ],
        ),
        (
            GROUNDING_TURN % "person",
            [
                "[0.30, 0.25, 0.50, 0.85]",
                "[0.18, 0.14, 0.47, 1.00]",
                "[0.62, 0.00, 0.71, 0.25]",
                "[0.37, 0.12, 0.62, 0.86]",
            ],
        ),
        (
            GROUNDING_TURN % "person",
            [
                "[0.60, 0.10, 0.70, 0.40]",
                "[0.21, 0.44, 0.37, 0.93]",
                "[0.62, 0.00, 0.71, 0.25]",
                "[0.37, 0.12, 0.62, 0.86]",
            ],
        ),
        ("The image shows", ["bird", "dog", "cow", "horse"]),
        ("The image shows", ["car", "dog", "person", "horse"]),
        (
            GROUNDING_TURN % "bird",
            [
                "[0.00, 0.00, 1.00, 1.00]",
                "[0.78, 0.73, 0.97, 0.99]",
                "[0.00, 0.00, 0.60, 0.72]",
                "[0.81, 0.64, 0.93, 0.80]",
            ],
        ),
        (
            GROUNDING_TURN % "car",
            [
                "[0.81, 0.70, 0.95, 0.89]",
                "[0.84, 0.69, 1.00, 0.95]",
                "[0.00, 0.11, 0.29, 0.67]",
                "[0.89, 0.74, 1.00, 0.90]",
            ],
        ),
        ("The image shows", ["horse", "cat", "car", "dog"]),
        (
            GROUNDING_TURN % "horse",
            [
                "[0.25, 0.30, 0.75, 0.90]",
                "[0.02, 0.24, 0.58, 0.91]",
                "[0.46, 0.44, 1.00, 1.00]",
                "[0.45, 0.10, 0.88, 0.62]",
            ],
        ),
    ],
    "Omnibenchmark": [
        ("What is the fine-grained category label for this image?", ["animal", "plant", "vehicle"]),
        (
            (
                "As the coarse-grained category label for this image is animal, what is the fine-grained category "
                "label for this image?"
            ),
            ["bird", "lizard", "fish", "mammal"],
        ),
        (
            (
                "As the coarse-grained category label for this image is mammal, what is the fine-grained category "
                "label for this image?"
            ),
            ["whale", "horse", "dog", "cat"],
        ),
        ("What is the fine-grained category label for this image?", ["vehicle", "plant", "animal"]),
        (
            (
                "As the coarse-grained category label for this image is animal, what is the fine-grained category "
                "label for this image?"
            ),
            ["bird", "mammal", "lizard", "insect"],
        ),
        (
            (
                "As the coarse-grained category label for this image is bird, what is the fine-grained category label "
                "for this image?"
            ),
            ["sparrow", "eagle"],
        ),
        ("What is the fine-grained category label for this image?", ["vehicle", "plant", "animal"]),
        (
            (
                "As the coarse-grained category label for this image is plant, what is the fine-grained category label "
                "for this image?"
            ),
            ["tree", "flower"],
        ),
        (
            (
                "As the coarse-grained category label for this image is flower, what is the fine-grained category "
                "label for this image?"
            ),
            ["rose", "tulip"],
        ),
        ("What is the fine-grained category label for this image?", ["plant", "animal", "vehicle"]),
        (
            (
                "As the coarse-grained category label for this image is animal, what is the fine-grained category "
                "label for this image?"
            ),
            ["mammal", "lizard", "insect", "fish"],
        ),
        (
            (
                "As the coarse-grained category label for this image is mammal, what is the fine-grained category "
                "label for this image?"
            ),
            ["cat", "horse", "whale", "cow"],
        ),
        ("What is the fine-grained category label for this image?", ["animal", "vehicle", "plant"]),
        (
            (
                "As the coarse-grained category label for this image is vehicle, what is the fine-grained category "
                "label for this image?"
            ),
            ["car", "boat"],
        ),
        ("What is the fine-grained category label for this image?", ["vehicle", "plant", "animal"]),
        (
            (
                "As the coarse-grained category label for this image is animal, what is the fine-grained category "
                "label for this image?"
            ),
            ["insect", "bird", "fish", "lizard"],
        ),
        ("What is the fine-grained category label for this image?", ["vehicle", "plant", "animal"]),
        (
            (
                "As the coarse-grained category label for this image is animal, what is the fine-grained category "
                "label for this image?"
            ),
            ["fish", "bird", "mammal", "lizard"],
        ),
        (
            (
                "As the coarse-grained category label for this image is fish, what is the fine-grained category label "
                "for this image?"
            ),
            ["shark", "salmon", "whale"],
        ),
        ("What is the fine-grained category label for this image?", ["vehicle", "animal", "plant"]),
        (
            (
                "As the coarse-grained category label for this image is animal, what is the fine-grained category "
                "label for this image?"
            ),
            ["lizard", "bird", "insect", "mammal"],
        ),
        (
            (
                "As the coarse-grained category label for this image is mammal, what is the fine-grained category "
                "label for this image?"
            ),
            ["shark", "whale", "salmon"],
        ),
    ],
    "ScienceQA": [
        (
            (
                "Question: Which of these states is farthest north?\nOptions: (A) Ohio (B) Maine (C) Texas\n\nThe "
                "answer is"
            ),
            ["(A", "(B", "(C"],
        ),
        ("Question: What is the capital of France? \nOptions: (A) Paris (B) Rome\n\nThe answer is", ["(A", "(B"]),
        (
            "Question: Which is a mammal?\nOptions: (A) shark (B) trout (C) whale (D) eel (E) crab\n\nThe answer is",
            ["(A", "(B", "(C", "(D", "(E"],
        ),
    ],
    "MMBench": [
        (
            (
                "Look at the animal. What is shown? There are several options:\n(A) a dog\n(B) a cat\n(C) a bird\n(D) "
                "a fish\nWhat is the correct option for this question?"
            ),
            ["(A", "(B", "(C", "(D"],
        ),
        (
            (
                "Look at the animal. What is shown? There are several options:\n(A) a cat\n(B) a bird\n(C) a fish\n(D) "
                "a dog\nWhat is the correct option for this question?"
            ),
            ["(A", "(B", "(C", "(D"],
        ),
        (
            (
                "Which color? There are several options:\n(A) red\n(B) green\nWhat is the correct option for this "
                "question?"
            ),
            ["(A", "(B"],
        ),
        (
            (
                "How many? There are several options:\n(A) one\n(B) two\n(C) three\nWhat is the correct option for "
                "this question?"
            ),
            ["(A", "(B", "(C"],
        ),
    ],
    "SEEDBench": [
        (
            "Question: What is on the table?\nAnswer:The answer for the question is",
            ["A cup", "A dog", "U.S. flag", "Nothing"],
        ),
        (
            "Question: Where is the man?\nAnswer:The answer for the question is",
            ["indoors", "outdoors", "in a car", "on a boat"],
        ),
    ],
    "MME": [
        ("Are there two dogs in the image? Please answer yes or no.", ["Yes", "No"]),
        ("Are there three dogs in the image? Please answer yes or no.", ["Yes", "No"]),
        ("Is this artwork by Monet? Please answer yes or no.", ["Yes", "No"]),
        ("Is this artwork by Picasso? Please answer yes or no.", ["Yes", "No"]),
    ],
}

# The answer templates the reference formatted (each row's answer is template.format(option)).
REFERENCE_TEMPLATES = {
    "CIFAR10": ["The object in the image is {}"],
    "Flickr30k": ['The caption for this image is " {}'],
    "FSC147": ["{}"],
    "VOC2012": ["The object in the image is {}", "It is located at the bbox {}"],
    "Omnibenchmark": ["The fine-grained category label for this image is {}"],
    "ScienceQA": ["The answer is {}"],
    "MMBench": ["The correct option for the question is {}"],
    "SEEDBench": ["The answer is {}"],
    "MME": ["The answer is {}"],
}

# VOC2012 answer-file gt_answers: each image's objects regrouped by class (the grounding turns' order).
REFERENCE_VOC_GT = [
    [
        {"label": "cow", "bbox": [0.0, 0.0, 1.0, 1.0]},
    ],
    [
        {"label": "dog", "bbox": [0.104, 0.2, 0.5, 0.6]},
    ],
    [
        {"label": "cat", "bbox": [0.1, 0.1, 0.3, 0.4]},
        {"label": "cat", "bbox": [0.55, 0.05, 0.75, 0.3]},
        {"label": "dog", "bbox": [0.4, 0.35, 0.9, 0.95]},
    ],
    [
        {"label": "person", "bbox": [0.2, 0.2, 0.4, 0.8]},
        {"label": "person", "bbox": [0.3, 0.25, 0.5, 0.85]},
        {"label": "person", "bbox": [0.6, 0.1, 0.7, 0.4]},
    ],
    [
        {"label": "bird", "bbox": [0.0, 0.0, 1.0, 1.0]},
        {"label": "car", "bbox": [0.81234, 0.7, 0.95, 0.88765]},
    ],
    [
        {"label": "horse", "bbox": [0.25, 0.3, 0.75, 0.9]},
    ],
]

# Omnibenchmark answer-file options: fore_label per level.
REFERENCE_OMNI_FORE_LABELS = [
    [None, "animal", "mammal"],
    [None, "animal", "bird"],
    [None, "plant", "flower"],
    [None, "animal", "mammal"],
    [None, "vehicle"],
    [None, "animal"],
    [None, "animal", "fish"],
    [None, "animal", "mammal"],
]

# single_ppl.yaml options (OmnibenchmarkDataset(single_turn=True)[i], i = 0..N-1).
REFERENCE_OMNI_SINGLE_TURN = [
    ["animal", "dog", "vehicle", "bird", "fish", "cat", "whale", "lizard", "mammal", "horse", "plant"],
    ["mammal", "bird", "plant", "vehicle", "animal", "insect", "lizard", "eagle", "sparrow"],
    ["tulip", "rose", "vehicle", "plant", "animal", "flower", "tree"],
    ["cat", "cow", "plant", "horse", "vehicle", "whale", "fish", "insect", "mammal", "animal", "lizard"],
    ["car", "plant", "animal", "boat", "vehicle"],
    ["animal", "insect", "bird", "fish", "plant", "lizard", "vehicle"],
    ["fish", "whale", "animal", "lizard", "salmon", "shark", "bird", "vehicle", "plant", "mammal"],
    ["animal", "mammal", "plant", "whale", "bird", "salmon", "insect", "vehicle", "lizard", "shark"],
]

# The CoT generation prompts the reference recipes (ScienceQA, MMBench: CoT on) sent to batch_generate.
REFERENCE_COT_QUESTIONS = {
    "ScienceQA": [
        (
            "Question: Which of these states is farthest north?\n"
            "Options: (A) Ohio (B) Maine (C) Texas\n"
            "\n"
            "\n"
            "Let's think step by step."
        ),
        "Question: What is the capital of France? \nOptions: (A) Paris (B) Rome\n\n\nLet's think step by step.",
        (
            "Question: Which is a mammal?\n"
            "Options: (A) shark (B) trout (C) whale (D) eel (E) crab\n"
            "\n"
            "\n"
            "Let's think step by step."
        ),
    ],
    "MMBench": [
        (
            "Look at the animal. What is shown? There are several options:\n"
            "(A) a dog\n"
            "(B) a cat\n"
            "(C) a bird\n"
            "(D) a fish\n"
            "\n"
            "Let's think step by step."
        ),
        (
            "Look at the animal. What is shown? There are several options:\n"
            "(A) a cat\n"
            "(B) a bird\n"
            "(C) a fish\n"
            "(D) a dog\n"
            "\n"
            "Let's think step by step."
        ),
        "Which color? There are several options:\n(A) red\n(B) green\n\nLet's think step by step.",
        "How many? There are several options:\n(A) one\n(B) two\n(C) three\n\nLet's think step by step.",
    ],
}


def test_cot_questions_equal_the_reference():
    assert [prompts.cot_question(prompts.scienceqa_question(r["query"])) for r in INPUTS["scienceqa"]] == (
        REFERENCE_COT_QUESTIONS["ScienceQA"]
    )
    assert [prompts.cot_question(prompts.mmbench_question(row)) for row in INPUTS["mmbench"]] == (
        REFERENCE_COT_QUESTIONS["MMBench"]
    )


def _voc_turns() -> list[tuple[str, list[str], str]]:
    turns = []
    for item in options.voc2012_options(INPUTS["voc2012"]):
        for choice in item["classification_options"]:
            turns.append((prompts.voc2012_classification_turn(), choice, prompts.DETECTION_TEMPLATES[0]))
        for grounding in item["grounding_options"]:
            text = prompts.voc2012_grounding_turn(grounding["fore_label"])
            turns.append((text, grounding["options"], prompts.DETECTION_TEMPLATES[1]))
    return turns


def _omnibenchmark_turns() -> list[tuple[str, list[str], str]]:
    records = INPUTS["omnibenchmark"]
    built = options.omnibenchmark_options(records, INPUTS["bamboo"])
    return [
        (prompts.omnibenchmark_turn(level, record["chain"]), turn["options"], prompts.FINE_GRAINED_TEMPLATE)
        for record, levels in zip(records, built)
        for level, turn in enumerate(levels)
    ]


def _mme_turns() -> list[tuple[str, tuple[str, ...], str]]:
    # The reference walks its fixed subtask list (count before artwork); one image per subtask here.
    return [
        (prompts.mme_turn(question), options.MME_OPTIONS, prompts.VQA_TEMPLATES[0])
        for subtask in ("count", "artwork")
        for _, pairs in INPUTS["mme"][subtask][1]
        for question, _ in pairs
    ]


def _mmbench_letters(row: dict) -> list[str]:
    return options.letter_options(sum(row.get(letter) is not None for letter in "ABCDE"))


OURS = {
    "CIFAR10": lambda: [
        (prompts.cifar10_turn(), options.CIFAR10_OPTIONS, prompts.CIFAR10_TEMPLATES[0]) for _ in INPUTS["cifar10"]
    ],
    "Flickr30k": lambda: [
        (prompts.flickr30k_turn(), choice, prompts.CAPTION_TEMPLATE)
        for choice in options.flickr30k_options(INPUTS["flickr30k"])
    ],
    "FSC147": lambda: [
        (prompts.fsc147_turn(r["query"]), options.fsc147_options(r["num"]), prompts.COUNTING_TEMPLATE)
        for r in INPUTS["fsc147"]
    ],
    "VOC2012": _voc_turns,
    "Omnibenchmark": _omnibenchmark_turns,
    "ScienceQA": lambda: [
        (prompts.scienceqa_turn(r["query"]), options.letter_options(len(r["gt_choices"])), prompts.VQA_TEMPLATES[0])
        for r in INPUTS["scienceqa"]
    ],
    "MMBench": lambda: [
        (prompts.mmbench_turn(row), _mmbench_letters(row), prompts.VQA_TEMPLATES[1]) for row in INPUTS["mmbench"]
    ],
    "SEEDBench": lambda: [
        (prompts.seedbench_turn(q["question"]), [q[f"choice_{c}"] for c in "abcd"], prompts.VQA_TEMPLATES[0])
        for q in INPUTS["seedbench"]["questions"]
        if q["data_type"] == "image"
    ],
    "MME": _mme_turns,
}


@pytest.mark.parametrize("scenario", sorted(REFERENCE_TURNS))
def test_turns_and_options_equal_the_reference(scenario):
    ours = OURS[scenario]()
    assert [(text, list(choices)) for text, choices, _ in ours] == [
        (text, list(choices)) for text, choices in REFERENCE_TURNS[scenario]
    ]
    assert sorted({template for _, _, template in ours}) == sorted(REFERENCE_TEMPLATES[scenario])


def test_voc2012_ground_truth_is_regrouped_by_class():
    assert [item["gt_answers"] for item in options.voc2012_options(INPUTS["voc2012"])] == REFERENCE_VOC_GT


def test_voc2012_grounding_turns_name_the_ground_truth_class():
    for item in options.voc2012_options(INPUTS["voc2012"]):
        assert [g["fore_label"] for g in item["grounding_options"]] == [o["label"] for o in item["gt_answers"]]
        classes = list(dict.fromkeys(o["label"] for o in item["gt_answers"]))
        assert [choice[0] for choice in item["classification_options"]] == classes


def test_omnibenchmark_sibling_set_moves_with_a_later_parent():
    # "whale" is a child of both mammal and fish; fish's set is built later and takes it, so the whale chain's
    # last level draws from fish's set (shark, salmon), not mammal's (reference behaviour).
    last = options.omnibenchmark_options(INPUTS["omnibenchmark"], INPUTS["bamboo"])[-1][-1]
    assert last["fore_label"] == "mammal" and sorted(last["options"]) == ["salmon", "shark", "whale"]


def test_omnibenchmark_fore_labels_and_single_turn_options():
    built = options.omnibenchmark_options(INPUTS["omnibenchmark"], INPUTS["bamboo"])
    assert [[turn["fore_label"] for turn in levels] for levels in built] == REFERENCE_OMNI_FORE_LABELS
    single = options.omnibenchmark_single_turn_options(INPUTS["omnibenchmark"], INPUTS["bamboo"])
    assert single == REFERENCE_OMNI_SINGLE_TURN


def test_omnibenchmark_missing_hierarchy_entry_names_the_record():
    records = INPUTS["omnibenchmark"] + [{"image": "x.jpg", "chain": ["animal", "unicorn"], "realm_name": "x"}]
    with pytest.raises(ValueError, match=r"record 8: label 'unicorn'"):
        options.omnibenchmark_options(records, INPUTS["bamboo"])


@pytest.mark.parametrize(
    ("gt", "expected"),
    [
        (0, ["0", "1", "2"]),
        (1, ["0", "1", "2", "3"]),
        (9, ["7", "8", "9", "6", "5"]),
        (10, ["13", "14", "10", "11", "12"]),
        (19, ["17", "18", "19", "16", "15"]),
        (45, ["43", "44", "45", "46", "47"]),
    ],
)
def test_fsc147_decade_rule(gt, expected):
    # Hand-checked against chef-protocol.md §2.2 (and equal to the reference's calls above).
    assert options.fsc147_options(gt) == expected


def test_flickr30k_ground_truth_is_last_and_negatives_are_not_own_captions():
    records = INPUTS["flickr30k"]
    for record, choice in zip(records, options.flickr30k_options(records)):
        assert choice[-1] in record["sentences"]
        assert len(choice) == 4
    # Image 3 repeats "Two people walk." and shares "A dog runs on the grass." with images 0 and 1: one copy of a
    # shared caption survives the removal of the image's own, so it can be drawn as a negative (§5.5).
    pool = [s for r in records for s in r["sentences"]]
    assert pool.count("A dog runs on the grass.") == 3


def test_builders_are_pure_and_repeatable():
    records = json.loads(json.dumps(INPUTS["voc2012"]))
    first = options.voc2012_options(records)
    assert options.voc2012_options(records) == first
    assert records == INPUTS["voc2012"]  # inputs untouched
    assert options.flickr30k_options(INPUTS["flickr30k"]) == options.flickr30k_options(INPUTS["flickr30k"])


def test_letter_options_and_answers():
    assert options.letter_options(3) == ["(A", "(B", "(C"]
    assert options.letter_answer(2) == "(C)"


def test_prompt_pieces():
    assert prompts.basic_query(None, "q") == "q"
    assert prompts.basic_query("Q: x\n", "The answer is") == "Q: x\nThe answer is"
    cleaned = prompts.scienceqa_question("Q?\nContext: c\nOptions: (A) a (B) b\n")
    assert cleaned == "Question: Q?\nOptions: (A) a (B) b\n\n"
    assert prompts.scienceqa_question("Q?\nOptions: (A) a\n", generative=True) == "Question: Q?\n\n"
    with pytest.raises(ValueError, match="Options:"):
        prompts.scienceqa_question("no options here")
    row = {"question": "Q?", "hint": None, "A": "x", "B": "y", "C": None, "D": None, "E": None}
    assert prompts.mmbench_question(row) == "Q? There are several options:\n(A) x\n(B) y\n"
    assert prompts.mmbench_question(dict(row, hint="H."), hint=False) == "Q? There are several options:\n(A) x\n(B) y\n"
    assert prompts.mmbench_question(dict(row, hint="H."), generative=True) == "H. Q? "
