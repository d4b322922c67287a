"""State at any step, and per-step diffs: keyframes plus deltas, replayed with reducers.

Pure logic over decoded records; the Trace supplies them. Reducers the format knows
(last value, operator.add, add_messages) are replayed from the tasks' writes; any
other reducer's result was stored whole ("s" deltas).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from tracer.reader import Trace

ADD = "operator.add"
ADD_MESSAGES = "engine.graph.message.add_messages"
MEMO_EVERY = 64


class _Prefix(NamedTuple):
    """A memoised list: the first `n` items of a list a replay only ever extends."""

    items: list[Any]
    n: int


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """A state whose lists the caller may extend (memoised prefixes made into lists)."""
    return {k: v.items[:v.n] if type(v) is _Prefix else list(v) if isinstance(v, list) else v
            for k, v in state.items()}


def _memo_of(state: dict[str, Any]) -> dict[str, Any]:
    """A memo of the replay's state: its lists by reference and length, not copied.

    A replay changes a list only by extending it (other reducers and "s" deltas put
    new objects in the state), so the first n items stay as they were; copying every
    list at every memo cost a tenth of a first replay of a 10,000-step run.
    """
    return {k: _Prefix(v, len(v)) if isinstance(v, list) else v for k, v in state.items()}


def _own(value: Any) -> Any:
    """A list the state may extend in place: never one that a (cached) event holds."""
    return list(value) if isinstance(value, list) else value


def path_key(path: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(path[:2])


def apply_writes(state: dict[str, Any], key: str, reducer: str | None,
                 values: list[Any]) -> None:
    """Fold `values` into state[key] as the engine's channel would (in place for lists)."""
    if not values:
        return
    if reducer is None:
        state[key] = values[-1]
        return
    current = state.get(key)
    if reducer == ADD_MESSAGES:
        from engine.graph.message import add_messages

        for v in values:
            if type(current) is list:
                current = _Messages(current)
            if type(current) is not _Messages or not current.append_new(v):
                current = add_messages(current or [], v)
        state[key] = current
        return
    if reducer == ADD:
        if isinstance(current, list) and all(isinstance(v, list) for v in values):
            for v in values:
                current.extend(v)
            return
        start = 0
        if current is None:
            current, start = _own(values[0]), 1
        for v in values[start:]:
            current = operator.add(current, v)
        state[key] = current
        return
    raise ValueError(f"cannot replay reducer {reducer!r}")


class _Messages(list[Any]):
    """An add_messages channel's list during a replay, with the ids it holds, so a write
    of new messages is appended in place (add_messages builds a new list every time: a
    replay of n steps cost n² and its memos could not share one list)."""

    __slots__ = ("ids",)

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items)
        self.ids = {getattr(m, "id", None) for m in items}

    def append_new(self, value: Any) -> bool:
        """Append `value`'s messages if that is all add_messages would do with them (each
        a whole message, not a chunk or a removal, with an id not seen yet); else False,
        and nothing changed."""
        from engine.messages import AIMessageChunk, BaseMessage, RemoveMessage

        items = value if isinstance(value, list) else [value]
        fresh: set[Any] = set()
        for m in items:
            mid = getattr(m, "id", None)
            if (mid is None or mid in self.ids or mid in fresh or not isinstance(m, BaseMessage)
                    or isinstance(m, (RemoveMessage, AIMessageChunk))):
                return False
            fresh.add(mid)
        self.extend(items)
        self.ids |= fresh
        return True


def _fold(state: dict[str, Any], key: str, reducer: str | None, value: Any) -> None:
    """apply_writes for one value, with the two most common cases inline."""
    if reducer is None:
        state[key] = value
        return
    current = state.get(key)
    if reducer == ADD and type(current) is list and type(value) is list:
        current.extend(value)
        return
    apply_writes(state, key, reducer, [value])


def reducers_of(trace: Trace, run: int) -> dict[str, str | None]:
    """Channel → reducer name of run `run`, from its run_start (cached per trace)."""
    cache: dict[int, dict[str, str | None]] = trace.__dict__.setdefault("_reducers", {})
    reducers = cache.get(run)
    if reducers is None:
        start = trace.read(trace.index.runs[run][0])
        channels = start.data["graph"].get("channels", {})
        reducers = cache[run] = {k: c.get("reducer") for k, c in channels.items()}
    return reducers


def _entries(trace: Trace, run: int) -> list[list[Any]]:
    """The run's step entries (cached until the index grows)."""
    steps = trace.index.steps
    cache: dict[int, tuple[int, list[list[Any]]]] = trace.__dict__.setdefault("_entries", {})
    seen = cache.get(run)
    if seen is None or seen[0] != len(steps):
        seen = cache[run] = (len(steps), [e for e in steps if e[0] == run])
    return seen[1]


