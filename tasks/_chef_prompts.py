"""ChEF's scenario prompts: the query pools, answer templates and human turns of the nine ``default.yaml`` recipes.

Everything here reproduces ``OpenGVLab/LAMM@d01093c`` (``src/ChEF/instruction/query.py``,
``instruction/__init__.py`` and the ``src/ChEF/scenario/*`` dataset classes) as plain strings and pure functions;
protocol: ``reference/chef-protocol.md`` §1.2 and §2.1. A human turn is ChEF's ``f'{question}{query}'`` (plain
concatenation, no space or newline, ``generate_basic_query``, ``instruction/__init__.py:38-48``), or the query alone
for a scenario whose items have no ``question`` (CIFAR10, Flickr30k). An answer template has one positional
``{}`` for the option (``generate_ppl_query``, ``instruction/__init__.py:87``).

Only the pool entries the recipes select are named; ``prompt_assigned_ids`` and ``option_lower`` (ignored by the
reference, §5.3) have no effect here either.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "VQA_QUERIES",
    "VQA_TEMPLATES",
    "CIFAR10_QUERY",
    "CIFAR10_TEMPLATES",
    "CAPTION_QUERY",
    "CAPTION_TEMPLATE",
    "COUNTING_QUERY",
    "COUNTING_TEMPLATE",
    "COUNTING_SUFFIX",
    "DETECTION_QUERIES",
    "DETECTION_TEMPLATES",
    "FINE_GRAINED_QUERIES",
    "FINE_GRAINED_TEMPLATE",
    "MMBENCH_SYS_PROMPT",
    "COT_SUFFIX",
    "basic_query",
    "cot_question",
    "cifar10_turn",
    "flickr30k_turn",
    "fsc147_turn",
    "scienceqa_question",
    "scienceqa_turn",
    "mmbench_question",
    "mmbench_turn",
    "seedbench_turn",
    "mme_turn",
    "voc2012_classification_turn",
    "voc2012_grounding_turn",
    "omnibenchmark_turn",
]

#: ``vqa_prompts`` (``query.py:84-93``): ScienceQA uses id 0, MMBench id 1, MME id 2, SEED-Bench id 4.
VQA_QUERIES: tuple[str, ...] = (
    "The answer is",
    "What is the correct option for this question?",
    "",
    "What is the answer?",
    "The answer for the question is",
    "ANSWER:",
    "The answer (option) is",
    "Answer:",
)
#: ``vqa_templates`` (``query.py:106-110``): ScienceQA, SEED-Bench and MME use id 0, MMBench id 1.
VQA_TEMPLATES: tuple[str, ...] = ("The answer is {}", "The correct option for the question is {}", "{}")

#: ``coarse_grained_classification_prompts[0]`` (``query.py:3``), with its trailing space.
CIFAR10_QUERY = "The photo of the "
#: ``coarse_grained_classification_templates`` (``query.py:39-42``): the recipe uses id 0; its comment
#: (``CIFAR10/default.yaml:9``) says LAMM, Otter and MiniGPT-4 were run with id 1 (``{}``).
CIFAR10_TEMPLATES: tuple[str, ...] = ("The object in the image is {}", "{}")

#: ``caption_prompts[0]`` (``query.py:49``).
CAPTION_QUERY = "Generate caption of this image:"
#: ``caption_templates[0]`` (``query.py:79``): an opening double quote and a space before the caption.
CAPTION_TEMPLATE = 'The caption for this image is " {}'

#: ``counting_prompts[0]`` (``query.py:115``): empty, the question comes from the dataset.
COUNTING_QUERY = ""
#: ``counting_templates[0]`` (``query.py:120``).
COUNTING_TEMPLATE = "{}"
#: What ``FSC147Dataset.__getitem__`` appends to the record's ``query`` (``counting_dataset.py:32``).
COUNTING_SUFFIX = " Please answer an arabic number directly."

#: ``detection_multi_turn_prompts[0]`` (``query.py:130-133``): the classification turn, then the grounding turn
#: with ``{}`` for the ground-truth class.
DETECTION_QUERIES: tuple[str, str] = (
    "The image shows",
    (
        "Give all the bounding boxes of {} in the image. The bounding box should be represented as "
        "[x1, y1, x2, y2] with floating numbers indicating the coordinates of the object in a normalized range of "
        "0-1. These values correspond to the top left x, top left y, bottom right x, and bottom right y."
    ),
)
#: ``detection_templates[0]`` (``query.py:140``): classification, grounding.
DETECTION_TEMPLATES: tuple[str, str] = ("The object in the image is {}", "It is located at the bbox {}")

#: ``fine_grained_classification_multiturn_prompts[0]`` (``query.py:27-30``): level 0, then level k >= 1 with
#: ``{}`` for the ground-truth label of level k-1.
FINE_GRAINED_QUERIES: tuple[str, str] = (
    "What is the fine-grained category label for this image?",
    (
        "As the coarse-grained category label for this image is {}, what is the fine-grained category label for "
        "this image?"
    ),
)
#: ``fine_grained_classification_templates[0]`` (``query.py:43-45``), used by every turn (``ppl_template``).
FINE_GRAINED_TEMPLATE = "The fine-grained category label for this image is {}"

#: ``MMBenchDataset``'s ``sys_prompt`` default (``MMBench_dataset.py:41``).
MMBENCH_SYS_PROMPT = "There are several options:"

#: What ``generate_CoT_query`` appends to an item's question for the CoT generation (``instruction/__init__.py:54``).
COT_SUFFIX = "\nLet's think step by step."

_OPTION_LETTERS = "ABCDE"


def basic_query(question: str | None, query: str) -> str:
    """``InstructionHandler.generate_basic_query`` (``instruction/__init__.py:38-48``) for one item.

    Args:
        question: The item's ``question``, or None when the dataset gives none.
        query: The recipe's query (a pool entry).

    Returns:
        ``question + query`` (no separator), or ``query`` alone.
    """
    return query if question is None else f"{question}{query}"


def cot_question(question: str) -> str:
    """The CoT generation's question (``generate_CoT_query``, ``instruction/__init__.py:50-58``): ``question +
    COT_SUFFIX``, without the recipe's query; the PPL turn that follows is the usual ``question + query``.

    Args:
        question: The item's ``question`` (ScienceQA: :func:`scienceqa_question`; MMBench: :func:`mmbench_question`).
    """
    return f"{question}{COT_SUFFIX}"


def cifar10_turn() -> str:
    """CIFAR10's human turn: the query alone (``CIFAR10Dataset`` items have no ``question``)."""
    return basic_query(None, CIFAR10_QUERY)


