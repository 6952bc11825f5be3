"""Lazy registries of tasks, task groups, adapters and model cards.

Built-ins are discovered by scanning the modules under ``lamm_bench.tasks`` (each exports ``TASKS`` and
optionally ``GROUPS``) and ``lamm_bench.model_adapters`` (each exports ``ADAPTERS``: name -> ``"module:Class"``
and optionally ``CARDS``: a sequence of ``ModelCard``). Third-party packages add their own through the entry
point groups ``lamm_bench.tasks`` (a module with the same exports) and ``lamm_bench.adapters`` (name ->
adapter class). Nothing is imported until a name is looked up; adapter classes (which may pull in torch) are
imported only when constructed. Unknown names fail at once with "did you mean".
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from importlib.metadata import entry_points
from types import ModuleType

from lamm_bench.adapter import ModelCard
from lamm_bench.errors import UnknownNameError, UserError
from lamm_bench.task import TaskSpec

TASK_ENTRY_POINTS = "lamm_bench.tasks"
ADAPTER_ENTRY_POINTS = "lamm_bench.adapters"


def _package_modules(package: str) -> list[ModuleType]:
    pkg = importlib.import_module(package)
    return [
        importlib.import_module(f"{package}.{info.name}")
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]


def _task_modules() -> list[ModuleType]:
    modules = _package_modules("lamm_bench.tasks")
    modules += [ep.load() for ep in entry_points(group=TASK_ENTRY_POINTS)]
    return modules


@functools.cache
def tasks() -> dict[str, TaskSpec]:
    """Every registered task by name."""
    found: dict[str, TaskSpec] = {}
    for module in _task_modules():
        for spec in getattr(module, "TASKS", ()):
            if spec.name in found:
                raise RuntimeError(f"task {spec.name!r} is registered twice (again in {module.__name__})")
            found[spec.name] = spec
    return dict(sorted(found.items()))


@functools.cache
def groups() -> dict[str, tuple[str, ...]]:
    """Every task group by name (e.g. ``lamm2d``), each a tuple of task names."""
    found: dict[str, tuple[str, ...]] = {}
    for module in _task_modules():
        for name, members in getattr(module, "GROUPS", {}).items():
            found[name] = tuple(found.get(name, ())) + tuple(members)
    return dict(sorted(found.items()))


def get_task(name: str) -> TaskSpec:
    """Look a task up by name."""
    known = tasks()
    if name not in known:
        raise UnknownNameError("task", name, list(known) + list(groups()))
    return known[name]


def expand_group(name: str, _seen: tuple[str, ...] = ()) -> list[str]:
    """A task name as itself; a group name as its member tasks, nested groups expanded in order."""
    all_groups = groups()
    if name not in all_groups:
        return [name]
    if name in _seen:
        raise RuntimeError(f"task group {name!r} contains itself")
    return [task for member in all_groups[name] for task in expand_group(member, (*_seen, name))]


def resolve_tasks(names: Sequence[str]) -> list[TaskSpec]:
    """Expand task and group names (in order, without repeats) to task specs."""
    out: dict[str, TaskSpec] = {}
    for name in names:
        for member in expand_group(name):
            out.setdefault(member, get_task(member))
    if not out:
        raise UserError("no task given (use --task NAME; see `lamm-bench list tasks`)")
    return list(out.values())


@functools.cache
def _adapter_table() -> tuple[dict[str, object], dict[str, ModelCard]]:
    adapters: dict[str, object] = {}
    cards: dict[str, ModelCard] = {}
    for module in _package_modules("lamm_bench.model_adapters"):
        adapters.update(getattr(module, "ADAPTERS", {}))
        for card in getattr(module, "CARDS", ()):
            cards[card.name] = card
    for ep in entry_points(group=ADAPTER_ENTRY_POINTS):
        adapters.setdefault(ep.name, ep)
    return adapters, cards


def adapters() -> dict[str, object]:
    """Adapter names -> lazy targets (``"module:Class"`` strings or entry points)."""
    return dict(sorted(_adapter_table()[0].items()))


def cards() -> dict[str, ModelCard]:
    """Model cards by name; every bare adapter name is also usable as a model name."""
    return dict(sorted(_adapter_table()[1].items()))


def resolve_model(name: str) -> ModelCard:
    """A model name is a card name or an adapter name (an adapter with no default arguments)."""
    if name in cards():
        return cards()[name]
    if name in adapters():
        return ModelCard(name=name, adapter=name)
    raise UnknownNameError("model", name, list(cards()) + list(adapters()))


def adapter_class(name: str) -> type:
    """Import and return the adapter class registered under ``name``."""
    table = adapters()
    if name not in table:
        raise UnknownNameError("adapter", name, table)
    target = table[name]
    if isinstance(target, str):
        module_name, _, attr = target.partition(":")
        return getattr(importlib.import_module(module_name), attr)
    return target.load()  # an entry point


def build_adapter(card: ModelCard, overrides: Mapping[str, str]):
    """Construct (without loading weights) the adapter for a card, with ``--model-arg`` overrides."""
    cls = adapter_class(card.adapter)
    return cls({**card.args, **overrides})
