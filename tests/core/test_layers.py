"""The house's arrows: no import cycle between modules (imports inside functions count), and the packages depend on
each other in one direction only: demo -> tasks -> engine, with the model adapters and the trainer beside them.
Only the command line (``lamm_bench/cli.py``, the composition root) may reach every package."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"lamm_bench": "lamm_bench", "tasks": "lamm_bench.tasks", "model_adapters": "lamm_bench.model_adapters",
            "train": "lamm_bench.train", "demo": "lamm_bench.demo"}  # fmt: skip
COMPOSITION_ROOT = {"lamm_bench.cli", "lamm_bench.__main__"}
ALLOWED = {
    "engine": {"engine"},
    "tasks": {"tasks", "engine"},
    "model_adapters": {"model_adapters", "engine"},
    "train": {"train", "model_adapters", "engine"},
    "demo": {"demo", "tasks", "train", "model_adapters", "engine"},
}
"""Layer -> the layers its modules may import (the engine is ``lamm_bench/`` itself)."""


def modules() -> dict[str, Path]:
    out = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = [p for p in path.relative_to(ROOT / folder).with_suffix("").parts if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


def layer(module: str) -> str:
    for folder, package in sorted(PACKAGES.items(), key=lambda kv: -len(kv[1])):
        if module == package or module.startswith(package + "."):
            return "engine" if folder == "lamm_bench" else folder
    raise ValueError(module)


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package modules ``module`` imports anywhere in its file (relative imports resolved)."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {module: imports(module, path, known) for module, path in known.items()}


def test_no_import_cycle_between_modules():
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt):], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


def test_packages_depend_one_way():
    wrong = sorted(f"{a} -> {b}" for a, targets in graph().items() if a not in COMPOSITION_ROOT
                   for b in targets if layer(b) not in ALLOWED[layer(a)])  # fmt: skip
    assert not wrong, "imports against the layering: " + "; ".join(wrong)


def test_the_checks_see_a_cycle_and_a_backward_arrow(tmp_path):
    known = {"lamm_bench.a": tmp_path / "a.py", "lamm_bench.b": tmp_path / "b.py", "lamm_bench.demo.x": tmp_path / "x.py"}
    (tmp_path / "a.py").write_text("def f():\n    from lamm_bench import b\n")
    (tmp_path / "b.py").write_text("from .a import f\nfrom lamm_bench.demo.x import y\n")
    assert imports("lamm_bench.a", known["lamm_bench.a"], known) == {"lamm_bench.b"}
    assert imports("lamm_bench.b", known["lamm_bench.b"], known) == {"lamm_bench.a", "lamm_bench.demo.x"}
    assert layer("lamm_bench.demo.x") not in ALLOWED[layer("lamm_bench.b")]
