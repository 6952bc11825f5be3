"""The prediction browser's robustness view: a corrupted sample's clean and corrupted input side by side.

Two kinds of rows get one (:func:`robust_view`):

- a row whose ``target`` holds ``clean`` -- ``{"question", "image"}``, the clean item the corrupted one was made
  from (``chef-robust-*``, runs ``ic``, ``tc`` and ``ictc``): the clean image's thumbnail beside the row's own when
  the two paths differ, and, when the questions differ, both texts with the changed words marked
  (:func:`word_diff`); each corrupted side is captioned with the corruption's name and severity where the row's
  ``target["corruption"]`` records them (generated inputs, ``lamm_bench.corruptions``), else as ChEF's precomputed
  copy where the result's ``corruption_source`` setting says so;
- a row whose ``target["run"]`` names a run of the result's ``corruptions`` setting (``{run: {"kind", "severity"}}``,
  ``robust3d-*``): the point cloud as the model was given it in the clean run and in this run, both drawn from the
  data root with the result's ``num_points`` and seed (:meth:`MediaMaker.model_input_view`), the corruption's name
  and severity under the corrupted one.

A result file is input: the clean image's path must be relative and stay below the data root (absolute paths and
``..`` are refused, as the row reader refuses them in ``media``; what a symbolic link could still reach
:class:`MediaMaker` refuses), a corruption of an unknown kind, a severity that is not a finite number or a point
count out of range draws nothing, and every text reaches the page as text (the browser sets ``textContent``).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

from lamm_bench.jsoncheck import relative_path_problem
from lamm_bench.records import PointCorruption
from lamm_bench.rows import PredictionRow
from lamm_bench.site.media import MediaMaker

MAX_POINTS = 1_000_000
"""The most points a robustness row's cloud is drawn with (a result file's ``num_points`` is input)."""
TOKEN = re.compile(r"\S+|\s+")
"""A word (anything between white space) or a run of white space."""


def word_diff(clean: str, corrupted: str) -> tuple[list[list[Any]], list[list[Any]]]:
    """Both texts as segments ``[text, changed]`` (``changed`` 1 or 0): the word sequences are compared with
    :class:`difflib.SequenceMatcher` (words as whole tokens, no junk heuristic); a word of a replaced, deleted or
    inserted block is changed, white space never is. A side's segments joined give its text back."""
    a, b = TOKEN.findall(clean), TOKEN.findall(corrupted)
    sides: tuple[list[list[Any]], list[list[Any]]] = ([], [])
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        _add(sides[0], a[i1:i2], op != "equal")
        _add(sides[1], b[j1:j2], op != "equal")
    return sides


def _add(side: list[list[Any]], tokens: list[str], changed: bool) -> None:
    for token in tokens:
        flag = int(changed and not token.isspace())
        if side and side[-1][1] == flag:
            side[-1][0] += token
        else:
            side.append([token, flag])


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def corruption_label(info: Any) -> str:
    """``name, severity s`` from a recorded corruption (``{"name"|"kind", "severity"}``), or ``""``."""
    if not isinstance(info, Mapping):
        return ""
    name = info.get("name", info.get("kind"))
    if not isinstance(name, str) or not _finite(info.get("severity")):
        return ""
    return f"{name[:80]}, severity {info['severity']:g}"


def _entry(picture: dict[str, Any] | None, path: str, caption: str) -> dict[str, Any]:
    return {**picture, "path": path, "caption": caption} if picture else {"missing": path, "caption": caption}


def _view_2d(row: PredictionRow, clean: Mapping[str, Any], maker: MediaMaker,
             settings: Mapping[str, Any]) -> dict[str, Any] | None:  # fmt: skip
    recorded = row.target.get("corruption")
    recorded = recorded if isinstance(recorded, Mapping) else {}
    copied = settings.get("corruption_source") == "chef-files"

    def caption(kind: str) -> str:
        label = corruption_label(recorded.get(kind)) or ("ChEF's precomputed copy" if copied else "")
        return f"corrupted: {label}" if label else "corrupted"

    view: dict[str, Any] = {}
    image = clean.get("image")
    if isinstance(image, str) and row.media and image != row.media[0]:
        problem = relative_path_problem(image)
        first = (
            {"missing": image[:200], "caption": "clean", "refused": f"not drawn: the path {problem}"} if problem
            else _entry(maker.picture(image), image, "clean")
        )  # fmt: skip
        view["pair"] = [first, _entry(maker.picture(row.media[0]), row.media[0], caption("image"))]
    question, asked = clean.get("question"), row.target.get("question")
    if isinstance(question, str) and isinstance(asked, str) and question != asked:
        before, after = word_diff(question, asked)
        view["diff"] = {"clean": before, "corrupted": after, "caption": caption("text")}
    return view or None


def point_corruption(info: Any) -> PointCorruption | None:
    """A recorded point-cloud corruption (``{"kind", "severity"}``) of a known kind with a finite severity, or
    None."""
    from lamm_bench.pointcorrupt import CORRUPTIONS

    if not isinstance(info, Mapping) or info.get("kind") not in CORRUPTIONS or not _finite(info.get("severity")):
        return None
    return PointCorruption(info["kind"], float(info["severity"]))


def _view_3d(row: PredictionRow, maker: MediaMaker, settings: Mapping[str, Any], seed: Any) -> dict[str, Any] | None:
    run, runs, num_points = row.target.get("run"), settings.get("corruptions"), settings.get("num_points")
    if not (isinstance(run, str) and isinstance(runs, Mapping) and run in runs and len(row.media) == 1
            and row.media[0].endswith(".npy") and type(seed) is int and type(num_points) is int
            and 0 < num_points <= MAX_POINTS):  # fmt: skip
        return None
    corruption = point_corruption(runs[run])
    if corruption is None:
        return None
    path = row.media[0]
    clean = maker.model_input_view(path, num_points=num_points, seed=seed, corruption=None)
    corrupted = maker.model_input_view(path, num_points=num_points, seed=seed, corruption=corruption)
    caption = f"corrupted: {corruption_label(runs[run])}"
    return {"pair": [_entry(clean, path, f"clean ({num_points:,} points, seed {seed})"),
                     _entry(corrupted, path, caption)]}  # fmt: skip


def robust_view(row: PredictionRow, maker: MediaMaker, settings: Mapping[str, Any], seed: Any) -> dict[str, Any] | None:
    """The page's ``robust`` view of a row (see the module docstring), or None for a row that is not a corrupted
    one: ``pair``, ``[clean, corrupted]`` pictures (each ``src``, ``w``, ``h``, ``path`` and ``caption``; or
    ``missing``, the path, with ``refused`` when the path was not even looked for), and ``diff``, the two questions
    as :func:`word_diff` segments with the corrupted side's ``caption``. ``settings`` and ``seed`` are the result's."""
    clean = row.target.get("clean")
    if isinstance(clean, Mapping):
        return _view_2d(row, clean, maker, settings)
    return _view_3d(row, maker, settings, seed)
