"""Node returns besides one dict or one Command: a list of updates (Commands mixed with
plain updates), and updates of a single-value (`__root__`) state.

As in LangGraph 1.2.22 (observed): each item of a list that holds a Command is one
update, applied in order (its writes fold through the key's reducer like writes of
separate tasks); the `updates` stream shows the node's updates as a list, and a
single-value state's update as the value itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.errors import ParentCommand, not_a_dict_error
from engine.schema import ROOT, node_update_as_dict
from engine.types import Command

if TYPE_CHECKING:
    from engine.graph.spec import GraphSpec
    from engine.pregel.task import Task


def is_update_list(value: Any) -> bool:
    """A list or tuple of updates: one that holds a Command."""
    return isinstance(value, (list, tuple)) and any(isinstance(v, Command) for v in value)


def list_or_root_writes(task: Task, value: Any, routes: list[Any]) -> list[tuple[str, Any]]:
    """The writes of `value` (a list of updates, or any return of a node of a
    single-value state); its Commands' targets go to `routes`; `task.update_view` gets
    what the `updates` stream shows."""
    spec = task.loop.spec
    many = is_update_list(value)
    writes: list[tuple[str, Any]] = []
    shown: list[Any] = []
    for item in value if many else (value,):
        update = item
        if isinstance(item, Command):
            if item.graph == Command.PARENT:
                raise ParentCommand(Command(update=item.update, goto=item.goto))
            update = item.update
            routes.extend(item.goto_targets())
        own = _writes(spec, update, value)
        writes.extend(own)
        if own:
            shown.append(own[0][1] if spec.state.kind == "root" else dict(own))
    if many:
        task.update_view = shown
    elif spec.state.kind == "root":
        task.update_view = shown[0] if shown else None
    return writes


def _writes(spec: GraphSpec, update: Any, returned: Any) -> list[tuple[str, Any]]:
    update = node_update_as_dict(update)
    if update is None:
        return []
    if spec.state.kind == "root":
        return [(ROOT, update)]
    if isinstance(update, Mapping):
        return [(k, v) for k, v in update.items() if k in spec.fields]
    if isinstance(update, (list, tuple)):  # (key, value) pairs
        return [(k, v) for k, v in update if k in spec.fields]
    raise not_a_dict_error(returned)


def result_of(writes: list[tuple[str, Any]]) -> dict[str, Any] | None:
    """A task's result: its writes by key; several writes to one key are listed, as
    LangGraph's `{"$writes": [...]}`."""
    if not writes:
        return None
    result = dict(writes)
    if len(result) == len(writes):
        return result
    merged: dict[str, list[Any]] = {}
    for key, value in writes:
        merged.setdefault(key, []).append(value)
    return {k: v[0] if len(v) == 1 else {"$writes": v} for k, v in merged.items()}


def command_writes(spec: GraphSpec, command: Command[Any]) -> list[tuple[str, Any]]:
    """The update of a Command given as input to a paused thread, as writes to the
    graph's channels (a single-value state's as its root channel's)."""
    return _writes(spec, command.update, command.update)
