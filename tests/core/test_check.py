"""`lamm_bench.check`'s comparison: byte for byte, in the reference run's order, answers only one run has count."""

from lamm_bench.check import CheckReport, Difference, first_difference

REFERENCE = {
    ("t", "1", "k", "answer"): '"cat"',
    ("t", "1", "k", "option_scores"): "[-0.1, -2.5]",
    ("t", "1", "", "prediction"): '"cat"',
    ("t", "2", "k", "answer"): '"dog"',
    ("t", "2", "", "prediction"): '"dog"',
}


def test_identical_runs_have_no_difference():
    assert first_difference(REFERENCE, dict(reversed(REFERENCE.items())), "batch 8") is None


def test_a_last_bit_of_an_option_score_is_a_difference():
    other = {**REFERENCE, ("t", "1", "k", "option_scores"): "[-0.10000000000000002, -2.5]"}
    assert first_difference(REFERENCE, other, "batch 8") == Difference(
        "t", "1", "k", "option_scores", "batch 8", "[-0.1, -2.5]", "[-0.10000000000000002, -2.5]")  # fmt: skip


def test_the_first_difference_in_the_reference_order_is_reported():
    other = {**REFERENCE, ("t", "2", "k", "answer"): '"cow"', ("t", "1", "", "prediction"): '"Cat"'}
    found = first_difference(REFERENCE, other, "2 ranks")
    assert (found.sample_id, found.what, found.other) == ("1", "prediction", '"Cat"')


def test_an_answer_only_one_run_has_is_a_difference():
    extra = {**REFERENCE, ("t", "2", "k", "error"): '"CUDA out of memory"'}
    assert first_difference(REFERENCE, extra, "batch 8") == Difference(
        "t", "2", "k", "error", "batch 8", "(absent)", '"CUDA out of memory"')  # fmt: skip
    missing = {k: v for k, v in REFERENCE.items() if k[1] != "2"}
    assert first_difference(REFERENCE, missing, "batch 8").other == "(absent)"


def test_the_summary_line_and_the_difference_report():
    assert CheckReport(("batch 1", "batch 8"), 2, 3, None).summary() == "3 requests (2 samples) identical at batch 1 and batch 8"
    three = CheckReport(("batch 1", "batch 8", "2 ranks"), 2, 3, None).summary()
    assert three == "3 requests (2 samples) identical at batch 1, batch 8 and 2 ranks"
    found = Difference("scienceqa", "sqa4", "answer", "answer", "batch 8", '"(A)"', '"(B)"')
    assert CheckReport(("batch 1", "batch 8"), 2, 3, found).summary().splitlines() == [
        "answers differ between batch 1 and batch 8: task scienceqa, sample 'sqa4', request 'answer' (answer)",
        '  batch 1: "(A)"',
        '  batch 8: "(B)"',
    ]  # fmt: skip
