"""The task contract: one frozen ``TaskSpec`` per task, naming its data, requests, parsing and metrics.

A task module under ``tasks/`` exports ``TASKS`` (a sequence of ``TaskSpec``) and optionally ``GROUPS``
(name -> task names). Variants are made by composition: ``dataclasses.replace(SCIENCEQA, name=..., ...)``.
Bump ``version`` whenever a prompt, the parsing or a metric changes; the version travels into every result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lamm_bench.records import MetaFile, Request, Sample, SampleScore
from lamm_bench.rows import Overlay

Stage = Callable[[Sample, Mapping[str, str], int], Sequence[Request]]
"""Build one stage's requests for a sample from the responses of earlier stages (by request key) and the
run seed. A task with a two-step plan (reasoning, then answer) has two stages. A stage that reads earlier
responses declares their keys with ``@needs(...)``: the runner builds it only once those are answered, and any
exception a stage raises is a bug in the task, never a missing answer."""


def needs(*keys: str) -> Callable[[Stage], Stage]:
    """Declare the request keys of earlier stages whose responses a stage reads from ``previous``."""

    def declare(stage: Stage) -> Stage:
        stage.needs = tuple(keys)  # type: ignore[attr-defined]
        return stage

    return declare


def stage_needs(stage: Stage) -> tuple[str, ...]:
    """The earlier responses a stage declared it needs (none for a stage without ``@needs``)."""
    return tuple(getattr(stage, "needs", ()))

Assemble = Callable[[Sample, Mapping[str, str]], Any]
"""Turn all of a sample's responses (by request key) into its prediction: a string, or a mapping for
multi-request tasks (LSP: joint name -> answer)."""


def labels_of(field_name: str) -> Callable[[Sequence[Sample]], tuple[str, ...]]:
    """A ``label_set``: the sorted distinct values of a ground-truth field across the samples."""

    def label_set(samples: Sequence[Sample]) -> tuple[str, ...]:
        return tuple(sorted({str(s.target[field_name]) for s in samples}))

    return label_set


Terms = Callable[[Mapping[str, float]], tuple[float, float]]
"""A sample's (numerator, denominator) of a metric that is ``sum(numerators) / sum(denominators)``."""


def mean_of(key: str, scale: float = 100.0) -> Terms:
    """``primary_terms`` of a metric that is the mean of a per-sample value (times ``scale``)."""
    return lambda values: (scale * values[key], 1.0)


def ratio_of(numerator: str, denominator: str, scale: float = 100.0) -> Terms:
    """``primary_terms`` of a metric pooled over samples: ``scale * sum(numerator) / sum(denominator)``."""
    return lambda values: (scale * values[numerator], float(values[denominator]))


@dataclass(frozen=True)
class JudgeSetting:
    """How the LAMM paper's GPT metric (``lamm_bench.judge``) judges a task: how many samples, what the judge is
    told the models are doing, and the ground truth it is shown (``OpenGVLab/LAMM@3085eef src/gpt_eval.py``)."""

    samples: int
    """Samples judged per pair of models (the first of a seeded shuffle)."""
    description: str
    """What the models are performing, as the judge's system message names it (verbatim from the reference)."""
    reference: Callable[[Sample], str]
    """The ground-truth answer of a sample as the judge is shown it."""


def single_answer(sample: Sample, responses: Mapping[str, str]) -> str:
    """The default ``assemble``: the response to the sample's only request."""
    return responses[""]


