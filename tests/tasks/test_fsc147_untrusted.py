"""FSC147's answer reading on hostile answers (issue 23): no string crashes the parser or the scoring, a negative
count is never read, and every count the reference can score scores as the reference scores it."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.parsing.text import COUNT_MAX, count_from_text_chef, count_from_text_paper
from lamm_bench.records import Sample
from lamm_bench.tasks.fsc147 import FSC147, FSC147_CHEF

SAMPLE = Sample(id="0", source="Counting_FSC147", query="How many apples are there in this image?", target={"num": 7},
                images=("x.png",))  # fmt: skip


def _score(spec, answers):
    scores = [spec.score_sample(SAMPLE, a) for a in answers]
    metrics = spec.aggregate(scores)
    terms = [spec.primary_terms(s.values) for s in scores]
    return scores, metrics, terms


def test_signs_and_absurd_counts():
    assert count_from_text_paper("-5 apples") is None and count_from_text_chef("-5 apples") == 0
    assert count_from_text_paper("-5 or 6") == 6
    assert count_from_text_paper(str(10**30)) == 10**30  # what the reference reads
    assert count_from_text_paper("9" * 400) == COUNT_MAX == count_from_text_chef("9" * 400)
    scores, metrics, _ = _score(FSC147, [str(10**30)])
    assert scores[0].values["abs_error"] == 10**30 - 7 and metrics["mae"] == (10**30 - 7) / 1  # the reference's value
    _, chef, _ = _score(FSC147_CHEF, [str(10**30)])
    assert chef["clipped_error"] == 7 and chef["exact_match"] == 0


DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=700)
ANSWER = st.lists(st.one_of(DIGITS, st.text(max_size=12), st.sampled_from(["-5", "twenty", "²", "3.5", "−4"])),
                  max_size=5).map(" ".join)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(ANSWER, min_size=1, max_size=6))
def test_no_answer_crashes_the_scoring_and_every_number_is_finite(answers):
    for spec in (FSC147, FSC147_CHEF):
        scores, metrics, terms = _score(spec, answers)
        assert all(math.isfinite(v) for v in metrics.values())
        assert all(math.isfinite(float(a)) and math.isfinite(float(b)) for a, b in terms)
    for answer in answers:
        found = count_from_text_paper(answer)
        assert found is None or 0 <= found <= COUNT_MAX
