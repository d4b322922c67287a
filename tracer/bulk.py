"""A step's own events taken in bulk (`engine.events.StepSink`) as trace records.

The loop of a run whose only sink is a trace writer makes no Event for a step's
step_start, task_starts, task_ends and step_end: it appends a "begin" and an "end" item
per task to the writer's `pending` list and calls `step_done`. These functions turn those
items into the same records the writer makes from the events (`tracer.records`), as
`[kind, seq, t, step, data]` items of a batch frame (FORMAT.md §2, "Batches").
"""

from __future__ import annotations

from typing import Any

from engine.constants import PULL
from engine.errors import ParentCommand
from tracer.records import end_fields, id_bytes, start_fields

STEP_START, TASK_START, TASK_END = 1, 2, 3


_PLAIN: dict[str, tuple[tuple[str, str], tuple[str]]] = {}
"""Node name → the path and triggers of its plain task (a start record leaves both out)."""


def _plain(name: str) -> tuple[tuple[str, str], tuple[str]]:
    found = _PLAIN.get(name)
    if found is None:
        found = _PLAIN[name] = ((PULL, name), (f"branch:to:{name}",))
    return found


def begin_items(item: tuple[Any, ...], out: list[list[Any]]) -> dict[str, int]:
    """A "begin" item's step_start and task_start records, added to `out`; returns the
    step's slots (task id → its position in the step_start's lists)."""
    _, _ns, step, seq, t, tasks, todo = item
    if len(tasks) == 1:  # the common case, without comprehensions
        only = tasks[0]
        ids, names, slots = [id_bytes(only.id)], [only.name], {only.id: 0}
    else:
        ids = [id_bytes(task.id) for task in tasks]
        names = [task.name for task in tasks]
        slots = {task.id: i for i, task in enumerate(tasks)}
    out.append([STEP_START, seq, t, step, {"ids": ids, "names": names}])
    for number, task in enumerate(todo, seq + 1):
        name = task.name
        data = {"i": slots[task.id]}
        path, triggers = _plain(name)
        if task.path != path or task.triggers != triggers:
            start_fields(data, name, task.path, task.triggers, task.input)
        out.append([TASK_START, number, t, step, data])
    return slots


def end_item(item: tuple[Any, ...], slots: dict[str, int] | None) -> list[Any]:
    """An "end" item's task_end record. A task its step's begin did not list (an error
    handler started mid-step) names itself, as in `tracer.records.task_end_record`."""
    _, _ns, seq, t, task = item
    slot = slots.get(task.id, -1) if slots else -1
    out: dict[str, Any] = {"i": slot, "d": task.duration}
    if slot < 0:
        out["id"] = id_bytes(task.id)
        out["name"] = task.name
    error = task.error
    if task.hidden and isinstance(error, ParentCommand):
        error = None  # control flow, not a failure (as the loop's task_end event says)
    end_fields(out, task.path, task.writes, error, task.interrupts, task.returned,
               task.hidden, task.attempts)
    return [TASK_END, seq, t, task.step, out]


__all__ = ["begin_items", "end_item"]
