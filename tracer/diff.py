"""Per-step diffs: what each task of a step wrote, through which reducer, old → new."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tracer.frames import TraceCorruptError
from tracer.reducers import ADD, ADD_MESSAGES, path_key
from tracer.replay import DamagedStateError

if TYPE_CHECKING:
    from tracer.reader import Trace


@dataclass
class WriteDiff:
    """One write of one task: through which reducer, and the channel before/after."""

    key: str
    reducer: str | None
    op: str
    """"set", "append" (list or string), "merge" (add_messages) or "reduce"."""
    value: Any
    old: Any
    new: Any
    added: list[Any] = field(default_factory=list)
    replaced: list[Any] = field(default_factory=list)


@dataclass
class TaskDiff:
    task_id: str
    name: str
    duration: int
    error: Any
    interrupts: tuple[Any, ...]
    writes: list[WriteDiff]


def diff(trace: Trace, step: int, run: int = 0) -> list[TaskDiff]:
    """Per task of `step`: its writes with old → new values of each channel."""
    entry = trace.step_entry(step, run)
    replayer = trace.replayer
    steps = [e.step for e in replayer.entries(run) if e.step < step]
    lost = replayer.lost_before(step, run)
    if lost is not None:  # steps between may be gone: what the step changed is unknown
        raise DamagedStateError(step - 1, run, lost, frozenset())
    old = replayer.state_at(max(steps) if steps else -1, run)
    new = replayer.state_at(step, run)
    reducers = replayer.reducers(run)
    ends = sorted(((o, trace.read(o)) for o in entry.task_ends),
                  key=lambda end: _task_order(end[1].data["path"]))
    out: list[TaskDiff] = []
    for offset, end in ends:
        try:
            writes = [_write_diff(k, v, reducers.get(k), old.get(k), new.get(k))
                      for k, v in end.data["writes"]]
        except (TypeError, ValueError, AttributeError, RecursionError) as exc:
            # A state value of a kind its reducer cannot hold: a malformed trace.
            raise TraceCorruptError(f"task writes that cannot be shown as a diff "
                                    f"({type(exc).__name__})", offset) from None
        out.append(TaskDiff(end.data["task_id"], end.data["name"], end.data["duration"],
                            end.data["error"], end.data["interrupts"], writes))
    return out


def _task_order(path: tuple[Any, ...]) -> tuple[str, int, Any]:
    """`path_key` made comparable whatever a malformed trace holds (a PUSH task's index,
    a PULL task's name, or None for a task whose name is unknown)."""
    kind, item = path_key(path) if len(path) >= 2 else (path[0] if path else "", None)
    if type(item) is int:
        return str(kind), 0, item
    return str(kind), 1, item if type(item) is str else ""


def _write_diff(key: str, value: Any, reducer: str | None, old: Any, new: Any) -> WriteDiff:
    if reducer is None:
        return WriteDiff(key, reducer, "set", value, old, new)
    if reducer == ADD and isinstance(value, (list, str)):
        return WriteDiff(key, reducer, "append", value, old, new,
                         added=list(value) if isinstance(value, list) else [value])
    if reducer == ADD_MESSAGES:
        old_ids = {getattr(m, "id", None) for m in (old or [])}
        items = value if isinstance(value, list) else [value]
        added = [m for m in items if getattr(m, "id", None) not in old_ids]
        replaced = [m for m in items if getattr(m, "id", None) in old_ids]
        return WriteDiff(key, reducer, "merge", value, old, new, added, replaced)
    return WriteDiff(key, reducer, "reduce", value, old, new)
