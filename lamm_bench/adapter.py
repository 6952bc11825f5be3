"""The model-adapter contract: list of requests in, list of responses out, same length and order.

An adapter is one class. It is constructed from a mapping of string arguments (``--model-arg k=v``) without
side effects, loads its weights only when :meth:`Adapter.load` is called, and never sees task internals: each
request carries its resolved media paths. ``capabilities`` tells the runner what the adapter can take, so an
unsupported task is refused before any inference starts.

Media: an adapter that reads pixels or points sets ``media = "decoded"``; the runner then decodes each batch's
images and reads its point clouds (the next batch's in a background thread, unless prefetch is off) and calls
``generate(requests, media=...)`` / ``score_choices(requests, media=...)`` with a
:class:`lamm_bench.media.Media` record (path -> decoded image / point cloud). Any other adapter (no ``media``
attribute, or ``media = "paths"``) is called with the requests alone, exactly as before, and nothing is decoded
for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from lamm_bench.records import Request, Response

GENERATE = "generate"
CHOICE = "choice"
IMAGE = "image"
POINT_CLOUD = "point_cloud"

PATHS = "paths"
"""``Adapter.media`` default: the adapter gets the requests' paths only (and opens files itself, if at all)."""
DECODED = "decoded"
"""``Adapter.media = DECODED``: the runner hands each batch's decoded media to ``generate``/``score_choices``."""


@runtime_checkable
class Adapter(Protocol):
    """What the runner needs from a model."""

    capabilities: frozenset[str]
    """Subset of ``{"generate", "choice", "image", "point_cloud"}``."""

    def load(self) -> None:
        """Load weights (or connect); raise ``MissingWeightsError`` naming what is missing and where."""

    def generate(self, requests: Sequence[Request]) -> list[Response]:
        """Answer ``generate`` requests, one response per request, in order.

        An adapter with ``media = "decoded"`` takes ``media: Media | None = None`` too (None: decode on the spot).
        """

    def score_choices(self, requests: Sequence[Request]) -> list[Response]:
        """Score ``choice`` requests: ``option_scores`` per request (raise if unsupported); ``media`` as above."""

    def describe(self) -> Mapping[str, object]:
        """The settings that change answers (weights, dtype, ...), for the model fingerprint."""

    # Optional: ``media = "decoded"`` -- hand me each batch's decoded media (see the module docstring); absent or
    # ``"paths"``: paths only.
    # Optional: ``refuse(request) -> str | None`` -- why a request cannot be answered (e.g. CLIP and free text);
    # the runner asks it about each task's first request before any weights are loaded.


def wants_decoded_media(adapter: object) -> bool:
    """Whether ``adapter`` asked for decoded media (``media = "decoded"``); an adapter that says nothing did not.

    Raises:
        ValueError: ``media`` is set to something else (a bug in the adapter).
    """
    kind = getattr(adapter, "media", PATHS)
    if kind not in (PATHS, DECODED):
        raise ValueError(f"{type(adapter).__name__}.media must be {PATHS!r} or {DECODED!r}, not {kind!r}")
    return kind == DECODED


@dataclass(frozen=True)
class ModelCard:
    """A named, ready-to-run model: which adapter, with which default arguments."""

    name: str
    """What users type after ``--model``."""
    adapter: str
    """The adapter's registry name."""
    args: Mapping[str, str] = field(default_factory=dict)
    """Default adapter arguments (overridden by ``--model-arg``)."""
    description: str = ""
    """One line for ``lamm-bench list models``."""
    files: tuple[str, ...] = ()
    """The weight files/directories the card needs, for the missing-weights message and the list."""


def config_from_args(config_cls: type, args: Mapping[str, object], *, adapter: str):
    """Build an adapter's frozen config dataclass from ``--model-arg`` strings.

    Values are converted to the field's annotated type (``int``, ``float``, ``bool``, ``str`` or
    ``X | None``); unknown keys and unconvertible values raise ``UserError`` naming the adapter and key.
    """
    import dataclasses
    import typing

    from lamm_bench.errors import UserError

    hints = typing.get_type_hints(config_cls)
    known = {f.name for f in dataclasses.fields(config_cls)}
    values: dict[str, object] = {}
    for key, raw in args.items():
        if key not in known:
            raise UserError(f"adapter {adapter!r} has no argument {key!r}; it takes: {', '.join(sorted(known))}")
        values[key] = _convert(raw, hints[key], adapter=adapter, key=key)
    return config_cls(**values)


def _convert(raw: object, hint: object, *, adapter: str, key: str) -> object:
    import types
    import typing

    from lamm_bench.errors import UserError

    if not isinstance(raw, str):
        return raw
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    if type(None) in options and raw.lower() in ("", "none", "null"):
        return None
    target = next((t for t in options if t is not type(None)), str)
    try:
        if target is bool:
            lowered = raw.lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return lowered in ("1", "true", "yes")
        if target in (int, float, str):
            return target(raw)
    except ValueError:
        raise UserError(f"adapter {adapter!r}: argument {key}={raw!r} is not a valid {target.__name__}") from None
    return raw
