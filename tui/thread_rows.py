"""The step list of a thread: its root runs' steps in order, a marker line between runs.

A thread's first invoke, each resume after an interrupt and each fork are separate
root runs in the trace (`tracer.threads`); the step list shows them as one timeline:

       3 review                     ‖
     ‖ run 1 · resumed: Send this reply?
       3 review
       4 draft              234ms  ◆1

`ThreadRows` has the reading side of `RowCache` (rows read on demand, marks for
damage, refresh for a growing file) over several runs; a line is a step of one run or
a marker (`StepRow.marker`). A line is placed by (run, step). No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracer import Trace, TraceError
from tracer.threads import Link, Thread, thread_of
from tracer.trace_threads import trace_threads
from tui.selection import Selection
from tui.step_rows import RowCache, StepRow, row_has
from tui.views.values import inline
from tui.visible import visible

PREVIEW = 40
"""Characters of an interrupt's value a marker shows."""


def interrupt_value(interrupt: Any) -> Any:
    """What an interrupt asked (its `value`), whatever form the trace rebuilt it in."""
    fields = getattr(interrupt, "fields", None)
    if isinstance(fields, dict) and "value" in fields:
        return fields["value"]
    if isinstance(interrupt, dict):
        return interrupt.get("value", interrupt)
    return getattr(interrupt, "value", interrupt)


def asked(interrupts: list[Any]) -> str:
    """A short line for what a run's interrupt asked: a dict's first text value (a
    question, usually), else the value written inline; '' for none."""
    if not interrupts:
        return ""
    value = interrupt_value(interrupts[0])
    if isinstance(value, dict):
        value = next((v for v in value.values() if isinstance(v, str)), value)
    text = value if isinstance(value, str) else inline(value, PREVIEW)
    text = " ".join(visible(text).split())
    more = f" (+{len(interrupts) - 1})" if len(interrupts) > 1 else ""
    return (text[:PREVIEW - 1] + "…" if len(text) > PREVIEW else text) + more


def marker_text(link: Link, run: int, before: list[Any]) -> str:
    """The marker line before run `run`: how it follows from the run(s) before it.
    `before`: the interrupts of the run it resumes."""
    if link.relation == "resume":
        what = asked(before)
        return f"‖ run {run} · resumed: {what}" if what else f"↻ run {run} · resumed"
    if link.relation == "fork":
        fork = link.fork or {}
        source = f"run {fork['run']}" if fork.get("run") is not None else "another trace"
        step = fork.get("step")
        at = f" @ step {step}" if step is not None else ""
        return f"⑂ run {run} · fork of {source}{at}"
    return f"▶ run {run} · new input"


@dataclass(frozen=True)
class _Line:
    part: int
    """Index into `ThreadRows.parts`."""
    index: int
    """Row index in that part's RowCache; -1 for the marker line before the part."""


