"""No module imports another module's private (``_name``) symbols, nor a package-private module (``tasks/_common.py``)
from outside its package: what a leading underscore marks as private stays an implementation detail of its module or
package. An AST scan of every module of the distribution, imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent.parent
PACKAGES = {"lamm_bench": "lamm_bench", "tasks": "lamm_bench.tasks", "model_adapters": "lamm_bench.model_adapters",
            "train": "lamm_bench.train", "demo": "lamm_bench.demo"}  # fmt: skip

def modules() -> dict[str, Path]:
    """Import name -> file, for every module of the distribution (``lamm_bench.tasks.voc2012`` -> tasks/voc2012.py)."""
    out = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = [p for p in path.relative_to(ROOT / folder).with_suffix("").parts if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def imported(module: str, path: Path) -> list[str]:
    """Every dotted name ``module`` imports (``package.module`` or ``package.module.symbol``), resolved to absolute."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            names += [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]
    return names


def private_imports(module: str, path: Path, known: dict[str, Path]) -> dict[str, str]:
    """The names ``module`` (at ``path``) imports that are private to another module or package, and to which."""
    found = {}
    for name in imported(module, path):
        parts = name.split(".")
        for i, part in enumerate(parts):
            if not is_private(part):
                continue
            owner = ".".join(parts[:i])  # the module or package the private name belongs to
            if ".".join(parts[: i + 1]) in known:  # a private module: fine inside its own package
                inside = module.startswith(owner + ".")
            else:  # a private symbol: fine only in its own module
                inside = module == owner
            if not inside:
                found[".".join(parts[: i + 1])] = f"private to {owner}"
            break
    return found


def violations() -> dict[tuple[str, str], str]:
    """(importing file, imported name) -> why it is private to someone else, over the whole distribution."""
    known = modules()
    return {(str(path.relative_to(ROOT)), name): why for module, path in known.items()
            for name, why in private_imports(module, path, known).items()}  # fmt: skip


def test_no_module_imports_a_name_private_to_another():
    found = violations()
    assert not found, "\n".join(f"{f} imports {name} ({why})" for (f, name), why in sorted(found.items()))


def test_the_scan_sees_what_it_must(tmp_path):
    known = modules()
    # what lamm_bench/site/index.py once did, a demo module reaching into the tasks' package, and what is fine
    bad = tmp_path / "index.py"
    bad.write_text("from lamm_bench.leaderboard import CHART, _column_info\n"
                   "def f():\n    from lamm_bench.tasks._common import PAPER_2D\n    from . import _private\n")  # fmt: skip
    assert private_imports("lamm_bench.site.index", bad, known) == {
        "lamm_bench.leaderboard._column_info": "private to lamm_bench.leaderboard",
        "lamm_bench.tasks._common": "private to lamm_bench.tasks", "lamm_bench.site._private": "private to lamm_bench.site"}
    assert private_imports("lamm_bench.tasks.voc2012", ROOT / "tasks/voc2012.py", known) == {}  # from ._common import
