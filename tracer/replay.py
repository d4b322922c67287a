"""State at any step: keyframes plus deltas, replayed with reducers (FORMAT.md §7).

The Trace owns a `Replayer`, which reads the records and keeps the memos. Reducers the
format knows (last value, operator.add, add_messages; `tracer.reducers`) are replayed
from the tasks' writes; any other reducer's result was stored whole ("s" deltas). A
state that depends on a damaged or missing frame is never returned as if whole.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from tracer.entries import Damage, StepEntry
from tracer.frames import TraceCorruptError
from tracer.frameview import ForwardReader
from tracer.reducers import ADD, apply_writes, copy_state, memo_of, own

if TYPE_CHECKING:
    from tracer.reader import Trace

MEMO_EVERY = 64


class DamagedStateError(TraceCorruptError):
    """The state asked for depends on a frame that is damaged or missing."""

    def __init__(self, step: int, run: int, damage: Damage, keys: frozenset[str]) -> None:
        what = ", ".join(sorted(keys)) if keys else "the whole state"
        super().__init__(f"the state after step {step} of run {run} is not whole ({what} "
                         f"unknown): {damage.reason}", damage.offset)
        self.step, self.run, self.damage, self.keys = step, run, damage, keys


@dataclass
class KnownState:
    """A replayed state with what could not be known: `unknown` maps each key whose
    value depends on a damaged or missing frame to that damage (empty: all known)."""

    state: dict[str, Any]
    unknown: dict[str, Damage]


class _Memo(NamedTuple):
    state: dict[str, Any]
    unknown: dict[str, Damage]


class Replayer:
    """Rebuilds a run's state at any step (FORMAT.md §7) for one Trace, which owns it.

    Replays from the latest memoised state, keyframe or the run's start, and keeps a
    memo of the state every MEMO_EVERY steps on the way (`memo_of`: lists by reference
    and length), so a later call replays at most MEMO_EVERY steps past what an earlier
    one reached. Appends extend the replay's lists in place (add_messages ones too, as
    long as a write only adds new messages), so memos share them.

    A step whose frames are damaged or missing (a region the scan of a crashed file
    could not read lies inside the step, or one of its frames fails its check) makes the
    keys it may have changed unknown until a keyframe or a whole value replaces them;
    `state_at` then raises DamagedStateError and `known_state` says which keys.
    """

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self._lock = threading.RLock()
        self._memo: dict[tuple[int, int], _Memo] = {}
        self._reducers: dict[int, dict[str, str | None]] = {}
        self._keys: dict[int, list[str]] = {}
        self._entries: dict[int, _RunView] = {}
        self._forward: ForwardReader | None = None
        """The replay's own reader (it runs under `_lock`, one thread at a time)."""

    def forget_reader(self) -> None:
        """Drop the replay's read window (the file changed under it)."""
        with self._lock:
            self._forward = None

    def state_at(self, step: int, run: int = 0) -> dict[str, Any]:
        """The state of run `run` after `step` (for a step without its step_end, running
        or cut short, the state before it: its writes are applied at the barrier)."""
        known = self.known_state(step, run)
        if known.unknown:
            damage = min(known.unknown.values(), key=lambda d: d.offset)
            raise DamagedStateError(step, run, damage, frozenset(known.unknown))
        return known.state

    def known_state(self, step: int, run: int = 0) -> KnownState:
        """The state after `step` with the keys a damaged frame left unknown."""
        with self._lock:
            try:
                return self._replay(step, run)
            except TraceCorruptError as exc:
                if isinstance(exc, DamagedStateError):
                    raise
                damage = Damage(exc.offset, None, exc.reason)
                raise DamagedStateError(step, run, damage, frozenset()) from None

    def lost_before(self, step: int, run: int = 0) -> Damage | None:
        """A damaged region between `step` and the run's step listed before it, which
        may have taken whole steps: the state before `step` is then not known."""
        return self._run_view(run)[4].get(step)

    def reducers(self, run: int) -> dict[str, str | None]:
        """Channel → reducer name of run `run`, from its run_start."""
        reducers = self._reducers.get(run)
        if reducers is None:
            graph = self.trace.read(self.trace.index.runs[run].offset).data.get("graph")
            channels = graph.get("channels") if isinstance(graph, dict) else None
            reducers = {}
            for key, channel in (channels if isinstance(channels, dict) else {}).items():
                reducer = channel.get("reducer") if isinstance(channel, dict) else None
                if type(key) is str:  # (a reducer that is not a name replays as none known)
                    reducers[key] = reducer if reducer is None or type(reducer) is str else "?"
            self._reducers[run] = reducers
        return reducers

    def entries(self, run: int) -> list[StepEntry]:
        """The run's step entries (cached until the index grows)."""
        return self._run_view(run)[2]

    def damaged_steps(self, run: int) -> dict[int, Damage]:
        """Steps of run `run` whose frames a damaged region may have taken (a scanned
        file's damage lying inside the step's span of the file), or that follow a damaged
        region which may have held whole steps before them."""
        _, _, _, inside, before = self._run_view(run)
        return {**before, **inside}

    def _run_view(self, run: int) -> _RunView:
        index = self.trace.index
        seen = self._entries.get(run)
        if seen is None or seen[0] != len(index.steps) or seen[1] != len(index.damage):
            entries = [e for e in index.steps if e.run == run]
            seen = (len(index.steps), len(index.damage), entries,
                    *_damaged(entries, index.damage, index.runs[run].offset,
                              index.run_ends.get(run)))
            self._entries[run] = seen
        return seen

    def _all_keys(self, run: int, state: dict[str, Any]) -> list[str]:
        keys = self._keys.get(run)
        if keys is None:
            data = self.trace.read(self.trace.index.runs[run].offset).data
            declared = data.get("state_keys")
            keys = [k for k in declared if type(k) is str] if type(declared) is list else []
            self._keys[run] = keys
        return [*keys, *(k for k in state if k not in keys)]

    def _base(self, step: int, run: int) -> tuple[int, dict[str, Any], dict[str, Damage]]:
        """The latest materialised state at or before `step`: memo, keyframe, or start."""
        best_step, best, unknown = -(10**9), None, {}
        for (r, s), memo in self._memo.items():
            if r == run and best_step < s <= step:
                best_step, best, unknown = s, memo.state, memo.unknown
        for keyframe in self.trace.index.keyframes:
            if keyframe.run == run and best_step < keyframe.step <= step:
                try:
                    state = self.trace.frames.data(keyframe.offset).get("state")
                except TraceCorruptError:
                    continue  # an unreadable keyframe: replay from an earlier base
                if isinstance(state, dict):
                    best_step, best, unknown = keyframe.step, state, {}
        if best is None:
            start = self.trace.read(self.trace.index.runs[run].offset).data.get("state")
            return -(10**9), copy_state(start if isinstance(start, dict) else {}), {}
        return best_step, copy_state(best), dict(unknown)

    def _replay(self, step: int, run: int) -> KnownState:
        reducers = self.reducers(run)
        base_step, state, unknown = self._base(step, run)
        _, _, _, damaged, lost = self._run_view(run)
        if self._forward is None:
            self._forward = self.trace.frames.forward()
        data_at = self._forward.data
        memo = self._memo
        for entry in self.entries(run):
            at = entry.step
            if not base_step < at <= step:
                continue
            keys = entry.replay
            try:
                if lost and at in lost:
                    # Whole steps before this one may be gone: anything may have changed.
                    for key in self._all_keys(run, state):
                        unknown.setdefault(key, lost[at])
                if damaged and at in damaged:
                    raise _StepDamaged(damaged[at])
                if keys is not None and len(entry.task_ends) == 1:
                    # The common step: one task, every delta a replay of its writes (the
                    # index says so), so the step_end frame need not be read. Its two
                    # commonest writes (a value set, a list extended) are folded inline.
                    for key, value in data_at(entry.task_ends[0]).get("w", ()):
                        if key in keys:
                            reducer = reducers.get(key)
                            if reducer is None:
                                state[key] = value
                                if unknown:
                                    unknown.pop(key, None)
                            elif reducer == ADD and type(value) is list and type(
                                    current := state.get(key)) is list:
                                current.extend(value)
                            else:
                                apply_writes(state, key, reducer, [value])
                else:
                    apply_step(self.trace, entry, state, reducers, unknown, data_at)
            except (_StepDamaged, TraceCorruptError, TypeError, ValueError, KeyError,
                    IndexError, AttributeError, RecursionError) as exc:
                self._lose(entry, state, unknown,
                           _damage_of(exc, entry, self.trace.index.damage), run)
            if at % MEMO_EVERY == 0 and entry.end is not None:
                # Not a step without its step_end: in a live trace it may still end and
                # change the state, and this memo would then keep the state before it.
                memo[(run, at)] = _Memo(memo_of(state), dict(unknown))
        # The caller's own lists: the memos share this replay's.
        return KnownState(copy_state(state), unknown)

    def _lose(self, entry: StepEntry, state: dict[str, Any], unknown: dict[str, Damage],
              damage: Damage, run: int) -> None:
        """Mark what a damaged step may have changed as unknown: the keys its step_end
        replays from task writes when that step_end is readable, else every key."""
        keys: list[str] | None = None
        if entry.end is not None:
            try:
                deltas = self.trace.frames.data(entry.end).get("d", ())
                keys = [str(d[1]) for d in deltas if d[0] == "w"]
                for delta in deltas:
                    if delta[0] == "s":
                        state[delta[1]] = own(delta[2])
                        unknown.pop(delta[1], None)
                    elif delta[0] == "x":
                        state.pop(delta[1], None)
                        unknown.pop(delta[1], None)
            except (TraceCorruptError, TypeError, IndexError, KeyError, ValueError,
                    AttributeError, RecursionError):
                keys = None
        for key in keys if keys is not None else self._all_keys(run, state):
            unknown.setdefault(key, damage)


