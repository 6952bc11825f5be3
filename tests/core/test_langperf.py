"""ChEF's language-performance judge (``chef-langperf``): the judge's texts, the draw, the score parser, the answers.

The expected texts and numbers were derived by running ``eval_langperf.py`` at ``OpenGVLab/LAMM@d01093c`` (its
``generate_query``, ``SYS_VQA``, ``parse_score`` and its draw, extracted to /tmp with the ``openai`` calls taken out)
on the hand-made inputs below; the values are stored here.
"""

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.langperf import (
    SYS_VQA,
    LangperfAnswer,
    answers_from_rows,
    clean_question,
    judge_text,
    parse_overall_score,
    sample_positions,
)  # fmt: skip
from lamm_bench.rows import PredictionRow, RequestTrace

QUERY = ("Which of these states is farthest north?\nContext: N/A\nOptions: (A) West Virginia (B) Louisiana "
         "(C) Arizona (D) Oklahoma")  # fmt: skip


def test_judge_text_is_the_references_generate_query():
    answer = LangperfAnswer("West Virginia is north. It is farther north than the others. So the answer is (A", "(A")
    assert judge_text(QUERY, 0, answer) == (
        "\n[Question]\nQuestion: Which of these states is farthest north?\nOptions: (A) West Virginia (B) Louisiana "
        "(C) Arizona (D) Oklahoma\n\n\n[Ground Truth]\n(A) \n\n[Assistant's Chain of Thought]\nWest Virginia is "
        "north. It is farther north than the others.\n\n[Assistant's Final Choice]\n(A)\n\n"
    )


@pytest.mark.parametrize("cot", ["no period here", ".starts with dot"])
def test_a_cot_without_a_later_period_is_kept_whole(cot):
    expected = (f"\n[Question]\nQuestion: Q? Options: (A) x (B) y\n\n\n[Ground Truth]\n(B) \n\n"
                f"[Assistant's Chain of Thought]\n{cot}\n\n[Assistant's Final Choice]\n(B)\n\n")  # fmt: skip
    assert judge_text("Q? Options: (A) x (B) y", 1, LangperfAnswer(cot, "(B")) == expected


def test_system_text_is_the_references_sys_vqa():
    assert hashlib.sha256(SYS_VQA.encode()).hexdigest() == "1f5cabf15e2721cbed909e47255188ff804bac1dcb260c3aa4083f2f7514e8e6"
    assert SYS_VQA.count("[Overall Score]") == 1 and SYS_VQA.startswith("\nPlease act as an impartial judge")


def test_a_query_without_options_is_refused():
    with pytest.raises(ValueError, match="Options:"):
        clean_question("What is this?")


def test_the_draw_is_pythons_random_with_seed_0():
    random.seed(0)
    expected = sorted(random.sample(range(2017), 250))
    drawn = sample_positions(2017)
    assert drawn == expected
    assert drawn[:10] == [2, 28, 33, 44, 46, 54, 67, 74, 79, 82]
    assert drawn[-5:] == [1982, 1987, 2008, 2009, 2012]
    assert sum(drawn) == 264510  # the reference's draw, run at d01093c


def test_a_small_answer_set_is_drawn_whole_and_a_larger_one_by_its_own_size():
    assert sample_positions(6) == list(range(6))
    assert sample_positions(300) == sorted(random.Random(0).sample(range(300), 250))
    assert sample_positions(2017, seed=1) != sample_positions(2017)


@pytest.mark.parametrize(
    ("text", "score"),
    [("[Overall Score] 7", 7.0), ("[Overall Score]: 8", None), ("[Overall Score]\n 6.5 blah", 6.5),
     ("[Overall Score] 10/10", 10.0), ("Overall Score 9", None), ("[Overall Score] -3", None),
     ("[Overall Score] ７", 7.0), ("[Overall Score] 3.", 3.0), ("x [Overall Score] 4 [Overall Score] 9", 4.0)],
)  # fmt: skip
def test_parse_overall_score_as_the_reference(text, score):
    assert parse_overall_score(text) == score


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_overall_score_never_crashes(text):
    score = parse_overall_score(text)
    assert score is None or score >= 0


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abc. \n"), st.sampled_from(["", " ", "\n", " \t\n "]), st.integers(0, 10_000),
       st.one_of(st.none(), st.integers(0, 99)), st.text())  # fmt: skip
def test_parse_overall_score_reads_the_first_score(before, gap, whole, fraction, after):
    number = f"{whole}" if fraction is None else f"{whole}.{fraction}"
    assert parse_overall_score(f"{before}[Overall Score]{gap}{number}{' ' + after}") == float(number)


def test_answers_from_a_chef_scienceqa_run():
    def row(sid, prefix, failed=False):
        final = RequestTrace(key="", system="", text="Q", assistant_prefix=prefix, options=("(A", "(B"))
        return PredictionRow(id=sid, prediction="" if failed else "(B", failed=failed,
                             requests=(RequestTrace(key="cot", system="s", text="Q"), final))  # fmt: skip

    answers = answers_from_rows([row("0", "It is B. So (B\n"), row("1", "", failed=True), row("2", "x\n\n")])
    assert answers == {"0": LangperfAnswer("It is B. So (B", "(B"), "2": LangperfAnswer("x\n", "(B")}
