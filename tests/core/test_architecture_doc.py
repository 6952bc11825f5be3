"""``docs/architecture.md`` names every module of the distribution, by its path, and every path it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("lamm_bench", "tasks", "model_adapters", "train", "demo")


def test_every_module_is_named_and_every_named_module_exists():
    doc = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    modules = {p.relative_to(ROOT).as_posix() for folder in FOLDERS for p in (ROOT / folder).rglob("*.py")
               if "__pycache__" not in p.parts}  # fmt: skip
    named = set(re.findall(r"`((?:%s)/[\w/]+\.py)`" % "|".join(FOLDERS), doc))
    assert not sorted(modules - named), f"docs/architecture.md does not name: {sorted(modules - named)}"
    assert not sorted(named - modules), f"docs/architecture.md names modules that do not exist: {sorted(named - modules)}"