def _damage_of(exc: Exception, entry: StepEntry, found: list[Damage]) -> Damage:
    """What made a step unreplayable, as a Damage: a damaged frame, a damaged region the
    step's frames lay in (one of `found`, the regions known: an event of a batch frame
    lies inside its frame), or a record of the right shape holding the wrong values."""
    if isinstance(exc, _StepDamaged):
        return exc.damage
    if isinstance(exc, TraceCorruptError):
        for damage in found:
            if damage.offset <= exc.offset and (damage.resumed is None
                                                or exc.offset < damage.resumed):
                return damage
        return Damage(exc.offset, None, exc.reason)
    where = entry.task_ends[0] if entry.task_ends else entry.end or entry.start or 0
    return Damage(where, None, f"a task's writes that cannot be replayed ({exc})")


_RunView = tuple[int, int, list[StepEntry], dict[int, Damage], dict[int, Damage]]
"""Steps and damage counts when made, the run's step entries, the steps a damaged region
lies inside, the steps a damaged region before them may have taken whole steps from."""


class _StepDamaged(Exception):
    def __init__(self, damage: Damage) -> None:
        super().__init__(damage.reason)
        self.damage = damage


def _damaged(entries: list[StepEntry], damage: list[Damage], run_offset: int,
             run_end: int | None) -> tuple[dict[int, Damage], dict[int, Damage]]:
    """Two maps step → damage. First, the steps whose span of the file holds the start of
    a damaged region: the frames lost there may have been theirs (a task_end, the
    step_end, or the step_start). Then the steps after a damaged region between them
    and the run's previous step (or its run_start) whose number does not follow on from
    that step's: whole steps were lost there (every frame of them), which no span
    holds, and nothing says what they changed."""
    if not damage:
        return {}, {}
    found: dict[int, Damage] = {}
    before: dict[int, Damage] = {}
    lower = run_offset
    for i, entry in enumerate(entries):
        low = entry.start if entry.start is not None else lower
        follows = entry.step == (entries[i - 1].step + 1 if i else 0)
        if not follows:
            for d in damage:
                if lower < d.offset < low:
                    before.setdefault(entry.step, d)
                    break
        if entry.end is not None:
            high: float = entry.end
        else:  # until the next step of the run starts, the run ends, or the file does
            following = entries[i + 1].start if i + 1 < len(entries) else None
            high = following if following is not None else (
                run_end if run_end is not None else float("inf"))
        for d in damage:
            if low < d.offset < high:
                found.setdefault(entry.step, d)
                break
        lower = entry.end if entry.end is not None else low
    return found, before


