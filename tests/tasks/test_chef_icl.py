"""ChEF's ICL tasks (``tasks/chef_icl.py``): the random retriever's draws, the runs' samples, and the request each
sends, down to the ``lamm`` adapter's token layout.

Expected values derived by running the reference with the project's venv python: the draws by
``RandomRetriever.retrieve`` of ``OpenGVLab/LAMM@d01093c`` (``src/ChEF/instruction/ice_retriever``), built and
seeded as ``InstructionHandler.__init__`` does (``build_retriever(dataset, dataset, **incontext_cfg)`` with
``random_seed: 1``, then ``retriever.seed = 1``), on a 7- and a 40-item test set; the human turn by ``e3117c0``'s
``TestLAMM.icl_ppl_inference`` (the conversation it hands ``do_ppl``, with the ``incontext_cfg`` the handler makes for
``ice_with_image: False``), and the head and tail by ``e3117c0``'s ``make_prompt_start(icl_sysmsg=...)`` and
``build_one_instance`` (``src/ChEF/models/lamm/openlamm.py``), for the item, examples and CoT below.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from lamm_bench.records import Sample
from lamm_bench.tasks.chef_icl import (
    CHEF_ICL_SCIENCEQA, ICL_SYSTEM, ice_text, icl_reader, icl_turn, random_ice_indices,
)  # fmt: skip

DRAWS_7 = {
    1: [[6], [2], [6], [1], [3], [2], [2]],
    2: [[6, 2], [2, 3], [6, 3], [1, 6], [3, 6], [2, 5], [2, 3]],
    3: [[6, 2, 1], [2, 3, 4], [6, 3, 0], [1, 6, 0], [3, 6, 1], [2, 5, 3], [2, 3, 5]],
}
"""RandomRetriever's draws for a 7-item test set, ice_num 1..3 (ice_num 0: seven empty lists)."""
DRAWS_40_FIRST = {1: [[2], [31], [26], [38], [26], [24]], 3: [[2, 31, 3], [31, 22, 26], [26, 22, 18], [38, 3, 22],
                                                            [26, 24, 27], [24, 7, 6]]}  # fmt: skip
"""The first six items' draws of a 40-item test set."""


def test_draws_are_the_reference_retrievers():
    assert random_ice_indices(7, 0) == [[]] * 7
    for shots, draws in DRAWS_7.items():
        assert random_ice_indices(7, shots) == draws
    for shots, first in DRAWS_40_FIRST.items():
        assert random_ice_indices(40, shots)[:6] == first
    assert 5 in random_ice_indices(7, 3)[5]  # the item may be its own example, as at d01093c


def test_draws_are_numpys_global_seed_1_and_leave_its_state_alone():
    np = pytest.importorskip("numpy")
    saved = np.random.get_state()
    try:
        np.random.seed(1)  # RandomRetriever.retrieve, literally
        expected = [np.random.choice(40, 3, replace=False).tolist() for _ in range(40)]
        np.random.seed(123)
        before = np.random.get_state()[1].copy()
        assert random_ice_indices(40, 3) == expected
        assert (np.random.get_state()[1] == before).all()
    finally:
        np.random.set_state(saved)


def _samples(n: int) -> list[Sample]:
    return [Sample(id=f"q{i}", source="test", query=f"Q{i}", target={"gt": f"({'AB'[i % 2]})"}, images=(f"{i}.png",))
            for i in range(n)]  # fmt: skip


def test_the_reader_gives_each_run_every_item_with_its_drawn_examples():
    read = icl_reader(lambda root: (_samples(7), []), lambda s: s.query, lambda s: s.target["gt"])
    samples, _ = read(None)
    assert [s.id for s in samples] == [f"ice{k}/q{i}" for k in range(4) for i in range(7)]
    by_id = {s.id: s.target for s in samples}
    assert by_id["ice0/q0"]["ices"] == "" and by_id["ice0/q0"]["ice_ids"] == []
    assert by_id["ice2/q0"]["ices"] == "Q6: (A). Q2: (A). " and by_id["ice2/q0"]["ice_ids"] == ["q6", "q2"]
    assert by_id["ice3/q5"]["ice_ids"] == ["q2", "q5", "q3"]  # its own question and answer among its examples
    assert all(t["run"] == sid.split("/")[0] for sid, t in by_id.items())


ITEM = "Question: Which animal is a mammal? \nOptions: (A) dog (B) trout\n\n"
EXAMPLES = [("Hint text. What is shown? There are several options:\n(A) a cat\n(B) a car\n", "(B)"), (ITEM, "(A)")]
HEAD = ("You will now see some examples. The example has no relation to the provided image content. You need to "
        "follow the example and answer the final question based on the image content.### Human: <Img>")  # fmt: skip
HUMAN = {
    0: "Question: Which animal is a mammal? \nOptions: (A) dog (B) trout\n\nThe answer is: ",
    2: "Hint text. What is shown? There are several options:\n(A) a cat\n(B) a car\n: (B). Question: Which animal is a "
       "mammal? \nOptions: (A) dog (B) trout\n\n: (A). Question: Which animal is a mammal? \nOptions: (A) dog (B) "
       "trout\n\nThe answer is: ",
}  # fmt: skip
GPT = "COT\nThe answer is (A\n###"


@pytest.mark.parametrize("shots", [0, 2])
def test_the_request_and_lamm_layout_are_the_references(shots):
    from lamm_bench.model_adapters.lamm.adapter import LammAdapter

    ices = "".join(ice_text(q, a) for q, a in EXAMPLES[:shots])
    sample = Sample(id=f"ice{shots}/7", source="VQA_SQAimage", query="Which animal is a mammal? \nOptions: (A) dog "
                    "(B) trout\n", target={"gt_choice": 0, "gt_choices": ["dog", "trout"], "run": f"ice{shots}",
                    "ices": ices, "ice_ids": []}, images=("7.png",))  # fmt: skip
    cot_stage, answer_stage = CHEF_ICL_SCIENCEQA.stages
    (cot,) = cot_stage(sample, {}, 0)
    assert cot.text == ITEM + "\nLet's think step by step." and cot.system != ICL_SYSTEM  # no examples in the CoT
    (request,) = answer_stage(sample, {"cot": "COT"}, 0)
    assert request.text == HUMAN[shots] == icl_turn(ices, ITEM + "The answer is")
    assert request.system == ICL_SYSTEM and request.options == ("(A", "(B")
    adapter = LammAdapter({})
    chars = SimpleNamespace(encode=lambda text: [ord(c) for c in text], bos_id=1)  # one id per character
    adapter._model = SimpleNamespace(tokenizer=chars)  # only the tokenizer: no weights for a layout
    layout = adapter.choice_layouts(dataclasses.replace(request, protocol="chef"))
    assert layout.prefix.before == (1, *chars.encode(HEAD))
    assert list(layout.prefix.after) == chars.encode("</Img> " + HUMAN[shots] + "\n### Assistant:")
    assert list(layout.answers[0]) == chars.encode(GPT)
