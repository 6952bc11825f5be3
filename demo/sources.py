"""Where lamm-mini gets each LAMM meta file: :data:`SOURCES`, keyed by the meta file's path under the data root.

The keys are the paths the tasks read (``TaskSpec.meta_files``); the builder (:mod:`lamm_bench.demo.build`) looks
each task's meta files up here, and ``tests/demo`` checks that every built-in task's meta files have a source. The
2D sources are in :mod:`lamm_bench.demo.sources2d`, the 3D ones in :mod:`lamm_bench.demo.sources3d`, and those of
ChEF's own dataset formats (keyed by their paths under the data root, e.g. ``MMBench/mmbench_dev_20230712.tsv``) in
:mod:`lamm_bench.demo.sources_chef`, POPE's in :mod:`lamm_bench.demo.sources_pope` (read by ``chef-pope``; on the
benchmark side only: their train records stay out of the train split, which the tiny cards are trained on). Every
source here is read by a built-in task.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from lamm_bench.demo.contract import MiniSource
from lamm_bench.demo.sources2d import SOURCES_2D
from lamm_bench.demo.sources3d import SOURCES_3D
from lamm_bench.demo.sources_chef import SOURCES_CHEF
from lamm_bench.demo.sources_pope import POPE_SOURCES
from lamm_bench.demo.sources_robust import ROBUST_SOURCES

SOURCES: Mapping[str, MiniSource] = {
    **SOURCES_2D, **SOURCES_3D, **SOURCES_CHEF,
    **{path: dataclasses.replace(source, n_train=0) for path, source in POPE_SOURCES.items()}, **ROBUST_SOURCES,
}  # fmt: skip
"""Meta file (as in ``TaskSpec.meta_files``, e.g. ``2D_Benchmark/meta_file/Classification_CIFAR10.json``) -> the
lamm-mini source that writes it."""
