"""What to ask: a task's stages turned into requests for one sample, stamped with what the task states once, and
each sample's plan -- which requests are answered, which are pending -- continued as the answers come in.

Pure apart from calling the task's stages: no I/O. The runner (:mod:`lamm_bench.runner`) asks what the plans say
is pending, and assembles predictions from complete plans; the judge reuses :func:`request_identity`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from lamm_bench.identity import fingerprint
from lamm_bench.parsing.reasoning import StrippedAnswer, strip_reasoning
from lamm_bench.records import ChoiceScoring, MetaFile, Request, Sample
from lamm_bench.store import StoredResponse
from lamm_bench.task import TaskSpec, stage_needs


@dataclass(frozen=True)
class PreparedTask:
    """A task with its validated samples (this rank's shard) and meta files."""

    spec: TaskSpec
    samples: list[Sample]
    """This rank's shard of the selected samples."""
    all_samples: list[Sample]
    """Every selected sample (after ``--limit``), across ranks: what is scored."""
    metas: list[MetaFile]
    options: tuple[str, ...] = ()
    """The closed label set, from the task's full data (never from a ``--limit`` selection), so a limited run
    asks exactly what a full run asks."""


def build_stage(spec: TaskSpec, index: int, sample: Sample, previous: Mapping[str, str], seed: int,
                options: tuple[str, ...] = ()) -> list[Request]:  # fmt: skip
    """Stage ``index``'s requests for a sample, with what the task states once stamped on each: its protocol, its
    system message (unless the stage set one of its own) and its closed label set as options (where a request has
    none).

    Whatever the stage raises propagates: a task's own bug (a mistyped field) must stop the run, not be read as a
    missing answer and scored as zero.
    """
    system = spec.system_for(sample.source)
    out = []
    for request in spec.stages[index](sample, previous, seed):
        out.append(dataclasses.replace(
            request, protocol=spec.protocol, system=system if request.system is None else request.system,
            options=options if options and not request.options else request.options,
        ))  # fmt: skip
    return out


def request_identity(request: Request) -> str:
    """What makes two requests the same question: everything but the media paths (the meta file's SHA-256 is in
    the store's name) and the sample id and key (the store's key)."""
    # dataclasses.asdict's deep copy, without the copying (it was most of a run's bookkeeping time): the same JSON
    fields = {name: getattr(request, name) for name in _IDENTITY_FIELDS}
    fields["generation"] = dataclasses.asdict(request.generation)
    if request.point_corruption is not None:  # absent for a clean cloud: identities from before the field stay the same
        fields["point_corruption"] = dataclasses.asdict(request.point_corruption)
    return fingerprint(fields)[:16]


_IDENTITY_FIELDS = tuple(f.name for f in dataclasses.fields(Request)
                         if f.name not in ("sample_id", "key", "images", "point_cloud", "point_corruption"))  # fmt: skip


@dataclass(frozen=True)
class SamplePlan:
    """Where a sample stands in its task's stages, given the stored answers. A plan only grows: a later
    :func:`plan_sample` continues it, so each stage is built once per sample and run."""

    sample: Sample
    answers: Mapping[str, str]
    """Responses of requests answered as they are asked now, by request key."""
    pending: tuple[tuple[int, Request], ...]
    """(stage index, request) for every request built and not answered yet."""
    requests: tuple[Request, ...]
    """Every request built so far, in stage order (what the model was, or will be, asked)."""
    next_stage: int
    """The first stage not built yet (it waits for an answer of ``pending``, or every stage is built)."""
    n_stages: int
    stripped: Mapping[str, StrippedAnswer] = field(default_factory=dict)
    """By request key, the answers a reasoning block was taken out of (or cut off inside one); ``answers`` holds
    what is left (empty when cut off)."""

    @property
    def cut_off(self) -> bool:
        """True when an answer of the sample was cut off inside its reasoning: the sample is unanswered."""
        return any(s.cut_off for s in self.stripped.values())

    @property
    def complete(self) -> bool:
        """True when every stage was built and every request of it is answered."""
        return self.next_stage == self.n_stages and not self.pending


def plan_sample(
    task: PreparedTask, sample: Sample, stored: Mapping[tuple[str, str], StoredResponse], seed: int,
    decoding: str = "greedy", start: SamplePlan | None = None, choice_scoring: ChoiceScoring = "shared",
    reasoning: tuple[str, str] | None = None,
) -> SamplePlan:  # fmt: skip
    """Walk a sample through the stages, from where ``start`` left it (or from the first stage): take the stored
    answers of its pending requests, then build each next stage whose declared needs are answered; stop at the
    first stage that waits for an answer. A need that no earlier stage asks for is a bug in the task.

    ``reasoning``: the (open, close) tags of a reasoning block. Each generate answer is taken with its blocks
    stripped (:func:`lamm_bench.parsing.reasoning.strip_reasoning`) here, the one place answers enter a plan, so a
    later stage's prompt and the assembled prediction both see the stripped text; the store keeps the raw one.
    None: answers are taken as the model gave them."""
    answers = dict(start.answers) if start else {}
    stripped = dict(start.stripped) if start else {}
    requests = list(start.requests) if start else []
    pending: list[tuple[int, Request]] = []

    def take(index: int, request: Request) -> None:
        entry = stored.get((sample.id, request.key))
        if entry is not None and entry.request == request_identity(request):
            answers[request.key] = entry.text
            if reasoning is not None and request.kind == "generate":
                taken = strip_reasoning(entry.text, reasoning)
                if taken.reasoning is not None:
                    answers[request.key] = taken.answer
                    stripped[request.key] = taken
        else:
            pending.append((index, request))

    for index, request in start.pending if start else ():
        take(index, request)
    asked = {r.key for r in requests}
    index = start.next_stage if start else 0
    stages = task.spec.stages
    while index < len(stages):
        wanted = stage_needs(stages[index])
        undeclared = [k for k in wanted if k not in asked]
        if undeclared:
            raise RuntimeError(f"task {task.spec.name!r}: stage {index + 1} needs {undeclared[0]!r}, "
                               f"which no earlier stage asks for (asked: {sorted(asked)})")  # fmt: skip
        if any(k not in answers for k in wanted):
            break
        built = [_as_run(r, decoding, choice_scoring)
                 for r in build_stage(task.spec, index, sample, answers, seed, task.options)]  # fmt: skip
        requests += built
        for request in built:
            asked.add(request.key)
            take(index, request)
        index += 1
    return SamplePlan(sample, answers, tuple(pending), tuple(requests), index, len(stages), stripped)


PAPER_SAMPLING = {"do_sample": True, "top_p": 0.9, "temperature": 1.0, "top_k": 50}
"""``model.generate(..., top_p=0.9, temperature=1.0, do_sample=True)`` of the paper-era ``inference_2d.py``."""


def _as_run(request: Request, decoding: str, choice_scoring: ChoiceScoring) -> Request:
    """A request as the run asks it: sampled under ``--decoding paper``; a choice request with the run's scoring."""
    if request.kind == "choice":
        return dataclasses.replace(request, choice_scoring=choice_scoring)
    if decoding == "greedy":
        return request
    return dataclasses.replace(request, generation=dataclasses.replace(request.generation, **PAPER_SAMPLING))
