"""What the step list shows for each step, read from a trace without Textual.

A row needs the step's task names, its duration, and whether a task failed, was
interrupted or called an LLM. That is a handful of frames per step (step_start,
step_end, task_ends), plus one kind check per frame of the step for LLM calls, so rows
are read lazily (only the visible ones, or in a background pass) and cached.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from tracer import Trace, TraceCorruptError, TraceError
from tracer.entries import StepEntry
from tracer.records import KIND_CODES
from tracer.summary import is_stop
from tui.run_paths import fork_counts

_LLM_START = KIND_CODES["llm_start"]
_INTERRUPT = KIND_CODES["interrupt"]


@dataclass(frozen=True)
class StepRow:
    """One line of the step list."""

    step: int
    nodes: tuple[str, ...] = ()
    duration_ns: int | None = None
    errors: int = 0
    interrupts: int = 0
    llm_calls: int = 0
    complete: bool = True
    """The step reached its step_end (its barrier)."""
    running: bool = False
    """No step_end yet and the run has not ended: the step is in progress (or the
    writer died in it: a file cannot tell the two apart)."""
    broken: bool = False
    """A frame of the step could not be read (corruption)."""
    tainted: bool = False
    """The state after this step depends on an earlier step whose frames are damaged
    (until a keyframe restores the whole state): some of its keys may be unknown."""
    forks: int = 0
    """Time-travel branches recorded from this step (`stepscope debug`'s forks)."""
    marker: str | None = None
    """Not a step: the line between two runs of a thread (`tui.thread_rows`), its text."""

    @property
    def marks(self) -> str:
        """The row's marks: ✗ error, ‖ interrupt, ◆N LLM calls, ⑂N forks from the step,
        ⚠ unreadable frames, ? a state that depends on an earlier damaged step."""
        out = []
        if self.errors:
            out.append("✗")
        if self.interrupts:
            out.append("‖")
        if self.llm_calls:
            out.append(f"◆{self.llm_calls}")
        if self.forks:
            out.append(f"⑂{self.forks}")
        if self.broken:
            out.append("⚠")
        elif self.tainted:
            out.append("?")
        return " ".join(out)


def node_list(nodes: tuple[str, ...]) -> str:
    """A step's task names, a node that ran several times (a Send fan-out, parallel
    calls) once with its count: "split, shout ×3"."""
    return ", ".join(name if n == 1 else f"{name} ×{n}" for name, n in Counter(nodes).items())


def planned(trace: Trace, run: int, step: int) -> tuple[list[str], list[str]]:
    """(task ids, node names) of what `step` of run `run` planned: its step_start alone
    is read (none for the input step)."""
    start = trace.step_entry(step, run).start
    if start is None:
        return [], []
    data = trace.read(start).data
    return [str(i) for i in data.get("task_ids") or ()], [str(n) for n in data.get("names")
                                                           or ()]


def run_status(trace: Trace | None, run: int) -> str:
    """done / error / interrupted from the run's run_end; "incomplete" without one, plus
    "step N running" while its latest step has no step_end either."""
    offset = trace.index.run_ends.get(run) if trace is not None else None
    if trace is None:
        return ""
    if offset is None:
        open_step = running_step(trace, run)
        return "incomplete" + ("" if open_step is None else f" · step {open_step} running")
    try:
        return str(trace.read(offset).data.get("status") or "done")
    except TraceError:
        return "end unreadable"


def is_running(trace: Trace, run: int, entry: StepEntry) -> bool:
    """The step has no step_end and nothing says it will not get one (its run has not
    ended and the writer has not closed the file)."""
    return entry.end is None and run not in trace.index.run_ends and not trace.finished


def running_step(trace: Trace, run: int) -> int | None:
    """The step of run `run` in progress (its latest, if that has no step_end yet)."""
    for entry in reversed(trace.index.steps):
        if entry.run == run:
            return entry.step if is_running(trace, run, entry) else None
    return None


def step_entries(trace: Trace, run: int) -> list[StepEntry]:
    """The index entries of run `run`, in step order."""
    return [entry for entry in trace.index.steps if entry.run == run]


def first_offset(trace: Trace, run: int, entry: StepEntry) -> int:
    """Where a step's frames begin (step 0 has no step_start: from its run_start)."""
    return entry.start if entry.start is not None else trace.index.runs[run].offset


def damaged_rows(trace: Trace, run: int, entries: list[StepEntry],
                 bad_offsets: tuple[int, ...]) -> set[int]:
    """Rows to mark for each corrupt offset: the step whose frames hold it, else the
    first step after it (a step whose own frames were lost is not in the index)."""
    out: set[int] = set()
    for bad in bad_offsets:
        after = None
        for i, entry in enumerate(entries):
            first = first_offset(trace, run, entry)
            last = entry.end if entry.end is not None else trace.index.end
            if first <= bad <= last:
                out.add(i)
                break
            if first > bad and after is None:
                after = i
        else:
            if after is not None:
                out.add(after)
    return out


def tainted_rows(trace: Trace, run: int, entries: list[StepEntry],
                 bad_rows: set[int]) -> set[int]:
    """Rows after a damaged one whose state replays through it: every later step of the
    run until a keyframe (a whole state written after the damaged step) restores it."""
    if not bad_rows:
        return set()
    keyframes = sorted(k.step for k in trace.index.keyframes if k.run == run)
    out: set[int] = set()
    for bad in sorted(bad_rows):
        damaged = entries[bad].step
        healed = next((k for k in keyframes if k >= damaged), None)
        for i in range(bad + 1, len(entries)):
            if healed is not None and entries[i].step >= healed:
                break
            if i not in bad_rows:
                out.add(i)
    return out


def root_limit(trace: Trace, run: int) -> int | None:
    """For a root run, the last offset its frames can be at: before the next root run
    (a later invoke, resume or fork; a step an interrupt cut has no step_end to stop at).
    None otherwise (subgraph runs of parallel tasks interleave) and for the last."""
    runs = trace.index.runs
    if not 0 <= run < len(runs) or runs[run].ns:
        return None
    return next((r.offset - 1 for r in runs[run + 1:] if not r.ns), None)


def read_row(trace: Trace, run: int, entry: StepEntry, broken: bool = False) -> StepRow:
    """The step list row for one index entry."""
    step, start, end, task_ends = entry.step, entry.start, entry.end, entry.task_ends
    running = is_running(trace, run, entry)
    first = first_offset(trace, run, entry)
    try:
        t0 = trace.read_record(first)[2]
        nodes: tuple[str, ...] = ()
        if start is not None:
            nodes = tuple(trace.read(start).data.get("names") or ())
        errors = interrupts = 0
        t1 = None
        for offset in task_ends:
            data = trace.read(offset)
            error = data.data.get("error")
            errors += error is not None and not is_stop(error)
            interrupts += bool(data.data.get("interrupts"))
            t1 = data.t if t1 is None else max(t1, data.t)
        if end is not None:
            t1 = trace.read_record(end)[2]
        llm = 0
        for _, code in trace.frame_kinds(first, end if end is not None
                                         else root_limit(trace, run)):
            if code == _LLM_START:
                llm += 1
            elif code == _INTERRUPT:
                interrupts = max(interrupts, 1)
    except TraceCorruptError:
        return StepRow(step, nodes=("(unreadable)",), complete=end is not None,
                       running=running, broken=True)
    duration = None if t1 is None or running else max(0, t1 - t0)
    return StepRow(step, nodes, duration, errors, interrupts, llm, end is not None, running,
                   broken)


class RowCache:
    """Rows of one run, read on demand and kept (safe to fill from a worker thread)."""

    def __init__(self, trace: Trace, run: int) -> None:
        self.trace = trace
        self.run = run
        self.entries: list[StepEntry] = step_entries(trace, run)
        self._rows: dict[int, StepRow] = {}
        self._open: dict[int, tuple[Any, ...]] = {}
        """Row index → what its entry held at the last refresh, for steps that had no
        step_end then (their entries are filled in place as a live trace grows)."""
        self.bad_offsets: tuple[int, ...] = ()
        self.bad_rows: set[int] = set()
        self.tainted_rows: set[int] = set()
        self._runs_seen = len(trace.index.runs)
        self.forks = fork_counts(trace, run)
        self.mark_bad(tuple(e.offset for e in trace.errors))
        self._watch(list(range(len(self.entries))))

    def refresh(self) -> int:
        """Pick up what a growing file added; return how many rows are new or changed.

        A changed row is a step that had no step_end at the last refresh and has since
        gained a task_end or its step_end, or whose run ended: its cached row is dropped
        so it is read again (a step shown as running does not stay so).
        """
        before = len(self.entries)
        self.entries = step_entries(self.trace, self.run)
        changed = [i for i, seen in self._open.items()
                   if self._signature(self.entries[i]) != seen]
        for i in changed:
            self._rows.pop(i, None)
        self._watch([*self._open, *range(before, len(self.entries))])
        if len(self.trace.errors) != len(self.bad_offsets):
            self.mark_bad(tuple(e.offset for e in self.trace.errors))
        if len(self.trace.index.runs) != self._runs_seen:  # maybe a fork of this run
            self._runs_seen = len(self.trace.index.runs)
            forks = fork_counts(self.trace, self.run)
            if forks != self.forks:
                self.forks = forks
                self._rows.clear()
                return len(self.entries) - before + len(changed) + 1
        return len(self.entries) - before + len(changed)

    def _signature(self, entry: StepEntry) -> tuple[Any, ...]:
        return entry.end, len(entry.task_ends), self.run in self.trace.index.run_ends

    def _watch(self, indices: list[int]) -> None:
        """Note what the entries at `indices` hold now, keeping those still unfinished."""
        ended = self.run in self.trace.index.run_ends
        self._open = {i: self._signature(self.entries[i]) for i in indices
                      if self.entries[i].end is None and not ended}

    def mark_bad(self, offsets: tuple[int, ...]) -> None:
        """Corrupt offsets found later (an integrity scan): rows re-read with the marks."""
        self.bad_offsets = offsets
        self.bad_rows = damaged_rows(self.trace, self.run, self.entries, offsets)
        self.tainted_rows = tainted_rows(self.trace, self.run, self.entries, self.bad_rows)
        self._rows.clear()

    def __len__(self) -> int:
        return len(self.entries)

    def steps(self, run: int | None = None) -> list[int]:
        return [entry.step for entry in self.entries]

    def row(self, index: int) -> StepRow:
        row = self._rows.get(index)
        if row is None:
            row = read_row(self.trace, self.run, self.entries[index], index in self.bad_rows)
            if index in self.tainted_rows:
                row = replace(row, tainted=True)
            if self.forks.get(row.step):
                row = replace(row, forks=self.forks[row.step])
            self._rows[index] = row
        return row

    def cached(self, index: int) -> StepRow | None:
        return self._rows.get(index)

    def place(self, index: int) -> tuple[int, int]:
        """(run, step) of row `index`."""
        return self.run, self.entries[index].step

    def is_marker(self, index: int) -> bool:
        return False  # (a thread's step list has markers: tui.thread_rows)

    def step_index(self, index: int, direction: int = 1) -> int:
        """`index` clamped to the rows (every row is a step)."""
        return max(0, min(index, len(self.entries) - 1))

    def index_of(self, step: int, run: int | None = None) -> int | None:
        """The row index showing `step` (steps are increasing within a run); None if
        `run` is given and is not this one."""
        if run is not None and run != self.run:
            return None
        lo, hi = 0, len(self.entries)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.entries[mid].step < step:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self.entries) and self.entries[lo].step == step else None

    def find(self, start: int, want: str, direction: int = 1) -> int | None:
        """The next row index after `start` whose row has `want` ("error" or "llm")."""
        i = start + direction
        while 0 <= i < len(self.entries):
            if row_has(self.row(i), want):
                return i
            i += direction
        return None


def row_has(row: StepRow, want: str) -> bool:
    """Whether a step's row has `want`: "error" (a failed or damaged step) or "llm" (a
    step with LLM calls); what e and t jump to."""
    return bool(row.errors or row.broken) if want == "error" else (
        want == "llm" and bool(row.llm_calls))