def _writes(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """A task_end's writes as (key, value) pairs (TraceCorruptError-free: a malformed
    list is a damaged frame's, reported by the caller)."""
    writes = data.get("w", ())
    if type(writes) is not list:
        raise TypeError("task writes that are not an array")
    out = []
    for write in writes:
        if type(write) is not list or len(write) != 2 or type(write[0]) is not str:
            raise TypeError("a task write that is not a [key, value] pair")
        out.append((write[0], write[1]))
    return out


def apply_step(trace: Trace, entry: StepEntry, state: dict[str, Any],
               reducers: dict[str, str | None],
               unknown: dict[str, Damage] | None = None,
               read: Callable[[int], dict[str, Any]] | None = None) -> None:
    """Apply one step's step_end deltas ("w" replays the task writes, "s" sets).

    This runs once per step of a replay (10,000 times for a first look at step 10,000),
    so the one-task step takes a short path.
    """
    if entry.end is None:
        return  # the step never finished (error, interrupt or crash): state unchanged
    read = read or trace.frames.data
    ends: list[dict[str, Any]] | None = None
    deltas = read(entry.end).get("d", ())
    if type(deltas) is not list:
        raise TraceCorruptError("a step_end whose deltas are not an array", entry.end)
    for delta in deltas:
        try:
            op, key = delta[0], delta[1]
            if op == "w":
                if ends is None:
                    offsets = entry.task_ends
                    ends = ([read(offsets[0])] if len(offsets) == 1
                            else _ordered_task_ends(trace, entry, read))
                values = [v for data in ends for k, v in _writes(data) if k == key]
                apply_writes(state, key, reducers.get(key), values)
                if unknown and reducers.get(key) is None and values:
                    unknown.pop(key, None)
            elif op == "s":
                state[key] = own(delta[2])
                if unknown:
                    unknown.pop(key, None)
            elif op == "x":
                state.pop(key, None)
                if unknown:
                    unknown.pop(key, None)
        except (TypeError, IndexError, KeyError, ValueError, AttributeError) as exc:
            raise TraceCorruptError(f"a step_end delta that cannot be applied "
                                    f"({type(exc).__name__}: {exc})", entry.end) from None


def _ordered_task_ends(trace: Trace, entry: StepEntry,
                       read: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
    """The step's task_end data in task-path order (names read only when needed)."""
    ends = [read(o) for o in entry.task_ends]
    if len(ends) < 2:
        return ends
    names: list[Any] = []
    if entry.start is not None:
        found = read(entry.start).get("names", [])
        names = found if type(found) is list else []

    def key(data: dict[str, Any]) -> tuple[Any, ...]:
        if "px" in data:
            px = data["px"]
            return ("__pregel_push", px if type(px) is int else -1, "")
        slot = data.get("i", -1)
        name = names[slot] if type(slot) is int and 0 <= slot < len(names) else ""
        return ("__pregel_pull", 0, str(name))

    return sorted(ends, key=key)
