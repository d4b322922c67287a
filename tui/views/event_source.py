"""Reading events of a trace lazily, by offset, from any thread.

`Trace.read` seeks a shared file object and every `Trace` call takes the trace's lock,
which state replay holds for a long time. The views read through `EventSource` instead:
frames come from `tui.views.frame_map` (a memory map of the views' own, no lock, no
shared file position) and are rebuilt with the tracer's `expand`. Calls that must go
through `Trace.read` (`state_at`, `diff`) hold `trace_lock(trace)`.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator
from typing import Any

from engine.events import Event
from tracer import Trace, TraceCorruptError
from tracer.records import KIND_CODES, KIND_NAMES, expand
from tui.views.frame_map import frame_map

_LOCKS_GUARD = threading.Lock()


def trace_lock(trace: Trace) -> threading.RLock:
    """The lock the views hold around `Trace` calls that seek its file."""
    with _LOCKS_GUARD:
        lock = trace.__dict__.get("_tui_lock")
        if lock is None:
            lock = trace.__dict__["_tui_lock"] = threading.RLock()
        return lock


def frame_offsets(trace: Trace, start: int, stop: int | None = None) -> Iterator[tuple[int, int]]:
    """(offset, kind code) of each whole frame from `start` up to `stop` (inclusive).

    Hops frame heads through the views' own map of the file; stops at the end of the
    whole frames (or at the first damaged head: the tracer's index reports corruption).
    The kind code is read from the payload's second byte (-1 for a kind given as text).
    """
    return frame_map(trace).hop(start, stop)


def kind_name(code: Any) -> str:
    return KIND_NAMES.get(code, str(code)) if isinstance(code, int) else str(code)


class EventSource:
    """Events of one trace by offset, task events named from their step's step_start."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self._map = frame_map(trace)
        self._starts: dict[tuple[tuple[str, ...], int], list[int]] = {}
        self._seen = -1
        self._names: dict[int, tuple[list[Any], list[str]]] = {}
        self._cache: dict[int, Event] = {}

    def event(self, offset: int) -> Event:
        cached = self._cache.get(offset)
        if cached is not None:
            return cached
        code, seq, t, ns_list, step, data = self._map.record(offset)
        kind, ns = kind_name(code), tuple(ns_list)
        names = self._step_names(ns, step, offset) if code in _TASK_CODES else None
        event = Event(kind, seq, t, ns, step, expand(kind, data, names))
        if len(self._cache) > 2048:
            self._cache.clear()
        self._cache[offset] = event
        return event

    def _step_names(self, ns: tuple[str, ...], step: int,
                    offset: int) -> tuple[list[Any], list[str]] | None:
        steps = self.trace.index.steps
        if self._seen != len(steps):
            self._starts = {}
            for entry in steps:
                if entry[3] is not None:
                    self._starts.setdefault((tuple(entry[1]), entry[2]), []).append(entry[3])
            for starts in self._starts.values():
                starts.sort()
            self._seen = len(steps)
        starts = self._starts.get((ns, step), [])
        i = bisect.bisect_left(starts, offset)
        if i == 0:
            return None
        start = starts[i - 1]
        names = self._names.get(start)
        if names is None:
            try:
                data = self._map.record(start)[5]
            except TraceCorruptError:  # a damaged step_start: its tasks stay unnamed
                return None
            names = self._names[start] = (data.get("ids", []), data.get("names", []))
        return names


_TASK_CODES = {KIND_CODES["task_start"], KIND_CODES["task_end"]}


def run_range(trace: Trace, run: int) -> tuple[int, int | None]:
    """Offsets bounding run `run`'s frames: its run_start, and its run_end (None: open)."""
    return trace.index.runs[run][0], trace.index.run_ends.get(run)


def step_range(trace: Trace, run: int, step: int) -> tuple[int, int | None]:
    """Offsets bounding a step's frames (step 0, the input, starts at the run_start)."""
    entry = trace.step_entry(step, run)
    start = entry[3] if entry[3] is not None else trace.index.runs[run][0]
    end = entry[4]
    if end is None and entry[5] and run in trace.index.run_ends:
        end = entry[5][-1]  # cut short by an error or interrupt; still running: open
    return start, end


def own_frames(source: EventSource, run: int, start: int, end: int | None,
               codes: set[int] | None = None) -> Iterator[tuple[int, Event]]:
    """(offset, event) of the frames from `start` to `end` that belong to run `run`'s own
    namespace (not its subgraphs'); with `codes`, only frames of those kinds are decoded
    (the kind is read from the frame's bytes)."""
    trace = source.trace
    ns = tuple(trace.index.runs[run][1])
    for offset, code in frame_offsets(trace, start, end):
        if codes is not None and code not in codes:
            continue
        event = source.event(offset)
        if event.ns == ns:
            yield offset, event


def step_events(source: EventSource, run: int, step: int,
                kinds: set[str] | None = None) -> list[Event]:
    """The events of one step of one run (its own namespace), lazily read."""
    codes = None if kinds is None else {KIND_CODES[k] for k in kinds if k in KIND_CODES}
    start, end = step_range(source.trace, run, step)
    out = []
    for _, event in own_frames(source, run, start, end, codes):
        if event.kind in ("keyframe", "index"):
            continue
        if event.step == step or event.kind == "run_start":
            out.append(event)
    return out
