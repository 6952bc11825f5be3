"""The one alphabet of model and task names (``lamm_bench.names``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamm_bench import registry
from lamm_bench.errors import UserError
from lamm_bench.names import MAX_LENGTH, check_name, name_problem


@pytest.mark.parametrize("name", ["lamm-tiny", "llava-1.5-7b", "Qwen2-VL-7B-Instruct", "m", "gpt-4o+cot", "a_b"])
def test_ordinary_names_pass(name):
    assert check_name(name, "--name") == name


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../../x", "may use only letters"), ("/abs", "may use only letters"), ("media", "leaderboard's own"),
        ("browser.js", "leaderboard's own"), ("a\nb|c", "may use only letters"), ("$\\foo$", "may use only letters"),
        ("x" * 300, "300 characters long"), ("", "is empty"), (".hidden", "may use only letters"),
        ("trailing.", "may not end with '.'"), ("name with space", "may use only letters"), (7, "should be a string"),
    ],
)  # fmt: skip
def test_names_that_would_break_the_house_are_refused_in_one_line(name, problem):
    with pytest.raises(UserError, match="^--name .*" + problem.replace("$", r"\$").replace("|", r"\|")) as caught:
        check_name(name, "--name")
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_every_registered_task_group_and_card_name_is_allowed():
    names = [*registry.tasks(), *registry.groups(), *registry.cards(), *registry.adapters()]
    assert names and [n for n in names if name_problem(n)] == []


@given(st.text(max_size=MAX_LENGTH + 5))
def test_an_allowed_name_is_one_plain_path_component(name):
    if name_problem(name) is None:
        assert "/" not in name and "\\" not in name and name not in (".", "..") and name.strip() == name
        assert all(c.isascii() and (c.isalnum() or c in "._+-") for c in name)
