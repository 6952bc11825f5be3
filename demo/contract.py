"""The contract of lamm-mini's sources, the embedded demo benchmark: what a source writes for one meta file.

Each meta file of lamm-mini has a :class:`MiniSource` (``lamm_bench.demo.sources.SOURCES``, keyed by the meta
file's path under the data root, as in ``TaskSpec.meta_files``): a function that writes that meta file's records
and their media for one split, plus where the data comes from and under which licence. The builder
(:mod:`lamm_bench.demo.build`) writes the source of every meta file the given tasks read. The tasks know nothing
of lamm-mini. Nothing here does I/O on import; the types only.

- ``test`` split: the records go into ``<root>/2D_Benchmark/meta_file/<Task>_<Dataset>.json`` (3D likewise),
  exactly the LAMM_Dataset schema of that file; media paths are relative to ``2D_Benchmark/``.
- ``train`` split: other records of the same kind (never the test ones), written under ``2D_Instruct/``; each
  record's ``turns`` become single-turn instruction records in LAMM's format (``conversations``, ``task_type``)
  in ``2D_Instruct/meta_file/lamm_mini_instruct_2d.json`` (3D: ``3D_Instruct/.../lamm_mini_instruct_3d.json``).
- A dataset in its own format (ChEF's MMBench TSV, SEED-Bench JSON, MME folders, Omnibenchmark with its Bamboo
  hierarchy, POPE; ``MiniSource.own_format``) is keyed by its path under the data root (e.g.
  ``MMBench/mmbench_dev_20230712.tsv``); its ``test`` split writes its files itself, under the data root, and its
  ``train`` split is LAMM's instruction format as above.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

MINI_NAME = "lamm-mini"
MINI_VERSION = "5"
"""Bumped whenever a mini source changes what it writes."""

Split = Literal["test", "train"]


@dataclass(frozen=True)
class MiniContext:
    """What a mini source gets: where to write, which split, how many records, and its only randomness."""

    folder: Path
    """``<root>/2D_Benchmark`` (test) or ``<root>/2D_Instruct`` (train), 3D likewise: media paths in records are
    relative to it. The test split of a source in its own format gets the data root itself."""
    split: Split
    """``test`` (the benchmark meta file) or ``train`` (the instruction split; never the same samples)."""
    n: int
    """How many records to write."""
    seed: int
    """The build's seed (``lamm-bench data mini --seed``)."""
    rng: random.Random = field(compare=False)
    """Seeded by (seed, meta file, split): the only randomness a source may use, so builds are byte-identical."""

    def save_image(self, relative: str, image: Any) -> str:
        """Write a PIL image as PNG (no metadata, so the bytes depend on the pixels alone); returns ``relative``."""
        path = self.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, format="PNG", optimize=False)
        return relative

    def save_points(self, relative: str, points: Any) -> str:
        """Write an ``N x 6`` float32 point cloud as ``.npy``; returns ``"./" + relative`` as LAMM's 3D files do."""
        import numpy as np

        path = self.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, np.asarray(points, dtype=np.float32))
        return f"./{relative}"


@dataclass(frozen=True)
class MiniRecord:
    """One record a mini source wrote, with what a model should answer to it."""

    record: Mapping[str, Any]
    """The meta-file record, in the LAMM schema of its file."""
    turns: tuple[tuple[str, str], ...]
    """``(human, gpt)`` pairs: the record's questions and the answers a model should give (in the form the task's
    parser reads). In the train split each pair becomes one instruction record."""


@dataclass(frozen=True)
class MiniSource:
    """How lamm-mini gets one meta file."""

    write: Callable[[MiniContext], Sequence[MiniRecord]]
    """Write ``ctx.n`` records of ``ctx.split`` and their media under ``ctx.folder``; pure apart from those files."""
    task_type: str
    """LAMM instruction ``task_type`` of the train records (selects the training system message)."""
    source: str
    """Where the data comes from, for the docs' table (e.g. ``easy-vqa test images``)."""
    licence: str
    """Its licence (e.g. ``MIT``)."""
    n_test: int = 50
    """Records in the benchmark meta file."""
    n_train: int = 200
    """Records in the train split (0: the source adds nothing to it)."""
    own_format: bool = False
    """The data is not a LAMM meta file but a dataset in its own format (ChEF's MMBench TSV, MME folders ...): in
    the test split the source writes every file itself under the data root (``ctx.folder``) and the builder writes
    no meta file; its train records are LAMM instruction records as every other source's (``image`` relative to
    ``ctx.folder``, ``turns``)."""
    after: tuple[str, ...] = ()
    """Other sources' files (keys of :data:`MiniSources`) this one reads, written before it (ChEF's corrupted copies
    read the clean data they corrupt)."""


MiniSources = Mapping[str, MiniSource]
"""Meta file (as in ``TaskSpec.meta_files``) -> its source."""


def write_dataset_identity(root: Path, *, seed: int = 0, description: str = "") -> Path:
    """Mark ``root`` as demo data (``lamm_bench_dataset.json``), so its results are never taken for LAMM results."""
    from lamm_bench.data import DATASET_FILE

    identity = {"name": MINI_NAME, "version": f"{MINI_VERSION}+seed{seed}",
                "description": description or "lamm-mini, written by `lamm-bench data mini`; not the LAMM benchmark"}  # fmt: skip
    path = Path(root) / DATASET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(identity, indent=1, sort_keys=True) + "\n")
    return path