class ThreadRows:
    """The lines of a thread's step list (see the module doc)."""

    def __init__(self, trace: Trace, thread: Thread) -> None:
        self.trace = trace
        self.thread = thread
        self.runs = [r.number for r in thread.runs]
        self.parts = [RowCache(trace, run) for run in self.runs]
        by_number = {r.number: r for r in thread.runs}
        self.markers: list[StepRow | None] = [None]
        for run, link in thread.entries()[1:]:
            previous = by_number.get(link.previous) if link.previous is not None else None
            interrupts = previous.interrupts if previous is not None else []
            text = marker_text(link, run.number, interrupts if link.relation == "resume"
                               else [])
            self.markers.append(StepRow(-1, marker=text))
        self.lines: list[_Line] = []
        self._firsts: list[int] = []
        """Per part, the line of its first step."""
        self._layout()

    @property
    def run(self) -> int:
        """The thread's first run (where the list starts)."""
        return self.runs[0]

    def _layout(self) -> None:
        lines, firsts = [], []
        for part, rows in enumerate(self.parts):
            if self.markers[part] is not None and len(rows):  # (none before a run's steps)
                lines.append(_Line(part, -1))
            firsts.append(len(lines))
            lines.extend(_Line(part, i) for i in range(len(rows)))
        self.lines, self._firsts = lines, firsts

    def __len__(self) -> int:
        return len(self.lines)

    def row(self, index: int) -> StepRow:
        line = self.lines[index]
        if line.index < 0:
            marker = self.markers[line.part]
            assert marker is not None
            return marker
        return self.parts[line.part].row(line.index)

    def cached(self, index: int) -> StepRow | None:
        line = self.lines[index]
        if line.index < 0:
            return self.markers[line.part]
        return self.parts[line.part].cached(line.index)

    def place(self, index: int) -> tuple[int, int]:
        """(run, step) of line `index`; a marker's is its run's first step."""
        line = self.lines[index]
        rows = self.parts[line.part]
        entry = rows.entries[max(0, line.index)] if len(rows) else None
        return self.runs[line.part], entry.step if entry is not None else 0

    def is_marker(self, index: int) -> bool:
        return self.lines[index].index < 0

    def step_index(self, index: int, direction: int = 1) -> int:
        """`index`, or the nearest step line past it in `direction` if it is a marker
        (the other way at either end)."""
        index = max(0, min(index, len(self.lines) - 1))
        for way in (direction or 1, -(direction or 1)):
            i = index
            while 0 <= i < len(self.lines):
                if not self.is_marker(i):
                    return i
                i += way
        return index

    def index_of(self, step: int, run: int | None = None) -> int | None:
        """The line showing `step` of `run` (of the first run, when None)."""
        part = self.runs.index(run) if run in self.runs else 0
        found = self.parts[part].index_of(step)
        return None if found is None else self._firsts[part] + found

    def steps(self, run: int | None = None) -> list[int]:
        """The steps of `run` (the first run's when None)."""
        part = self.runs.index(run) if run in self.runs else 0
        return self.parts[part].steps()

    def find(self, start: int, want: str, direction: int = 1) -> int | None:
        """The next line after `start` whose step has `want` ("error" or "llm")."""
        i = start + direction
        while 0 <= i < len(self.lines):
            if not self.is_marker(i) and row_has(self.row(i), want):
                return i
            i += direction
        return None

    def refresh(self) -> int:
        """Pick up what a growing file added to the thread's runs; lines new or changed."""
        changed = sum(rows.refresh() for rows in self.parts)
        if changed:
            self._layout()
        return changed

    def mark_bad(self, offsets: tuple[int, ...]) -> None:
        for rows in self.parts:
            rows.mark_bad(offsets)


StepLines = RowCache | ThreadRows
"""What the step list shows: one run's rows, or a thread's lines."""


def lines_of(trace: Trace, threads: list[Thread], run: int) -> StepLines:
    """The step list for run `run`: its thread's, when it shares one with other runs."""
    thread = thread_of(threads, run)
    if thread is not None and len(thread.runs) > 1:
        return ThreadRows(trace, thread)
    return RowCache(trace, run)


def thread_grew(threads: list[Thread], rows: StepLines | None, selection: Selection) -> bool:
    """The selected root run's thread has a run that `rows` does not list (a resume or a
    fork recorded since)."""
    thread = thread_of(threads, selection.run)
    if thread is None or selection.ns:
        return False
    shown = rows.runs if isinstance(rows, ThreadRows) else [selection.run]
    return [r.number for r in thread.runs] != shown


def end_index(rows: StepLines, selection: Selection) -> int | None:
    """The line follow mode moves to: the last step listed, unless that is of a run
    before the selected one (a thread's new run that has no step yet: the selection waits
    there for its first); None when nothing is listed or the selection should stay."""
    if not len(rows):
        return None
    if isinstance(rows, ThreadRows) and selection.run in rows.runs:
        last, _ = rows.place(rows.step_index(len(rows) - 1, -1))
        if rows.runs.index(last) < rows.runs.index(selection.run):
            return None
    return len(rows) - 1


def read_threads(trace: Trace) -> tuple[list[Thread], dict[int, Link]]:
    """The file's threads as the viewer reads them (none from a damaged index) and, per
    root run, how it follows the run before it in its thread (for the run tree)."""
    try:
        threads = trace_threads(trace)
    except TraceError:
        return [], {}
    return threads, {r.number: link for t in threads for r, link in t.entries()}
