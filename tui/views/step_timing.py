"""When each step and task of a run started and ended, read from a trace's index.

Only the frames the index points at are read (step_start, task_end, step_end), so a
step costs a few reads whatever the trace's size; `RunSteps` keeps a run's index
entries and a bounded cache of `StepTiming`s, for views that redraw on every step change.
It reads through `Trace.read`, which takes no lock, so a view redrawing on
the UI thread never waits for the trace's lock while a worker replays state.
No Textual here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.events import Event
from tracer import Trace, TraceCorruptError
from tracer.entries import StepEntry
from tui.views.values import task_status


@dataclass(frozen=True)
class TaskTiming:
    """One task of a step: times in ns since the root run started."""

    name: str
    task_id: str
    start: int | None
    end: int | None
    """None while the task runs (no task_end yet)."""
    status: str
    """"done", "failed", "interrupted", "running" (no task_end yet), or "unknown" (the
    step ended but the task's task_end could not be read)."""

    @property
    def duration(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start


@dataclass(frozen=True)
class StepTiming:
    """One superstep: its span (step_start → step_end) and its tasks in plan order."""

    run: int
    step: int
    start: int
    end: int | None
    tasks: tuple[TaskTiming, ...]

    @property
    def duration(self) -> int:
        """step_start → step_end; for a step an error cut short, → its last task_end."""
        end = self.end
        if end is None:
            end = max((t.end for t in self.tasks if t.end is not None), default=self.start)
        return max(0, end - self.start)

    @property
    def straggler(self) -> TaskTiming | None:
        """The task that ended last, when several ran: the barrier waited for it."""
        ended = [t for t in self.tasks if t.end is not None]
        if len(self.tasks) < 2 or not ended:
            return None
        return max(ended, key=lambda t: t.end or 0)

    def wait(self, task: TaskTiming) -> int:
        """How long `task` waited at the barrier for the straggler, ns."""
        straggler = self.straggler
        if straggler is None or task.end is None or straggler.end is None:
            return 0
        return max(0, straggler.end - task.end)


def read_step(trace: Trace, entry: StepEntry,
              read: Callable[[int], Event] | None = None) -> StepTiming:
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
    finished: dict[str, TaskTiming] = {}
    for off in task_offs:
        try:
            event = read(off)
        except TraceCorruptError:
            continue
        data, t = event.data, event.t
        duration = int(data.get("duration") or 0)
        status = task_status(data.get("error"), data.get("interrupts"))
        task_id = str(data.get("task_id", off))
        finished[task_id] = TaskTiming(str(data.get("name", "?")), task_id, t - duration, t,
                                       status)
    unread = "unknown" if ended else "running"
    tasks: list[TaskTiming] = []
    for i, n in zip(ids, names, strict=False):
        done = finished.pop(str(i), None)
        tasks.append(done if done is not None else TaskTiming(n, str(i), start, None, unread))
    tasks.extend(finished.values())  # task_ends whose step_start was lost
    if start is None and end is not None:
        # Step 0 (the input) has no step_start: it spans from its run's start, as the
        # step list counts it (the lanes showed it as 0 µs beside the list's 2 ms).
        try:
            start = read(trace.index.runs[run].offset).t
        except (TraceCorruptError, IndexError):
            start = None
    first = start if start is not None else end if end is not None else 0
    return StepTiming(run, step, first, end, tuple(tasks))


class RunSteps:
    """A run's step index entries (refreshed as a live trace grows) and cached timings."""

    def __init__(self, trace: Trace, run: int, cache_size: int = 2048) -> None:
        self.trace = trace
        self.run = run
        self._entries: list[StepEntry] = []
        self._position: dict[int, int] = {}
        self._seen = 0
        self._cache: OrderedDict[tuple[Any, ...], StepTiming] = OrderedDict()
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

    def timing(self, position: int) -> StepTiming:
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
