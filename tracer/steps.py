"""One step of a run read at random from a trace's index, as a `StepSpan`.

Only the frames the index points at are read (step_start, task_end, step_end), so a
step costs a few reads whatever the trace's size (the summary reads every frame once, in
order, into the same StepSpans); `RunSteps` keeps a run's index entries and a bounded
cache of spans, for views that redraw on every step change. It reads through
`Trace.read`, which takes no lock, so a view redrawing on the UI thread never waits for
the trace's lock while a worker replays state.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.events import Event
from tracer.entries import StepEntry
from tracer.frames import TraceCorruptError
from tracer.summary import StepSpan, TaskSpan

if TYPE_CHECKING:
    from tracer.reader import Trace


def read_step(trace: Trace, entry: StepEntry,
              read: Callable[[int], Event] | None = None) -> StepSpan:
    """The timing of the step an index entry names.

    A planned task without a readable task_end is "running" while the step has not
    ended; once it has (step_end, or the run_end that cut it), its end is "unknown".
    Frames are read with `read` (default `trace.read`).
    """
    read = read or trace.read
    run, step, start_off, end_off, task_offs = (entry.run, entry.step, entry.start, entry.end,
                                                entry.task_ends)
    ended = end_off is not None or run in trace.index.run_ends
    ids: list[str] = []
    names: list[str] = []
    start = end = None
    if start_off is not None:
        event = read(start_off)
        start = event.t
        ids, names = list(event.data.get("task_ids", [])), list(event.data.get("names", []))
    if end_off is not None:
        end = read(end_off).t
    ns = trace.index.runs[run].ns if run < len(trace.index.runs) else ()
    finished: dict[str, TaskSpan] = {}
    for off in task_offs:
        try:
            event = read(off)
        except TraceCorruptError:
            continue
        data, t = event.data, event.t
        task_id = str(data.get("task_id", off))
        task = TaskSpan(str(data.get("name", "?")), task_id, run, ns, step)
        task.finish(t, data)
        task.start = t - (task.duration or 0)
        finished[task_id] = task
    tasks: list[TaskSpan] = []
    for i, n in zip(ids, names, strict=False):
        done = finished.pop(str(i), None)
        tasks.append(done if done is not None
                     else TaskSpan(n, str(i), run, ns, step, start, lost=ended))
    tasks.extend(finished.values())  # task_ends whose step_start was lost
    if start is None and end is not None:
        # Step 0 (the input) has no step_start: it spans from its run's start, as the
        # step list counts it (the lanes showed it as 0 µs beside the list's 2 ms).
        try:
            start = read(trace.index.runs[run].offset).t
        except (TraceCorruptError, IndexError):
            start = None
    first = start if start is not None else end if end is not None else 0
    return StepSpan(run, ns, step, first, end, complete=end is not None, planned=names,
                    tasks=tasks)


class RunSteps:
    """A run's step index entries (refreshed as a live trace grows) and cached timings."""

    def __init__(self, trace: Trace, run: int, cache_size: int = 2048) -> None:
        self.trace = trace
        self.run = run
        self._entries: list[StepEntry] = []
        self._position: dict[int, int] = {}
        self._seen = 0
        self._cache: OrderedDict[tuple[Any, ...], StepSpan] = OrderedDict()
        self._cache_size = cache_size

    @property
    def entries(self) -> list[StepEntry]:
        """The index entry of each step of the run, in order."""
        self._refresh()
        return self._entries

    def _refresh(self) -> None:
        steps = self.trace.index.steps
        if len(steps) != self._seen:
            for entry in steps[self._seen:]:
                if entry.run == self.run:
                    self._position[entry.step] = len(self._entries)
                    self._entries.append(entry)
            self._seen = len(steps)

    def position(self, step: int) -> int | None:
        """The index of `step` among the run's steps (None if it is not indexed)."""
        self._refresh()
        return self._position.get(step)

    def timing(self, position: int) -> StepSpan:
        """The timing of the step at `position` in `entries` (cached until its entry, filled
        in as a live trace grows, or its run's end changes it)."""
        entry = self.entries[position]
        key = (position, entry.end, len(entry.task_ends), entry.run in self.trace.index.run_ends)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        timing = read_step(self.trace, entry)
        self._cache[key] = timing
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return timing