def flickr30k_turn() -> str:
    """Flickr30k's human turn: the caption query alone (``FlickrDataset`` items have no ``question``)."""
    return basic_query(None, CAPTION_QUERY)


def fsc147_turn(query: str) -> str:
    """FSC147's human turn: the record's ``query`` + :data:`COUNTING_SUFFIX` + the empty counting query.

    Args:
        query: The meta record's ``query`` (``How many X are there in this image?``).
    """
    return basic_query(query + COUNTING_SUFFIX, COUNTING_QUERY)


def scienceqa_question(query: str, generative: bool = False) -> str:
    """``clean_question`` (``vqa_dataset.py:30-38``): drop the context, keep the options.

    ``'Question: ' + Q.split('Options:')[0].split('Context:')[0] + 'Options:' + Q.split('Options:')[1] + '\\n'``;
    only the text between the first and the second ``Options:`` is kept, and a question without ``Options:``
    (on which the reference crashes) raises here.

    Args:
        query: The LAMM record's ``query`` (it already ends in ``\\n``, so the result ends in two).
        generative: The ``generative.yaml`` variant: ``'Question: ' + question + '\\n'``, no options.

    Raises:
        ValueError: If a non-generative question has no ``Options:``.
    """
    parts = query.split("Options:")
    head = parts[0].split("Context:")[0]
    if generative:
        return "Question: " + head + "\n"
    if len(parts) < 2:
        raise ValueError(f"ScienceQA query has no 'Options:': {query!r}")
    return "Question: " + head + "Options:" + parts[1] + "\n"


