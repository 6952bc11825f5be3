"""The per-sample prediction row: one line of ``results/<model>/<task>.predictions.jsonl``, as a record.

Scoring makes a :class:`PredictionRow` per sample (the answer, what the metric parsed from it, the per-sample
scores, the flags); the runner adds what traces the score to its text and what the readers need, as the task
declares it (``runner.trace_rows``: the exact requests with a choice request's option scores, the media, the ground
truth, the primary metric's terms, the task's :class:`Overlay`); ``results.write_result`` writes ``to_json()``.
Every reader -- ``compare``, ``judge``, the leaderboard's site -- reads a file through :func:`read_prediction_rows`,
so a line that is not a row is the same ``UserError`` everywhere, naming the file and line: bytes that are not
UTF-8, text that is not JSON or nested too deeply (``lamm_bench.jsoncheck``), not an object, a missing, unknown or
mistyped field, a score, term or overlay number that is not finite, a ``media`` path that is absolute or leaves
the data root (``..``), an id seen on an earlier line.
A torn last line is one of these too: the file is written atomically, so a partial line is damage, not an
interrupted write (unlike the resumable store, ``lamm_bench.store``).

Keys, in the order they are written: ``id``, ``prediction``, ``parsed``, ``scores``, ``unparsed``, ``failed``
(every file); ``requests``, ``media``, ``target`` (every file since the site; absent, they read as empty); ``terms``
(tasks with ``primary_terms``); ``overlay`` (tasks that declare one, files written since it exists; a row without
it draws nothing). A request's ``assistant_prefix`` is written when it has one, ``options`` for a choice request
and ``option_scores`` when the adapter returned them; ``raw``, ``reasoning`` and ``cut_off`` when a reasoning block
was taken out of its answer (absent in files written before, and for answers without a block).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamm_bench.errors import UserError
from lamm_bench.jsoncheck import (check_fields, is_finite, json_type, load_json, numbers,
                                  relative_path_problem)

Point = tuple[float, float]


@dataclass(frozen=True)
class LabeledBox:
    """A box and what it is (``""`` when unnamed): ``[x1, y1, x2, y2]`` normalized to the image (2D), or
    ``[cx, cy, cz, l, w, h]`` in metres (3D). In a row: ``[label, [numbers]]``."""

    label: str
    box: tuple[float, ...]

    def to_json(self) -> list[Any]:
        return [self.label, list(self.box)]


@dataclass(frozen=True)
class Overlay:
    """What the prediction browser draws for a sample, as its task declares it (``TaskSpec.overlay``): ground-truth
    and predicted boxes, and points ``[x, y]`` normalized to the image. 2D boxes and points are drawn on the
    image; 3D boxes are listed side by side. Empty parts are left out of the row."""

    gt_boxes: tuple[LabeledBox, ...] = ()
    pred_boxes: tuple[LabeledBox, ...] = ()
    gt_points: tuple[Point, ...] = ()
    pred_points: tuple[Point, ...] = ()

    @classmethod
    def of(cls, *, gt_boxes: Iterable[tuple[str, Sequence[float]]] = (),
           pred_boxes: Iterable[tuple[str, Sequence[float]]] = (), gt_points: Iterable[Sequence[float]] = (),
           pred_points: Iterable[Sequence[float]] = ()) -> Overlay:  # fmt: skip
        """An overlay from (label, box) pairs and points, every number as a float."""

        def boxes(items: Iterable[tuple[str, Sequence[float]]]) -> tuple[LabeledBox, ...]:
            return tuple(LabeledBox(label, tuple(float(v) for v in box)) for label, box in items)

        def points(items: Iterable[Sequence[float]]) -> tuple[Point, ...]:
            return tuple((float(p[0]), float(p[1])) for p in items)

        return cls(boxes(gt_boxes), boxes(pred_boxes), points(gt_points), points(pred_points))

    def to_json(self) -> dict[str, list]:
        parts = {"gt_boxes": [b.to_json() for b in self.gt_boxes],
                 "pred_boxes": [b.to_json() for b in self.pred_boxes],
                 "gt_points": [list(p) for p in self.gt_points],
                 "pred_points": [list(p) for p in self.pred_points]}  # fmt: skip
        return {k: v for k, v in parts.items() if v}

    @classmethod
    def from_json(cls, d: Any, where: str) -> Overlay:
        """Read a row's ``overlay``; ``where`` names the file and line in the error."""
        if not isinstance(d, dict):
            raise UserError(f"{where}: field 'overlay' should be an object, found {json_type(d)}")
        unknown = sorted(set(d) - {"gt_boxes", "pred_boxes", "gt_points", "pred_points"})
        if unknown:
            raise UserError(f"{where}: unknown field 'overlay.{unknown[0]}'")
        boxes = {name: d.get(name, []) for name in ("gt_boxes", "pred_boxes")}
        for name, items in boxes.items():
            if not (isinstance(items, list) and all(isinstance(b, list) and len(b) == 2 and isinstance(b[0], str)
                                                    and numbers(b[1]) for b in items)):  # fmt: skip
                raise UserError(f"{where}: 'overlay.{name}' should be a list of [label, [numbers]]")
        points = {name: d.get(name, []) for name in ("gt_points", "pred_points")}
        for name, items in points.items():
            if not (isinstance(items, list) and all(numbers(p, 2) for p in items)):
                raise UserError(f"{where}: 'overlay.{name}' should be a list of [x, y] points")
        return cls.of(**boxes, **points)



