"""Lazy registries of tasks, task groups, adapters and model cards.

Built-ins are discovered by scanning the modules under ``lamm_bench.tasks`` (each exports ``TASKS`` and
optionally ``GROUPS``) and ``lamm_bench.model_adapters`` (each exports ``ADAPTERS``: name -> ``"module:Class"``
and optionally ``CARDS``: a sequence of ``ModelCard``). Third-party packages add their own through three entry
point groups: ``lamm_bench.tasks`` (a module with the same exports), ``lamm_bench.adapters`` (name -> adapter
class) and ``lamm_bench.cards`` (a module exporting ``CARDS``, or the sequence itself). A name registered twice
-- task, group, adapter or card, built-in or plugin -- is a ``UserError`` naming both sources; nothing is
silently extended or shadowed. Nothing is imported until a name is looked up; adapter classes (which may pull
in torch) are imported only when constructed. Unknown names fail at once with "did you mean".
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

from lamm_bench.adapter import Adapter, ModelCard, as_adapter
from lamm_bench.errors import UnknownNameError, UserError
from lamm_bench.metrics import HIGHER_IS_BETTER, higher_is_better
from lamm_bench.names import check_name
from lamm_bench.task import TaskSpec

TASK_ENTRY_POINTS = "lamm_bench.tasks"
ADAPTER_ENTRY_POINTS = "lamm_bench.adapters"
CARD_ENTRY_POINTS = "lamm_bench.cards"


class _Names:
    """Name -> value, remembering where each name came from; a second registration is a ``UserError``, and so is a
    name outside :mod:`lamm_bench.names`' alphabet where ``checked`` (tasks, groups, adapters and cards: their names
    become folders and files under the output folder)."""

    def __init__(self, kind: str, checked: bool = True):
        self.kind = kind
        self.checked = checked
        self.values: dict[str, Any] = {}
        self.origins: dict[str, str] = {}

    def add(self, name: str, value: Any, origin: str) -> None:
        if self.checked:
            check_name(name, f"{self.kind} name from {origin}:")
        if name in self.values:
            raise UserError(f"{self.kind} {name!r} is registered twice: by {self.origins[name]} and by {origin}")
        self.values[name] = value
        self.origins[name] = origin

    def sorted(self) -> dict[str, Any]:
        return dict(sorted(self.values.items()))


def _package_modules(package: str) -> list[tuple[str, ModuleType]]:
    pkg = importlib.import_module(package)
    return [
        (f"module {package}.{info.name}", importlib.import_module(f"{package}.{info.name}"))
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]


def _origin(ep: EntryPoint) -> str:
    """Where a plugin's entry point comes from: its distribution, group, name and target."""
    dist = getattr(ep, "dist", None)
    name = f"distribution {dist.name!r}" if dist is not None else "an unknown distribution"
    return f"{name} (entry point {ep.group}:{ep.name} = {ep.value})"


def _plugins(group: str) -> list[tuple[str, EntryPoint]]:
    return sorted(((_origin(ep), ep) for ep in entry_points(group=group)), key=lambda item: item[0])


def _task_modules(plugins: bool) -> list[tuple[str, ModuleType]]:
    modules = _package_modules("lamm_bench.tasks")
    if plugins:
        modules += [(origin, ep.load()) for origin, ep in _plugins(TASK_ENTRY_POINTS)]
    return modules


@functools.cache
def _task_table(plugins: bool = True) -> tuple[dict[str, TaskSpec], dict[str, tuple[str, ...]]]:
    tasks, groups = _Names("task"), _Names("task group")
    for origin, module in _task_modules(plugins):
        for spec in getattr(module, "TASKS", ()):
            tasks.add(spec.name, spec, origin)
        for name, members in getattr(module, "GROUPS", {}).items():
            groups.add(name, tuple(members), origin)
    for name in sorted(tasks.values.keys() & groups.values.keys()):
        raise UserError(
            f"{name!r} is both a task from {tasks.origins[name]} and a task group from {groups.origins[name]}"
        )
    _check_metric_directions(tasks)
    return tasks.sorted(), groups.sorted()


