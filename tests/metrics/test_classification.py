"""UCMerced's case-sensitive substring rule."""

from __future__ import annotations

import pytest

from lamm_bench.metrics.classification import ucmerced_sample


@pytest.mark.parametrize(
    ("answer", "label", "correct"),
    [
        ("This is a golfcourse.", "golfcourse", 1),
        ("This is a Golfcourse.", "golfcourse", 0),  # case-sensitive
        ("This is a golf course.", "golfcourse", 0),  # no normalization
        ("denseresidential area", "residential", 1),  # substring, not word
        ("", "forest", 0),
    ],
)
def test_ucmerced_sample(answer, label, correct):
    assert ucmerced_sample(answer, label) == {"correct": correct}