@dataclass(frozen=True)
class RequestTrace:
    """One request the model was asked for the sample, exactly: key, system message, user text, the assistant
    prefix when there is one; for a choice request its options, the answer template around them (when it is not the
    bare ``{}``) and, when the adapter returned them, the score of each option (``Response.option_scores``:
    length-normalized log-likelihoods or similarity logits)."""

    key: str
    system: str
    text: str
    assistant_prefix: str = ""
    options: tuple[str, ...] | None = None
    """A choice request's options; None for a generate request."""
    option_scores: tuple[float, ...] | None = None
    option_template: str = "{}"
    """A choice request's answer template (``Request.option_template``)."""
    correct: int | None = None
    """The index of the right option, where the task declares it (``TaskSpec.correct_option``)."""
    raw: str | None = None
    """The answer as the model gave it, when a reasoning block was taken out of it (the row's ``prediction`` is
    made from what is left); None when nothing was stripped."""
    reasoning: str | None = None
    """The text of the block(s) taken out, without the tags."""
    cut_off: bool = False
    """True when the answer stopped inside its reasoning block: the sample is unanswered."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "system": self.system, "text": self.text}
        if self.assistant_prefix:
            out["assistant_prefix"] = self.assistant_prefix
        if self.options is not None:
            out["options"] = list(self.options)
        if self.option_scores is not None:
            out["option_scores"] = list(self.option_scores)
        if self.option_template != "{}":
            out["option_template"] = self.option_template
        if self.correct is not None:
            out["correct"] = self.correct
        if self.raw is not None:
            out["raw"] = self.raw
        if self.reasoning is not None:
            out["reasoning"] = self.reasoning
        if self.cut_off:
            out["cut_off"] = True
        return out

    @classmethod
    def from_json(cls, d: Any, where: str) -> RequestTrace:
        """Read one of a row's ``requests``; ``where`` names the file, line and request in the error."""
        if not isinstance(d, dict):
            raise UserError(f"{where}: should be an object, found {json_type(d)}")
        check_fields(d, {"key": str, "system": str, "text": str}, {"assistant_prefix": str, "options": list,
                                                                    "option_scores": list, "option_template": str,
                                                                    "correct": int, "raw": str, "reasoning": str,
                                                                    "cut_off": bool}, where)  # fmt: skip
        options, scores = d.get("options"), d.get("option_scores")
        if options is not None and not all(isinstance(o, str) for o in options):
            raise UserError(f"{where}: field 'options' should be a list of strings")
        # a log-likelihood may be -Infinity (an impossible option): any number, not only finite ones
        if scores is not None and not (numbers(scores, finite=False) and options is not None
                                       and len(scores) == len(options)):  # fmt: skip
            raise UserError(f"{where}: field 'option_scores' should be one number per option")
        correct = d.get("correct")
        if correct is not None and (isinstance(correct, bool) or options is None or not 0 <= correct < len(options)):
            raise UserError(f"{where}: field 'correct' should be the index of one of the options")
        return cls(d["key"], d["system"], d["text"], d.get("assistant_prefix", ""),
                   tuple(options) if options is not None else None,
                   tuple(scores) if scores is not None else None, d.get("option_template", "{}"), correct,
                   d.get("raw"), d.get("reasoning"), d.get("cut_off", False))  # fmt: skip


_ROW_REQUIRED = {"id": str, "prediction": (str, dict), "parsed": object, "scores": dict, "unparsed": bool,
                 "failed": bool}  # fmt: skip