def scienceqa_turn(query: str) -> str:
    """ScienceQA's human turn: :func:`scienceqa_question` + ``VQA_QUERIES[0]`` (``The answer is``)."""
    return basic_query(scienceqa_question(query), VQA_QUERIES[0])


def mmbench_question(row: Mapping[str, object], hint: bool = True, generative: bool = False) -> str:
    """``MMBenchDataset.__getitem__``'s question (``MMBench_dataset.py:89-109``).

    The options prompt is ``'There are several options:\\n'`` then ``'(X) text\\n'`` for each of the columns A..E
    that has a value; with a hint the question is ``f'{hint} {question} {options_prompt}'``, else
    ``f'{question} {options_prompt}'``.

    Args:
        row: The TSV row: ``question``, ``hint``, ``A`` .. ``E``. A missing or empty cell is None (the reference
            reads the TSV with pandas, so a cell pandas parses as NaN -- empty, ``NA``, ``None``, ``nan`` ... --
            counts as missing; the caller must map those to None).
        hint: The recipe's ``hint`` (True in ``default.yaml``).
        generative: The ``generative.yaml`` variant: no options prompt.
    """
    options_prompt = f"{MMBENCH_SYS_PROMPT}\n"
    for letter in _OPTION_LETTERS:
        if row.get(letter) is not None:
            options_prompt += f"({letter}) {row[letter]}\n"
    if generative:
        options_prompt = ""
    if row.get("hint") is not None and hint:
        return f"{row['hint']} {row['question']} {options_prompt}"
    return f"{row['question']} {options_prompt}"


def mmbench_turn(row: Mapping[str, object]) -> str:
    """MMBench's human turn: :func:`mmbench_question` (with hint) + ``VQA_QUERIES[1]``."""
    return basic_query(mmbench_question(row), VQA_QUERIES[1])


def seedbench_turn(question: str) -> str:
    """SEED-Bench's human turn: ``f'Question: {q}\\nAnswer:'`` (``SEED_Bench_dataset.py:26``) + ``VQA_QUERIES[4]``.

    There is no space between ``Answer:`` and ``The answer for the question is``.
    """
    return basic_query(f"Question: {question}\nAnswer:", VQA_QUERIES[4])


def mme_turn(question: str) -> str:
    """MME's human turn: the question as read from its ``.txt`` line + ``VQA_QUERIES[2]`` (empty)."""
    return basic_query(question, VQA_QUERIES[2])


def voc2012_classification_turn() -> str:
    """VOC2012's classification turn (``Det_PPL``, turn 0 of ``generate_multiturn_ppl_query``)."""
    return DETECTION_QUERIES[0]


def voc2012_grounding_turn(label: str) -> str:
    """VOC2012's grounding turn for one ground-truth box: ``DETECTION_QUERIES[1].format(label)``."""
    return DETECTION_QUERIES[1].format(label)


def omnibenchmark_turn(level: int, chain: list[str] | tuple[str, ...]) -> str:
    """Omnibenchmark's human turn at a chain level (``Multi_Turn_PPL_inferencer``, ``Multiturn.py:14-25``).

    Level 0 asks the fine-grained question; level k >= 1 names the ground-truth label of level k-1 (teacher
    forcing: the model's own earlier answer is never used).
    """
    if level == 0:
        return FINE_GRAINED_QUERIES[0]
    return FINE_GRAINED_QUERIES[1].format(chain[level - 1])
