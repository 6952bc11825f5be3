"""Reading JSON that lamm-bench wrote and reads back, as untrusted input: one loader and one field checker.

Result files, predictions rows, store lines, the site's media index and meta files are passed around, merged from
colleagues and downloaded, so every reader of them (``lamm_bench.results``, ``lamm_bench.rows``,
``lamm_bench.store``, ``lamm_bench.site.media``, ``lamm_bench.data``, ``lamm_bench.predictions``) parses with
:func:`load_json` and checks each object with :func:`check_fields`: bytes that are not UTF-8, text that is not JSON,
nesting deeper than :data:`MAX_DEPTH`, (where asked) ``NaN``/``Infinity``, a missing, unknown or mistyped field, or a
value out of range (a :class:`Kind`: a negative count, an infinite metric) is a ``UserError`` of one line that
starts with the file (and line) and names the field.

Plain checks rather than a validation library (pydantic, msgspec): the records are already frozen dataclasses
built from JSON by hand, each field needs a type and at most a range, and every refusal must be lamm-bench's one
line naming file, line and field; a library would add a dependency, a second schema beside the dataclasses, and
multi-line errors to translate. The predictions-row reader already worked this way; the others now do too.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from lamm_bench.errors import UserError

MAX_DEPTH = 64
"""Deepest nesting of lists and objects accepted (lamm-bench writes at most about 6 levels); deeper JSON would
exhaust Python's recursion later, when it is written into the site or compared."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:30]} is too large")
    return value


def load_json(raw: bytes | str, where: str, *, finite: bool = False) -> Any:
    """Parse one JSON document (a whole file, or one line of a JSONL file).

    Args:
        raw: The bytes (decoded as UTF-8) or text.
        where: The file (``path`` or ``path:line``) that starts the error message.
        finite: Refuse ``NaN``, ``Infinity`` and numbers too large for a float (result files: every number in one
            is a count or a measurement).

    Raises:
        UserError: not UTF-8, not JSON, or nested deeper than :data:`MAX_DEPTH`.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise UserError(f"{where}: not UTF-8 text (byte {exc.start + 1})") from None
    hooks = {"parse_constant": _refuse_constant, "parse_float": _finite_float} if finite else {}
    try:
        value = json.loads(text, **hooks)
    except RecursionError:
        raise UserError(f"{where}: not valid JSON (nested more than {MAX_DEPTH} levels deep)") from None
    except ValueError as exc:
        raise UserError(f"{where}: not valid JSON ({exc})") from None
    if not within_depth(value, MAX_DEPTH):
        raise UserError(f"{where}: not valid JSON (nested more than {MAX_DEPTH} levels deep)")
    if _SURROGATE_ESCAPE.search(text) and _holds_lone_surrogate(value):
        raise UserError(f"{where}: not valid JSON (a string holds a lone UTF-16 surrogate, which is no character)")
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_lone_surrogate(value: Any) -> bool:
    """Whether a string (or object key) in ``value`` holds a surrogate that no pair made a character: such text
    cannot be written as UTF-8, so it would fail only later, when a page is written."""
    level = [value]
    while level:
        strings = [v for v in level if isinstance(v, str)]
        if any(_LONE_SURROGATE.search(v) for v in strings):
            return True
        level = [child for item in level if isinstance(item, (dict, list))
                 for child in (list(item) + list(item.values()) if isinstance(item, dict) else item)]  # fmt: skip
    return False


def within_depth(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects at most ``limit`` levels deep (walked without recursion)."""
    level, depth = ([value] if isinstance(value, (dict, list)) else []), 1
    while level:  # one level at a time: no recursion, and no bookkeeping per value
        if depth > limit:
            return False
        level = [child for item in level for child in (item.values() if isinstance(item, dict) else item)
                 if isinstance(child, (dict, list))]  # fmt: skip
        depth += 1
    return True


def is_number(value: Any) -> bool:
    """An int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite(value: Any) -> bool:
    """A number that is neither NaN nor infinite, and (an int) fits a float."""
    if not is_number(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond the float range
        return False


def numbers(value: Any, n: int | None = None, *, finite: bool = True) -> bool:
    """A list of (finite) numbers, of length ``n`` when given."""
    test = is_finite if finite else is_number
    return isinstance(value, list) and (n is None or len(value) == n) and all(map(test, value))


@dataclass(frozen=True)
class Kind:
    """A field's value check beyond its JSON type, and how a message says what is wanted."""

    wanted: str
    """``"a non-negative integer"``: the message says ``should be a non-negative integer``."""
    test: Callable[[Any], bool]