_MEDIA_HINT = "a path relative to the data root, without .."
_ROW_OPTIONAL = {"requests": list, "media": list, "target": dict, "terms": list, "overlay": dict}


@dataclass(frozen=True)
class PredictionRow:
    """One sample's line of ``<task>.predictions.jsonl``."""

    id: str
    prediction: str | Mapping[str, str]
    """The answer (LSP: joint name -> answer), reasoning blocks taken out (each request's ``raw`` keeps the text as
    given); an unanswered sample's is empty."""
    parsed: Any = None
    """What the task's metric extracted from the answer (task-specific JSON)."""
    scores: Mapping[str, float] = field(default_factory=dict)
    """The per-sample values the task's ``aggregate`` pools."""
    unparsed: bool = False
    failed: bool = False
    """True when the model gave no answer (adapter failures); scored as an empty answer."""
    requests: tuple[RequestTrace, ...] = ()
    media: tuple[str, ...] = ()
    """The sample's images or point cloud, relative to the data root."""
    target: Mapping[str, Any] = field(default_factory=dict)
    """The meta-file record's ground-truth fields."""
    terms: tuple[float, float] | None = None
    """(numerator, denominator) of the primary metric, for tasks with ``primary_terms`` (paired comparisons)."""
    overlay: Overlay | None = None
    """What the prediction browser draws, for tasks that declare ``overlay``."""

    def to_json(self) -> dict[str, Any]:
        """The line's object, keys in the order the runner has always written them."""
        out = {"id": self.id, "prediction": self.prediction, "parsed": self.parsed, "scores": dict(self.scores),
               "unparsed": self.unparsed, "failed": self.failed, "requests": [r.to_json() for r in self.requests],
               "media": list(self.media), "target": dict(self.target)}  # fmt: skip
        if self.terms is not None:
            out["terms"] = list(self.terms)
        if self.overlay is not None:
            out["overlay"] = self.overlay.to_json()
        return out

    @classmethod
    def from_json(cls, d: Any, where: str) -> PredictionRow:
        """Read one line's object, checking every field; ``where`` (``file:line``) starts the ``UserError``."""
        if not isinstance(d, dict):
            raise UserError(f"{where}: expected a JSON object, found {json_type(d)}")
        check_fields(d, _ROW_REQUIRED, _ROW_OPTIONAL, where)
        if isinstance(d["prediction"], dict) and not all(isinstance(v, str) for v in d["prediction"].values()):
            raise UserError(f"{where}: field 'prediction' should be a string or an object of strings")
        if not all(map(is_finite, d["scores"].values())):
            raise UserError(f"{where}: field 'scores' should map names to numbers (finite ones)")
        for media in d.get("media", ()):
            problem = relative_path_problem(media) if isinstance(media, str) else "is not a string"
            if problem:
                shown = repr(media)[:60] if isinstance(media, str) else json_type(media)
                raise UserError(f"{where}: field 'media' should be a list of paths ({_MEDIA_HINT}); {shown} {problem}")
        if "terms" in d and not numbers(d["terms"], 2):
            raise UserError(f"{where}: field 'terms' should be [numerator, denominator] (finite numbers)")
        requests = tuple(RequestTrace.from_json(r, f"{where}: requests[{i}]") for i, r in enumerate(d.get("requests", ())))
        return cls(
            id=d["id"], prediction=d["prediction"], parsed=d["parsed"], scores=d["scores"], unparsed=d["unparsed"],
            failed=d["failed"], requests=requests, media=tuple(d.get("media", ())), target=d.get("target", {}),
            terms=tuple(d["terms"]) if "terms" in d else None,
            overlay=Overlay.from_json(d["overlay"], where) if "overlay" in d else None,
        )  # fmt: skip


def prediction_line(row: PredictionRow) -> str:
    """The row as one line of a predictions file (with its newline)."""
    return json.dumps(row.to_json(), ensure_ascii=False, default=str) + "\n"


def read_prediction_rows(path: Path) -> list[PredictionRow]:
    """Every row of a ``<task>.predictions.jsonl`` file, in file order; any line that is not a row (see the module
    docstring) is a ``UserError`` naming ``path:line``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    rows: list[PredictionRow] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        where = f"{path}:{number}"
        row = PredictionRow.from_json(load_json(raw, where), where)
        if row.id in seen:
            raise UserError(f"{where}: sample id {row.id!r} was already on line {seen[row.id]}")
        seen[row.id] = number
        rows.append(row)
    return rows
