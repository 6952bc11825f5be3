"""Numbers published with LAMM (the paper's README at ``OpenGVLab/LAMM@3085eef``, and ChEF's scenario leaderboard on
the project site), per task.

Shown on the leaderboard as reference rows, never mixed with measured results. A value is a float, or a string
for what the paper printed instead of a number ("Failed", "N/A"). Tasks are lamm-bench's names: the paper tables'
paper-protocol tasks, ChEF's ``chef-*`` scenarios (whose "Random choice" row is ChEF's chance level).

Only the numbers are data here. The tables' columns (which tasks, in which order, with which label and direction)
are derived from what lamm-bench's own tasks declare: which groups are published tables (``REFERENCE_TABLES`` in
``tasks/groups.py``), their members, each task's ``paper_metric`` and its metric's direction. Installed plugins
never change them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

@dataclass(frozen=True)
class PublishedRow:
    """One reference row: who, from where, and its numbers by task."""

    label: str
    source: str
    values: dict[str, float | str]


_PAPER = "LAMM paper table (README @3085eef)"
_CHEF = "ChEF leaderboard (OpenLAMM/openlamm.github.io src/pages/Leaderboards.md @825721b)"

PUBLISHED: tuple[PublishedRow, ...] = (
    PublishedRow("LAMM-13B (paper)", _PAPER, {
        "cifar10": 37.9, "voc2012": 7.20, "scienceqa": 49.88, "ai2d": 20.92, "flickr30k": 2.56, "ucmerced": 18.23,
        "fsc147": 46.88, "svt": 29.14, "celeba-smile": 57.60, "celeba-hair": 56.96, "lsp": "Failed",
        "binary-loc": 36.53, "scannet-det": 8.2, "scanrefer": "Failed", "scanqa": 24.90,
    }),
    PublishedRow("LAMM-13B v1 (paper, arXiv v1)", "README @8b5ccdf", {
        "cifar10": 34.5, "voc2012": 4.82, "scienceqa": 47.15, "ai2d": 19.5, "flickr30k": 0.70, "ucmerced": 13,
        "fsc147": 53.97, "svt": 4.2, "celeba-smile": 51.3, "celeba-hair": 30.48, "lsp": "Failed",
        "binary-loc": 31.2, "scannet-det": 9.3, "scanrefer": "Failed", "scanqa": 26.54,
    }),
    PublishedRow("LLaVA (paper)", _PAPER, {
        "cifar10": 60.83, "voc2012": 1.42, "scienceqa": 40.5, "ai2d": 18.13, "flickr30k": 6.65, "ucmerced": 47,
        "fsc147": 56.2, "svt": 37.78, "celeba-smile": "Failed", "celeba-hair": 46.42, "lsp": "Failed",
        "binary-loc": 14.73,
    }),
    PublishedRow("MiniGPT4 (paper)", _PAPER, {
        "cifar10": 46.22, "voc2012": 0.92, "scienceqa": 43.43, "ai2d": "Failed", "flickr30k": 5.1, "ucmerced": 33.6,
        "fsc147": "Failed", "svt": 16.97, "celeba-smile": 66.36, "celeba-hair": 43.47, "lsp": "Failed",
        "binary-loc": 13.12,
    }),
    PublishedRow("mPLUG-owl (paper)", _PAPER, {
        "cifar10": 42.5, "voc2012": 0.158, "scienceqa": 36.39, "ai2d": 19.31, "flickr30k": 2.74, "ucmerced": 32.5,
        "fsc147": 60.67, "svt": 30.39, "celeba-smile": "Failed", "celeba-hair": 40.93, "lsp": "Failed",
        "binary-loc": 4.42,
    }),
    PublishedRow("Task SOTA (paper)", _PAPER, {
        "cifar10": 99.5, "voc2012": 97.2, "scienceqa": 92.53, "ai2d": "N/A", "flickr30k": 30.1, "ucmerced": 100,
        "fsc147": 10.79, "svt": 97.9, "celeba-smile": "N/A", "celeba-hair": "N/A", "lsp": 99.5,
        "scannet-det": 63.2, "scanrefer": 54.59, "scanqa": "N/A",
    }),
    PublishedRow("LAMM (ChEF leaderboard)", _CHEF, {
        "chef-cifar10": 80.70, "chef-flickr30k": 72.50, "chef-voc2012": 29.58, "chef-omnibenchmark": 22.54,
        "chef-fsc147": 19.33, "chef-scienceqa": 52.75, "chef-mmbench": 44.47, "chef-seedbench": 47.03,
        "chef-mme": 55.82,
    }),
    # ChEF's desiderata leaderboard: only Hallucination is a task's number (POPE's mean accuracy, shown x100 there:
    # 57.42); its Calibration column (76.36) combines both calibration tasks in a way the code does not say, and its
    # ICL column (40.17, a RIAM) is one dataset's or a mix: eval_icl.py runs the one recipe it is given (ScienceQA's
    # in ICL/evaluation.yaml) and the site names none, so neither chef-icl task gets it; its Ins. Follow column (40.01)
    # is a weighted_avg_MR or a weighted_avg_Acc (the site does not say which) of one dataset or a mix
    # (Insfollow/evaluation.yaml names MMBench's recipe), so neither chef-insfollow task gets it either
    PublishedRow("LAMM (ChEF desiderata leaderboard)", _CHEF, {"chef-pope": 0.5742}),
    PublishedRow("Random choice (ChEF)", _CHEF, {
        "chef-cifar10": 10.0, "chef-flickr30k": 25.00, "chef-voc2012": 25.00, "chef-omnibenchmark": 10.94,
        "chef-fsc147": 20.00, "chef-scienceqa": 35.80, "chef-mmbench": 27.57, "chef-seedbench": 24.27,
        "chef-mme": 50.00,
    }),
)  # fmt: skip


@dataclass(frozen=True)
class PaperColumn:
    """A column of a paper table: the task, the paper's label for it and whether higher is better."""

    task: str
    label: str
    higher_is_better: bool


@dataclass(frozen=True)
class ReferenceTable:
    """A published table: the group of lamm-bench tasks it is, its title, and its columns in the published order."""

    group: str
    title: str
    protocol: str
    """The protocol of its tasks (they share one)."""
    columns: tuple[PaperColumn, ...]


@functools.cache
def reference_tables() -> tuple[ReferenceTable, ...]:
    """The published tables (the LAMM paper's 2D and 3D tables, ChEF's scenario leaderboard), in the leaderboard's
    order, from what lamm-bench's built-in tasks declare (``REFERENCE_TABLES`` in ``tasks/groups.py``)."""
    from lamm_bench import registry
    from lamm_bench.metrics import higher_is_better

    tasks, groups = registry.builtin_tasks(), registry.builtin_groups()
    out = []
    for group, title in registry.builtin_reference_tables().items():
        specs = [tasks[name] for name in groups[group]]
        columns = tuple(PaperColumn(s.name, s.paper_metric[0], higher_is_better(s.paper_metric[1], s.metrics))
                        for s in specs)  # fmt: skip
        out.append(ReferenceTable(group, title, specs[0].protocol if specs else "paper", columns))
    return tuple(out)