COUNT = Kind("a non-negative integer", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0)
FINITE = Kind("a finite number", is_finite)
FINITE_OR_NULL = Kind("a finite number or null", lambda v: v is None or is_finite(v))
COUNT_OR_NULL = Kind("a non-negative integer or null", lambda v: v is None or COUNT.test(v))

FieldKind = type | tuple[type, ...] | Kind
"""A field's check: JSON type(s) (``object`` for any value; a bool is never an int) or a :class:`Kind`."""


def json_type(value: Any) -> str:
    """The JSON name of a value's type (``string``, ``number``, ``object``, ...)."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


_JSON_TYPES = {str: "string", dict: "object", list: "list", bool: "boolean", int: "number", float: "number",
               type(None): "null"}  # fmt: skip


def _shown(value: Any) -> str:
    """A value as a message shows it: a number or bool as written, anything else by its JSON type."""
    if is_number(value) or isinstance(value, bool) or value is None:
        text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else repr(value)
        return text if len(text) <= 30 else text[:27] + "..."
    return json_type(value)


def fits(value: Any, kind: FieldKind) -> bool:
    """Whether ``value`` passes ``kind``."""
    if isinstance(kind, Kind):
        return kind.test(value)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds and object not in kinds:
        return False
    return isinstance(value, kinds)


def wanted(kind: FieldKind) -> str:
    """What a message says a field should be."""
    if isinstance(kind, Kind):
        return kind.wanted
    return " or ".join(_JSON_TYPES[k] for k in (kind if isinstance(kind, tuple) else (kind,)))


def check_fields(d: Mapping[str, Any], required: Mapping[str, FieldKind], optional: Mapping[str, FieldKind],
                 where: str, *, prefix: str = "", others: bool = False) -> None:  # fmt: skip
    """Every required field present, no unknown field (unless ``others``), each passing its check.

    Args:
        prefix: Written before each field's name in the message (``"task."``: ``field 'task.n_samples'``).

    Raises:
        UserError: ``"<where>: missing field 'x'"``, ``"<where>: unknown field 'x'"`` or
            ``"<where>: field 'x' should be <wanted>, found <its JSON type>"`` (a :class:`Kind`'s: the value).
    """
    missing = [k for k in required if k not in d]
    if missing:
        raise UserError(f"{where}: missing field {prefix + missing[0]!r}")
    unknown = sorted(set(d) - set(required) - set(optional))
    if unknown and not others:
        raise UserError(f"{where}: unknown field {prefix + unknown[0]!r}")
    for name, kind in {**required, **optional}.items():
        if name in d and not fits(d[name], kind):
            found = _shown(d[name]) if isinstance(kind, Kind) else json_type(d[name])
            raise UserError(f"{where}: field {prefix + name!r} should be {wanted(kind)}, found {found}")


def check_values(d: Mapping[str, Any], kind: FieldKind, where: str, *, field: str) -> None:
    """Every value of the object ``d`` (field ``field`` of its file) passes ``kind``.

    Raises:
        UserError: ``"<where>: field '<field>.<name>' should be <wanted>, found ..."``.
    """
    for name, value in d.items():
        if not fits(value, kind):
            found = _shown(value) if isinstance(kind, Kind) else json_type(value)
            shown = name if len(name) <= 40 else name[:37] + "..."
            raise UserError(f"{where}: field {f'{field}.{shown}'!r} should be {wanted(kind)}, found {found}")


def relative_path_problem(path: str) -> str | None:
    """Why ``path`` cannot name a file below a folder (a data root), or None: it must be relative (on POSIX and on
    Windows), non-empty, without ``..`` and without a NUL character."""
    if not path or "\0" in path:
        return "is empty or holds a NUL character"
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).anchor:
        return "is absolute"
    if ".." in PurePosixPath(path).parts or ".." in PureWindowsPath(path).parts:
        return "leaves its folder (..)"
    return None
