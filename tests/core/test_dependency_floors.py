"""The dependency floors in ``pyproject.toml`` are the tested versions ``docs/versions.md`` lists, and the installed
versions (the ones this test run uses) meet them."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| ([A-Za-z0-9_.\-]+) \| ([0-9][0-9.]*) \| ([a-z()]+) \|$")


def floors() -> dict[str, tuple[str, str]]:
    """Declared package -> (floor, extra), every requirement a plain ``name>=version``."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    groups = {"(core)": project["dependencies"], **project["optional-dependencies"]}
    out = {}
    for group, requirements in groups.items():
        for requirement in requirements:
            if requirement.startswith("lamm-bench["):
                continue
            name, _, floor = requirement.partition(">=")
            assert re.fullmatch(r"[0-9][0-9.]*", floor), f"{requirement!r}: a floor is name>=X.Y[.Z], nothing else"
            out[name] = (floor, group)
    return out


def documented() -> dict[str, tuple[str, str]]:
    """The table between the ``tested-versions`` markers of ``docs/versions.md``."""
    text = (REPO / "docs" / "versions.md").read_text()
    table = text.split("<!-- tested-versions: begin -->")[1].split("<!-- tested-versions: end -->")[0]
    rows = [ROW.match(line) for line in table.strip().splitlines()[2:]]
    assert all(rows), "every row of the table is | package | version | extra |"
    return {m.group(1): (m.group(2), m.group(3)) for m in rows}


def _tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:3])


def test_the_floors_are_the_documented_tested_versions():
    declared = floors()
    assert len(declared) >= 25 and declared["transformers"][1] == "models"
    assert declared == documented()


def test_the_installed_versions_meet_the_floors():
    below, missing = [], []
    for name, (floor, _) in floors().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            missing.append(name)
            continue
        if _tuple(installed) < _tuple(floor):
            below.append(f"{name} {installed} < {floor}")
    assert not below and not missing, (below, missing)


def test_the_python_floor_is_the_documented_one_and_met():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert declared == ">=3.11"
    assert "Python: 3.11 (`requires-python = \">=3.11\"`)" in (REPO / "docs" / "versions.md").read_text()
    assert sys.version_info[:2] >= (3, 11)


def test_a_version_below_its_floor_compares_below():
    assert _tuple("4.57.1") < _tuple("5.25.0") and _tuple("2.14.1+cpu") == (2, 14, 1)
    assert _tuple("6.170.27") > _tuple("6.100") and not _tuple("1.2") < _tuple("1.2")
