"""The records that flow through lamm-bench, one direction only.

``Sample`` (one meta-file record) -> ``Request`` (model-agnostic input) -> ``Response`` (model output) ->
prediction (the task's assembled answer text, or a mapping for multi-request tasks such as LSP) ->
``SampleScore`` -> task metrics. All records are frozen dataclasses with named fields; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

RequestKind = Literal["generate", "choice"]
ChoiceScoring = Literal["shared", "naive"]
"""How an adapter scores a choice request's options: ``shared`` (the image and the prompt encoded once, every
option scored from that prefix) or ``naive`` (one full forward per option, for checking; the same scores)."""


@dataclass(frozen=True)
class GenerationSettings:
    """How an adapter should decode a ``generate`` request."""

    max_new_tokens: int = 400
    """Upper bound on generated tokens (paper-era 2D used 400, 3D 800; ChEF recipes 16/128/256)."""
    do_sample: bool = False
    """Greedy by default; the paper-era LAMM inference sampled (top_p 0.9, temperature 1.0, and transformers'
    default top_k 50)."""
    temperature: float = 1.0
    """Sampling temperature (ignored when ``do_sample`` is false)."""
    top_p: float = 1.0
    """Nucleus sampling mass (ignored when ``do_sample`` is false)."""
    top_k: int = 0
    """Keep only the ``top_k`` most likely tokens before the nucleus cut; 0 = off (ignored when ``do_sample`` is
    false). Hugging Face's order: temperature, then top-k, then top-p."""
    stop: tuple[str, ...] = ("###",)
    """Strings at which generation stops; the returned text is cut before the first of them."""


@dataclass(frozen=True)
class Sample:
    """One record of a LAMM meta file, with its media resolved to absolute paths."""

    id: str
    """``str(record["id"])`` if present, else the record's index; ``<meta stem>:<id>`` for pooled tasks."""
    source: str
    """Stem of the meta file the record came from, e.g. ``VQA_SQAimage``."""
    query: str
    """The record's ``query`` (the user instruction)."""
    target: Mapping[str, Any]
    """The ground-truth fields of the record (e.g. ``label``, ``gt_choice``/``gt_choices``, ``object``)."""
    images: tuple[str, ...] = ()
    """Absolute image paths (2D tasks)."""
    point_cloud: str | None = None
    """Absolute ``.npy`` path (3D tasks)."""


@dataclass(frozen=True)
class PointCorruption:
    """A corruption of a request's point cloud (the 3D robustness desideratum; :mod:`lamm_bench.pointcorrupt`),
    applied by the adapter's media accessor after the protocol's point sampling."""

    kind: str
    """``jitter``, ``dropout``, ``rotate_z``, ``density`` or ``colour``."""
    severity: float
    """The kind's own unit: jitter sigma (metres), the share of points dropped (dropout, density), the largest
    rotation (degrees), the largest colour offset (0-255)."""


@dataclass(frozen=True)
class Request:
    """A model-agnostic request: what to ask, with which media. Chat templates belong to the adapter."""

    sample_id: str
    """The sample this request belongs to."""
    kind: RequestKind
    """``generate`` (free text) or ``choice`` (score each of ``options``)."""
    system: str | None
    """The system message (LAMM's, verbatim). A task's stages leave it None: the runner stamps the task's own
    (``TaskSpec.system_for``) before any adapter sees the request. A stage sets it only for a request whose system
    text differs from the task's."""
    text: str
    """The user turn's text."""
    images: tuple[str, ...] = ()
    """Resolved image paths."""
    point_cloud: str | None = None
    """Resolved point-cloud path."""
    options: tuple[str, ...] = ()
    """Candidate answers: required for ``choice``; for ``generate`` an optional closed label set that a
    choice-only adapter (e.g. CLIP zero-shot) may pick from."""
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    """Decoding settings for ``generate``."""
    key: str = ""
    """Which sub-request of the sample this is (e.g. ``reasoning``/``answer``, or an LSP joint name)."""
    assistant_prefix: str = ""
    """Text the assistant turn starts with (continued, not repeated, by the model). A choice request's answer turn
    is ``assistant_prefix + fill_option(option_template, option)`` (ChEF: a CoT answer's text and a newline, then the
    answer template)."""
    option_template: str = "{}"
    """For ``choice``: the answer template around each option, ``{}`` standing for it (ChEF's
    ``The answer is {}``). The option's own tokens inside the filled answer are what is scored."""
    choice_scoring: ChoiceScoring = "shared"
    """For ``choice``: ``shared`` or ``naive`` scoring (the run's ``--choice-scoring``, stamped by the runner)."""
    num_points: int | None = None
    """For point clouds: how many points the adapter should sample (LAMM: 40,000)."""
    point_corruption: PointCorruption | None = None
    """For point clouds: a corruption to apply to the sampled points (``robust3d-*``), seeded by :attr:`seed`; None
    for the clean cloud. An adapter that reads point clouds itself applies it with
    :func:`lamm_bench.pointcorrupt.apply_corruption` (``Media.point_cloud`` does)."""
    seed: int = 0
    """Per-request seed for anything random the adapter does (sampling, point subsampling)."""
    protocol: str = "paper"
    """The evaluation protocol (``paper`` or ``chef``), stamped by the runner from ``TaskSpec.protocol``. Adapters
    that reproduce a reference's own prompt layout (the native LAMM model) use it to pick the paper-era or ChEF-era
    conversation format; others ignore it."""


@dataclass(frozen=True)
class Response:
    """An adapter's answer to one request."""

    text: str
    """Generated text (for ``choice``: the chosen option's text)."""
    option_scores: tuple[float, ...] | None = None
    """For ``choice``: one score per option (length-normalized log-likelihood or similarity logits)."""
    error: str | None = None
    """Set when the adapter could not answer (e.g. a server failure); counted, never silently filled in."""
    n_tokens: int | None = None
    """Number of generated tokens, when known (for throughput)."""


@dataclass(frozen=True)
class SampleScore:
    """The per-sample outcome of a task's metric: numbers to aggregate plus the parsed answer."""

    values: Mapping[str, float]
    """Per-sample numbers the task aggregates (e.g. ``{"correct": 1.0}`` or ``{"hits": 2, "gt": 3}``)."""
    parsed: Any = None
    """The answer as the metric understood it (JSON-serializable), for tracing a number to its text."""
    unparsed: bool = False
    """True when nothing usable could be extracted from the answer (counted in the result)."""


@dataclass(frozen=True)
class MetaFile:
    """A data file as read: where it is, its content hash (in the task fingerprint and every result), and its
    records."""

    path: Path
    sha256: str
    records: list
    """The file's records (a JSON list; a reader of another format may hold what it parsed)."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """What the reader decided from the files it found, recorded in the result's settings and the task fingerprint
    (ChEF robustness: ``corruption_source``, ChEF's files or generated ones); empty for nearly every file."""


def fill_option(template: str, option: str) -> str:
    """A choice request's answer text for one option: ``template`` with its first ``{}`` replaced by ``option``
    (ChEF's ``answer_template.format(option)`` for its templates, which hold one ``{}`` and no other brace)."""
    return template.replace("{}", option, 1)
