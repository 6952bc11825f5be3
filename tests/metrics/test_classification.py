"""UCMerced's case-sensitive substring rule and the shared accuracy aggregate."""

from __future__ import annotations

import pytest

from lamm_bench.metrics.classification import accuracy, ucmerced_sample


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


def test_accuracy():
    assert accuracy([{"correct": 1}, {"correct": 0}, {"correct": 1}, {"correct": 1}]) == {"accuracy": 75.0}
    assert accuracy([{"correct": 0}]) == {"accuracy": 0.0}
    assert accuracy([{"correct": 1}]) == {"accuracy": 100.0}
    assert accuracy([]) == {"accuracy": 0.0}
