"""Properties of reading result files and predictions rows back (issue 23), through the leaderboard's library entry
point with the CLI's meaning (a ``UserError`` is exit 2; anything else escaping is exit 1, a bug): any JSON value
in any field gives exit 0 or 2, never 1; nothing is written outside the output folder; and no text from a file
appears unescaped in a written page. (``test_untrusted_files_cli.py`` runs the installed CLI on such files.)"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from untrusted_helpers import (PAYLOADS, edit_rows, paths_in, payload_results, put, result_path, rows_path, snapshot,
                               written_pages)

from lamm_bench.errors import UserError
from lamm_bench.leaderboard import write_leaderboard


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


SCALARS = (st.none() | st.booleans() | st.integers() | st.sampled_from([-5, 2**63, 10**30, 10**400]) | st.floats()
           | st.text(max_size=12) | st.sampled_from([*PAYLOADS, "../../x", "/etc/passwd", "media", "\udc80", "$\\foo$",
                                                     "a\n| forged | 1 |", "2d", "paper"]))  # fmt: skip
JSON = st.recursive(SCALARS, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
                    max_leaves=6) | st.integers(60, 70).map(nested)  # fmt: skip
EDIT = st.sampled_from(["replace", "delete", "add"])
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def leaderboard_exit(out: Path) -> int:
    """``lamm-bench leaderboard --out OUT``'s exit status, in process: 0, or 2 for a ``UserError``."""
    try:
        write_leaderboard(out)
    except UserError:
        return 2
    return 0


def apply(content, path: tuple, edit: str, value):
    """``content`` with the part at ``path`` replaced by ``value``, deleted, or given a new field ``value``."""
    if edit == "replace" or not path:
        return put(content, path, value)
    parent = content
    for key in path[:-1]:
        parent = parent[key]
    if edit == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[f"new-{len(parent)}"] = value
    else:
        parent.append(value)
    return content


def check_run(base: Path, damage) -> None:
    """Copy ``base``, ``damage(copy)``, render: exit 0 or 2, the rest of the disk untouched, and on exit 0 no
    payload raw in any page."""
    with tempfile.TemporaryDirectory() as tmp:
        outer = Path(tmp)
        out = Path(shutil.copytree(base, outer / "parent" / "board"))
        damage(out)
        before = snapshot(outer, skip=out)
        status = leaderboard_exit(out)
        event(f"exit {status}")
        assert status in (0, 2)
        assert snapshot(outer, skip=out) == before
        if status == 0:
            pages = written_pages(out)
            assert pages and not [(name, p) for name, text in pages.items() for p in PAYLOADS if p in text]


@SETTINGS
@given(data=st.data(), edit=EDIT, value=JSON)
def test_any_json_in_any_field_of_a_result_file_is_exit_0_or_2(untrusted_base, data, edit, value):
    content = json.loads(result_path(untrusted_base).read_text())
    where = data.draw(st.sampled_from(list(paths_in(content))))

    def damage(out: Path) -> None:
        result_path(out).write_text(json.dumps(apply(content, where, edit, value)))

    check_run(untrusted_base, damage)


@SETTINGS
@given(data=st.data(), edit=EDIT, value=JSON)
def test_any_json_in_any_field_of_a_predictions_row_is_exit_0_or_2(untrusted_base, data, edit, value):
    rows = [json.loads(line) for line in rows_path(untrusted_base).read_text().splitlines()]
    index = data.draw(st.integers(0, len(rows) - 1))
    where = data.draw(st.sampled_from(list(paths_in(rows[index]))))

    def damage(out: Path) -> None:
        edit_rows(rows_path(out), lambda all_rows: all_rows.__setitem__(index, apply(rows[index], where, edit, value)))

    check_run(untrusted_base, damage)


GENERATED = st.text(min_size=1, max_size=16).filter(lambda t: ".." not in t and "\0" not in t).map(lambda t: f"<{t}\"'")


@settings(max_examples=10, deadline=None)
@given(payload=st.sampled_from(PAYLOADS) | GENERATED)
@example(payload="<\r\"'")  # a carriage return, which reading the pages with newline translation turned into \n
def test_no_text_from_a_file_appears_unescaped_in_the_site(untrusted_base, payload):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(shutil.copytree(untrusted_base, Path(tmp) / "board"))
        payload_results(out, payload)
        assert leaderboard_exit(out) == 0
        pages = written_pages(out)
        assert [name for name, text in pages.items() if payload in text] == []
        # and it is there, escaped: in the index and the browser page as HTML text, in the chunks as script data
        assert html.escape(payload) in pages["index.html"] and html.escape(payload) in pages["predictions/model-a/voc2012.html"]
        in_script = json.dumps(payload, ensure_ascii=False)[1:-1].replace("<", "\\u003c")
        assert in_script in pages["predictions/model-a/voc2012/0000.js"]