def _base(trace: Trace, step: int, run: int) -> tuple[int, dict[str, Any]]:
    """The latest materialised state at or before `step`: memo, keyframe, or run start."""
    best_step, best = -(10**9), None
    memo: dict[tuple[int, int], dict[str, Any]] = trace.__dict__.setdefault("_memo", {})
    for (r, s), state in memo.items():
        if r == run and best_step < s <= step:
            best_step, best = s, state
    for kr, _ns, ks, offset in trace.index.keyframes:
        if kr == run and best_step < ks <= step:
            best_step, best = ks, trace.read(offset).data["state"]
    if best is None:
        start = trace.read(trace.index.runs[run][0])
        return -(10**9), _copy_state(start.data["state"])
    return best_step, _copy_state(best)


def state_at(trace: Trace, step: int, run: int = 0) -> dict[str, Any]:
    """The state of run `run` after `step` (for a step without its step_end, running or
    cut short, the state before it: its writes are applied at the barrier).

    Replays from the latest memoised state, keyframe or the run's start, and keeps a
    memo of the state every MEMO_EVERY steps on the way (`_memo_of`: lists by reference
    and length), so a later call replays at most MEMO_EVERY steps past what an earlier
    one reached. Appends extend the replay's lists in place (add_messages ones too, as
    long as a write only adds new messages), so memos share them. The caller holds the
    trace's lock.
    """
    memo: dict[tuple[int, int], dict[str, Any]] = trace.__dict__.setdefault("_memo", {})
    reducers = reducers_of(trace, run)
    base_step, state = _base(trace, step, run)
    read = trace._read_record
    for entry in _entries(trace, run):
        at = entry[2]
        if base_step < at <= step:
            keys = entry[6] if len(entry) > 6 else None
            if keys is not None and len(entry[5]) == 1:
                # The common step: one task, every delta a replay of its writes (the
                # index says so), so the step_end frame need not be read.
                for key, value in read(entry[5][0])[5].get("w", ()):
                    if key in keys:
                        _fold(state, key, reducers.get(key), value)
            else:
                apply_step(trace, entry, state, reducers)
            if at % MEMO_EVERY == 0 and entry[4] is not None:
                # Not a step without its step_end: in a live trace it may still end and
                # change the state, and this memo would then keep the state before it.
                memo[(run, at)] = _memo_of(state)
    return _copy_state(state)  # the caller's own lists: the memos share this replay's


def apply_step(trace: Trace, entry: list[Any], state: dict[str, Any],
               reducers: dict[str, str | None]) -> None:
    """Apply one step's step_end deltas ("w" replays the task writes, "s" sets).

    The caller holds the trace's lock. This runs once per step of a replay (10,000
    times for a first look at step 10,000), so the one-task step takes a short path.
    """
    if entry[4] is None:
        return  # the step never finished (error, interrupt or crash): state unchanged
    read = trace._read_record
    ends: list[dict[str, Any]] | None = None
    for delta in read(entry[4])[5].get("d", ()):
        op, key = delta[0], delta[1]
        if op == "w":
            if ends is None:
                offsets = entry[5]
                ends = ([read(offsets[0])[5]] if len(offsets) == 1
                        else _ordered_task_ends(trace, entry))
            values = [v for data in ends for k, v in data.get("w", ()) if k == key]
            apply_writes(state, key, reducers.get(key), values)
        elif op == "s":
            state[key] = _own(delta[2])
        elif op == "x":
            state.pop(key, None)


def _ordered_task_ends(trace: Trace, entry: list[Any]) -> list[dict[str, Any]]:
    """The step's task_end data in task-path order (names read only when needed)."""
    read = trace._read_record
    ends = [read(o)[5] for o in entry[5]]
    if len(ends) < 2:
        return ends
    names: list[str] = []
    if entry[3] is not None:
        names = read(entry[3])[5].get("names", [])

    def key(data: dict[str, Any]) -> tuple[Any, ...]:
        if "px" in data:
            return ("__pregel_push", data["px"])
        slot = data.get("i", -1)
        return ("__pregel_pull", names[slot] if 0 <= slot < len(names) else "")

    return sorted(ends, key=key)


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
    steps = [e[2] for e in _entries(trace, run) if e[2] < step]
    old = state_at(trace, max(steps), run) if steps else state_at(trace, -1, run)
    new = state_at(trace, step, run)
    reducers = reducers_of(trace, run)
    ends = sorted((trace.read(o) for o in entry[5]), key=lambda e: path_key(e.data["path"]))
    out: list[TaskDiff] = []
    for end in ends:
        writes = [_write_diff(k, v, reducers.get(k), old.get(k), new.get(k))
                  for k, v in end.data["writes"]]
        out.append(TaskDiff(end.data["task_id"], end.data["name"], end.data["duration"],
                            end.data["error"], end.data["interrupts"], writes))
    return out


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
