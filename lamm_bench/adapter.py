"""The model-adapter contract: a typed base class; list of requests in, list of responses out, same length and order.

An adapter is one class deriving from :class:`Adapter`. It is constructed from a mapping of string arguments
(``--model-arg k=v``) without side effects, loads its weights only when :meth:`Adapter.load` is called, and never
sees task internals: each request carries its resolved media paths. ``capabilities`` tells the runner what the
adapter can take, so an unsupported task is refused before any inference starts, and :meth:`Adapter.refuse` can
refuse a single request on finer grounds (CLIP and free text), also before any weight loads.

Media: the runner always calls ``generate(requests, media)`` / ``score_choices(requests, media)``. An adapter that
reads pixels or points sets ``media = DECODED``; the runner then decodes each batch's images and reads its point
clouds (the next batch's in a background thread, unless prefetch is off) and passes them as a
:class:`lamm_bench.media.Media` record (path -> decoded image / point cloud). Any other adapter (``media = PATHS``,
the default) gets ``media=None`` and opens files itself, if at all; nothing is decoded for it.

Adapters written before this base class existed (a plain class with ``capabilities``, ``load``, ``describe`` and
``generate(requests)``) still run: :func:`as_adapter` wraps them, with one warning saying what to change.
"""

from __future__ import annotations

import abc
import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lamm_bench.errors import UserError
from lamm_bench.records import Request, Response

if TYPE_CHECKING:
    from lamm_bench.media import Media

log = logging.getLogger(__name__)

GENERATE = "generate"
CHOICE = "choice"
IMAGE = "image"
POINT_CLOUD = "point_cloud"
CAPABILITIES = frozenset({GENERATE, CHOICE, IMAGE, POINT_CLOUD})
"""Everything an adapter can declare in ``capabilities``."""

PATHS = "paths"
"""``Adapter.media`` default: the adapter gets the requests' paths only (and opens files itself, if at all)."""
DECODED = "decoded"
"""``Adapter.media = DECODED``: the runner hands each batch's decoded media to ``generate``/``score_choices``."""


class Adapter(abc.ABC):
    """What the runner needs from a model. Subclass it, set ``capabilities`` (and ``media`` if you read pixels or
    points), implement :meth:`load`, :meth:`describe` and whichever of :meth:`generate` / :meth:`score_choices`
    your capabilities promise."""

    capabilities: frozenset[str] = frozenset()
    """Subset of :data:`CAPABILITIES`. An adapter whose capabilities depend on its arguments (the LAMM model: image
    or point cloud) may set it on the instance in ``__init__``."""
    media: str = PATHS
    """:data:`PATHS` (the default) or :data:`DECODED` (see the module docstring)."""

    @abc.abstractmethod
    def load(self) -> None:
        """Load weights (or connect); raise ``MissingWeightsError`` naming what is missing and where."""

    @abc.abstractmethod
    def describe(self) -> Mapping[str, object]:
        """The settings that change answers (weights, dtype, ...), for the model fingerprint. No side effects."""

    def generate(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Answer ``generate`` requests, one response per request, in order (``media``: the batch's decoded media
        for a ``DECODED`` adapter, else None)."""
        raise NotImplementedError(f"{type(self).__name__} does not generate text (capabilities: "
                                  f"{', '.join(sorted(self.capabilities))})")  # fmt: skip

    def score_choices(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        """Score ``choice`` requests: one response per request with ``option_scores`` (one per option) and the
        chosen option as ``text``."""
        raise NotImplementedError(f"{type(self).__name__} does not score choices (capabilities: "
                                  f"{', '.join(sorted(self.capabilities))})")  # fmt: skip

    def refuse(self, request: Request) -> str | None:
        """Why this adapter cannot answer ``request`` (asked about each task's first request before any weights
        load), or None. The default refuses nothing beyond what ``capabilities`` says."""
        return None


def wants_decoded_media(adapter: Adapter) -> bool:
    """Whether ``adapter`` asked for decoded media (``media = DECODED``).

    Raises:
        ValueError: ``media`` is set to something else (a bug in the adapter).
    """
    kind = adapter.media
    if kind not in (PATHS, DECODED):
        raise ValueError(f"{type(adapter).__name__}.media must be {PATHS!r} or {DECODED!r}, not {kind!r}")
    return kind == DECODED


_OLD_CONTRACT = ("capabilities", "load", "describe", "generate")


class LegacyAdapter(Adapter):
    """An adapter written against the contract before :class:`Adapter` (a plain class whose ``generate`` and
    ``score_choices`` take ``media`` only when it set ``media = "decoded"``), run unchanged."""

    def __init__(self, inner: object):
        self.inner = inner
        self.capabilities = frozenset(inner.capabilities)  # type: ignore[attr-defined,misc]
        self.media = getattr(inner, "media", PATHS)  # type: ignore[misc]
        self._passes_media = self.media == DECODED

    def load(self) -> None:
        self.inner.load()  # type: ignore[attr-defined]

    def describe(self) -> Mapping[str, object]:
        return self.inner.describe()  # type: ignore[attr-defined]

    def _call(self, method: str, requests: Sequence[Request], media: Media | None) -> list[Response]:
        call = getattr(self.inner, method, None)
        if call is None:
            return getattr(super(), method)(requests, media)
        return call(requests, media=media) if self._passes_media else call(requests)

    def generate(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        return self._call("generate", requests, media)

    def score_choices(self, requests: Sequence[Request], media: Media | None = None) -> list[Response]:
        return self._call("score_choices", requests, media)

    def refuse(self, request: Request) -> str | None:
        refuse = getattr(self.inner, "refuse", None)
        return refuse(request) if refuse is not None else None


def as_adapter(obj: object, name: str) -> Adapter:
    """``obj`` as an :class:`Adapter`: itself when it is one; an adapter of the older plain-class contract wrapped
    in :class:`LegacyAdapter` (with one warning saying what to change); anything else is refused.

    Raises:
        UserError: ``obj`` is not an adapter (one line naming it and what to change), or declares capabilities
            that do not exist.
    """
    where = f"adapter {name!r} ({type(obj).__module__}.{type(obj).__qualname__})"
    if isinstance(obj, Adapter):
        adapter = obj
    else:
        missing = [a for a in _OLD_CONTRACT if not hasattr(obj, a)]
        if missing:
            raise UserError(f"{where} is not a lamm-bench adapter: subclass lamm_bench.Adapter and define "
                            f"{', '.join(missing)}")  # fmt: skip
        log.warning("%s does not subclass lamm_bench.Adapter; it runs through a compatibility wrapper. Subclass "
                    "lamm_bench.Adapter and give generate/score_choices a `media=None` parameter", where)  # fmt: skip
        adapter = LegacyAdapter(obj)
    for method in ("generate", "score_choices"):
        if not _takes_media(getattr(adapter, method)):
            raise UserError(f"{where}: {method}() must take the batch's media: "
                            f"def {method}(self, requests, media=None)")  # fmt: skip
    unknown = set(adapter.capabilities) - CAPABILITIES
    if unknown:
        raise UserError(f"{where} declares unknown capabilities {sorted(unknown)}; choose from {sorted(CAPABILITIES)}")
    if adapter.media not in (PATHS, DECODED):
        raise UserError(f"{where}: media must be {PATHS!r} or {DECODED!r}, not {adapter.media!r}")
    return adapter


def _takes_media(method: object) -> bool:
    """Whether ``method(requests, media)`` can be called (a ``media`` parameter, a second positional one, or
    ``*args``)."""
    try:
        parameters = list(inspect.signature(method).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):  # a builtin or C callable: trust it
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in parameters)


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
