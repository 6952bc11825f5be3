"""FSC147 counting errors: the paper's MAE (with its gt<10 subset) and ChEF's clipped error and exact match.

Both read the first whitespace token that is a digit string or a number word up to twenty
(:mod:`lamm_bench.parsing.text`). The paper (``@3085eef FSC_eval``, protocol §2.6) uses 0 when there is none
and averages ``|gt - pred|``; ChEF's ``Counting`` averages ``min(gt, |pred - gt|)``, so a wild or missing answer
costs at most the true count, and reports exact matches in percent. Errors are raw counts, not percent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lamm_bench.parsing.text import count_from_text_chef, count_from_text_paper

__all__ = ["counting_paper_sample", "counting_paper_aggregate", "counting_chef_sample", "counting_chef_aggregate"]


def counting_paper_sample(answer: str, gt: int) -> dict[str, int]:
    """Paper-era per-sample counting result.

    Args:
        answer: The answer text.
        gt: The record's ``num``.

    Returns:
        ``{"abs_error", "gt", "unparsed"}``; an answer without a count is read as 0 and flagged unparsed.
    """
    found = count_from_text_paper(answer)
    pred = 0 if found is None else found
    return {"abs_error": abs(gt - pred), "gt": gt, "unparsed": int(found is None)}


def counting_paper_aggregate(samples: Sequence[Mapping[str, int]]) -> dict[str, float]:
    """``mae`` over all samples and ``mae_gt_lt10`` over those with gt < 10 (0.0 where a set is empty)."""
    small = [s["abs_error"] for s in samples if s["gt"] < 10]
    return {
        "mae": sum(s["abs_error"] for s in samples) / len(samples) if samples else 0.0,
        "mae_gt_lt10": sum(small) / len(small) if small else 0.0,
    }


def counting_chef_sample(answer: str, gt: int) -> dict[str, int]:
    """ChEF ``Counting`` per sample: ``{"clipped_error": min(gt, |pred-gt|), "exact": 0|1, "unparsed": 0|1}``.

    ``unparsed`` flags answers without any count (ChEF silently reads them as 0).
    """
    pred = count_from_text_chef(answer)
    unparsed = int(count_from_text_paper(answer) is None)
    return {"clipped_error": min(gt, abs(pred - gt)), "exact": int(pred == gt), "unparsed": unparsed}


def counting_chef_aggregate(samples: Sequence[Mapping[str, int]]) -> dict[str, float]:
    """Mean ``clipped_error`` (raw) and ``exact_match`` (percent); 0.0 for no samples."""
    if not samples:
        return {"clipped_error": 0.0, "exact_match": 0.0}
    n = len(samples)
    return {
        "clipped_error": sum(s["clipped_error"] for s in samples) / n,
        "exact_match": sum(s["exact"] for s in samples) / n * 100,
    }
