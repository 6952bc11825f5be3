"""Which packages the wheel holds: discovered, never listed by hand (the metadata is in ``pyproject.toml``).

Each top-level folder users see installs under ``lamm_bench`` (``tasks/`` as ``lamm_bench.tasks``, ...), so nothing
generic lands in site-packages as a top-level name. Every folder below them is a package, data-only folders
(``train/configs``, ``lamm_bench/site/static``) included, so a new adapter or task folder can never be left out.
"""

from setuptools import find_namespace_packages, setup

ROOTS = {
    "lamm_bench": "lamm_bench",
    "lamm_bench.tasks": "tasks",
    "lamm_bench.model_adapters": "model_adapters",
    "lamm_bench.train": "train",
    "lamm_bench.demo": "demo",
}
"""Installed package name -> the folder it comes from."""


def packages() -> list[str]:
    found = []
    for name, folder in ROOTS.items():
        found.append(name)
        subs = find_namespace_packages(where=folder, exclude=["*__pycache__*", "*.egg-info*"])
        found += [f"{name}.{sub}" for sub in subs]
    return sorted(set(found))


if __name__ == "__main__":  # how pip's build backend runs this file
    setup(packages=packages(), package_dir=ROOTS)