@dataclass(frozen=True)
class TaskSpec:
    """Everything lamm-bench needs to run and score one task."""

    name: str
    """Registry name, e.g. ``scienceqa`` or ``voc2012-chef``."""
    version: str
    """Bumped whenever prompts, parsing or metrics change."""
    protocol: Literal["paper", "chef"]
    """Which LAMM evaluation protocol the task reproduces."""
    modality: Literal["2d", "3d"]
    """2D tasks read images under ``2D_Benchmark/``; 3D tasks read point clouds under ``3D_Benchmark/``."""
    meta_files: tuple[str, ...]
    """Meta files relative to the data root; more than one means a pooled task (ids ``<stem>:<id>``)."""
    required_fields: Mapping[str, type | tuple[type, ...]]
    """Fields every record must have (besides ``image``/``pcl`` and ``query``), with their types."""
    system_message: str | Mapping[str, str]
    """The LAMM system message, verbatim; for a pooled task whose meta files have different ones (binary-loc), a
    mapping from meta-file stem (``Sample.source``) to its message. Stated only here: the runner stamps it on every
    request a stage builds (:meth:`system_for`), and the task fingerprint holds it."""
    stages: tuple[Stage, ...]
    """The request plan, run stage by stage over all samples."""
    score_sample: Callable[[Sample, Any], SampleScore]
    """Pure per-sample scoring of one prediction."""
    aggregate: Callable[[Sequence[SampleScore]], dict[str, float]]
    """Pure aggregation of per-sample scores into metrics (percent, except counting errors)."""
    paper_metric: tuple[str, str]
    """(LAMM table column label, key in the aggregated metrics whose value the LAMM reference computes)."""
    assemble: Assemble = single_answer
    """Combine a sample's responses into its prediction."""
    corpus_metrics: Callable[[Sequence[Sample], Sequence[Any]], dict[str, float]] | None = None
    """Metrics that need the whole corpus at once (e.g. CIDEr); not bootstrapped."""
    primary: str | None = None
    """Metric whose bootstrap confidence interval is reported (default: the paper metric's key)."""
    description: str = ""
    """One line for ``lamm-bench list tasks``."""
    prediction_kind: Literal["text", "mapping"] = "text"
    """Shape of a prediction in a predictions file."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Task-specific settings recorded in results (e.g. number of points)."""
    metrics: Mapping[str, Literal["higher", "lower"]] = field(default_factory=dict)
    """Directions of the metrics this task reports that ``lamm_bench.metrics`` does not know (base name, the
    part before ``@`` -> ``"higher"`` or ``"lower"`` is better); built-in metric names need no entry."""
    label_set: Callable[[Sequence[Sample]], Sequence[str]] | None = None
    """For closed-set tasks: the candidate answers, from all the task's samples. The runner puts them in every
    request's ``options`` that has none, so a choice-only adapter (CLIP zero-shot) can answer by picking one;
    generating adapters ignore them."""

    primary_terms: Terms | None = None
    """The primary metric as ``sum(numerators) / sum(denominators)`` of per-sample terms (0 when the denominators
    sum to 0), which lets the bootstrap run vectorized; ``tests/core/test_bootstrap.py`` checks it against
    ``aggregate`` for every task. Without it the bootstrap calls ``aggregate`` once per resample."""
    requires: tuple[str, ...] = ()
    """System resources the scoring needs (``wordnet``, ``java``; see ``lamm_bench.resources``), checked before any
    weight loads or any request is sent."""
    overlay: Callable[[Sample, Any], Overlay | None] | None = None
    """What the prediction browser draws for a sample, from the sample and what ``score_sample`` parsed from its
    answer (boxes and points, ground truth and predicted); the runner records it in each per-sample row."""
    judge: JudgeSetting | None = None
    """For the tasks the LAMM paper's GPT metric covers: how it judges them. A variant made with
    ``dataclasses.replace`` inherits it, so a variant the metric does not cover sets ``judge=None``."""
    correct_option: Callable[[Sample, Request], int | None] | None = None
    """For a task of choice requests: which of a request's options is right (the prediction browser marks it, next
    to each option's score and the chosen one); never shown to the model."""
    reader: Callable[[Path], tuple[list[Sample], list[MetaFile]]] | None = None
    """For a task whose data is not LAMM meta files as they are (ChEF's MMBench TSV, MME folders, ...; or options
    ChEF draws over the whole file in data order): reads the data root and returns the samples in the reference's
    order and the files it read (hashed, for the fingerprint). ``data.load_samples`` calls it; None: the meta files
    above, read and checked against ``required_fields``."""
    reader_seeded: bool = False
    """The ``reader`` takes the run's seed as a second argument, ``reader(root, seed)``: its samples depend on it
    (ChEF robustness's generated corruptions), and it says so in the files it returns (hashed)."""
    answer_file: Callable[[Sequence[Mapping[str, Any]]], dict[str, float]] | None = None
    """For a task that reproduces a reference which writes answer files (ChEF's scenarios): the reference's metric
    over such a file's records, as written (ChEF's key names and units). ``lamm-bench score`` applies it to the
    reference's own answer files; a run's ``aggregate`` applies it to the answer file it would write."""
    answer_runs: tuple[str, ...] = ()
    """For a task of several runs whose reference writes one answer file per run (ChEF's POPE splits): the runs'
    names. Its samples' ids are ``<run>/<reference id>``; ``lamm-bench score`` reads a folder holding one reference
    answer file per run, ``<run>.json``, and gives ``answer_file`` their records with ids prefixed the same way."""
    assemble_scored: Callable[[Sample, Mapping[str, str], Mapping[str, tuple[float, ...]]], Any] | None = None
    """For a task whose prediction needs the option scores of its choice requests (ChEF's Calibration: the softmax
    of the scores): assembles from the responses and each choice request's option scores (by request key); used
    instead of ``assemble`` where the scores are known (a run), ``assemble`` where only texts are (see
    :meth:`prediction`)."""

    def system_for(self, source: str) -> str:
        """The system message of a sample from meta file ``source`` (its stem, ``Sample.source``)."""
        if isinstance(self.system_message, str):
            return self.system_message
        return self.system_message[source]

    def prediction(self, sample: Sample, answers: Mapping[str, str],
                   option_scores: Mapping[str, tuple[float, ...]] | None = None) -> Any:  # fmt: skip
        """A sample's prediction from its responses (by request key) and, where known, its choice requests' option
        scores: :attr:`assemble_scored` when the task has one and the scores are given, else :attr:`assemble`."""
        if self.assemble_scored is not None and option_scores is not None:
            return self.assemble_scored(sample, answers, option_scores)
        return self.assemble(sample, answers)

    def label_options(self, samples: Sequence[Sample]) -> tuple[str, ...]:
        """The closed label set offered to adapters (empty for open-ended tasks)."""
        return tuple(self.label_set(samples)) if self.label_set else ()

    @property
    def primary_metric(self) -> str:
        """The metric key used for the confidence interval."""
        return self.primary or self.paper_metric[1]