def _check_metric_directions(tasks: _Names) -> None:
    """Every declared direction is valid and agrees with every other declaration of the same metric, and every
    task's paper and primary metric has a direction -- checked before any inference."""
    known = _Names("metric", checked=False)
    for metric, higher in HIGHER_IS_BETTER.items():
        known.add(metric, "higher" if higher else "lower", "module lamm_bench.metrics")
    for name, spec in tasks.values.items():
        origin = f"task {name!r} from {tasks.origins[name]}"
        for metric, direction in spec.metrics.items():
            if direction not in ("higher", "lower") or "@" in metric:
                raise UserError(f"{origin} declares metric {metric!r} as {direction!r}; declare a base name "
                                "(without '@') as 'higher' or 'lower'")  # fmt: skip
            if known.values.setdefault(metric, direction) != direction:
                raise UserError(f"metric {metric!r} has two directions: {known.values[metric]} is better by "
                                f"{known.origins[metric]}, {direction} by {origin}")  # fmt: skip
            known.origins.setdefault(metric, origin)
        for metric in dict.fromkeys((spec.paper_metric[1], spec.primary_metric)):
            try:
                higher_is_better(metric, spec.metrics)
            except KeyError:
                raise UserError(f"{origin} reports metric {metric!r} without a direction; declare it in "
                                f"TaskSpec.metrics ({{{metric.split('@', 1)[0]!r}: 'higher' or 'lower'}})") from None


def tasks() -> dict[str, TaskSpec]:
    """Every registered task by name, built-in and plugin."""
    return dict(_task_table()[0])


def groups() -> dict[str, tuple[str, ...]]:
    """Every task group by name (e.g. ``lamm2d``), each a tuple of task (or group) names."""
    return dict(_task_table()[1])


def builtin_groups() -> dict[str, tuple[str, ...]]:
    """The task groups lamm-bench itself ships, whatever plugins are installed."""
    return dict(_task_table(plugins=False)[1])


def builtin_tasks() -> dict[str, TaskSpec]:
    """The tasks lamm-bench itself ships, whatever plugins are installed (none is imported)."""
    return dict(_task_table(plugins=False)[0])


@functools.cache
def builtin_reference_tables() -> dict[str, str]:
    """Which of lamm-bench's own task groups are published tables, with their titles, in the leaderboard's order
    (``REFERENCE_TABLES`` of the task modules that declare it, ``tasks/groups.py``); plugins never change them."""
    tables = _Names("reference table")
    for origin, module in _task_modules(plugins=False):
        for group, title in getattr(module, "REFERENCE_TABLES", {}).items():
            tables.add(group, title, origin)
    return dict(tables.values)


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
    adapters, cards = _Names("adapter"), _Names("model card")
    for origin, module in _package_modules("lamm_bench.model_adapters"):
        for name, target in getattr(module, "ADAPTERS", {}).items():
            adapters.add(name, target, origin)
        _add_cards(cards, getattr(module, "CARDS", ()), origin)
    for origin, ep in _plugins(ADAPTER_ENTRY_POINTS):
        adapters.add(ep.name, ep, origin)
    for origin, ep in _plugins(CARD_ENTRY_POINTS):
        loaded = ep.load()
        _add_cards(cards, getattr(loaded, "CARDS", None) if isinstance(loaded, ModuleType) else loaded, origin)
    for name, card in cards.values.items():
        if name in adapters.values and card.adapter != name:  # `--model NAME` would be ambiguous
            raise UserError(f"model name {name!r} is both a card for adapter {card.adapter!r} from "
                            f"{cards.origins[name]} and an adapter from {adapters.origins[name]}")  # fmt: skip
    return adapters.sorted(), cards.sorted()


def _add_cards(cards: _Names, found: object, origin: str) -> None:
    if not isinstance(found, (list, tuple)):
        raise UserError(f"{origin} must name a module exporting CARDS, or CARDS itself (a sequence of ModelCard)")
    for card in found:
        if not isinstance(card, ModelCard):
            raise UserError(f"{origin} ships {card!r} in CARDS; expected lamm_bench.adapter.ModelCard")
        cards.add(card.name, card, origin)


def adapters() -> dict[str, object]:
    """Adapter names -> lazy targets (``"module:Class"`` strings or entry points)."""
    return dict(_adapter_table()[0])


def cards() -> dict[str, ModelCard]:
    """Model cards by name; every bare adapter name is also usable as a model name."""
    return dict(_adapter_table()[1])


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


def build_adapter(card: ModelCard, overrides: Mapping[str, str]) -> Adapter:
    """Construct (without loading weights) the adapter for a card, with ``--model-arg`` overrides; an adapter of
    the older plain-class contract comes wrapped (:func:`lamm_bench.adapter.as_adapter`)."""
    cls = adapter_class(card.adapter)
    return as_adapter(cls({**card.args, **overrides}), card.adapter)
