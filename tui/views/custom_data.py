"""The custom events view's model: what nodes wrote with their stream writer.

A step's (or a whole run's) custom events are listed as frame offsets, found by hopping
frame heads; the columns are measured while the worker reads them, so the list can draw
any row later from its offset alone (decoding only the rows on screen).
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from rich.cells import cell_len

from engine.events import Event
from tracer import Trace
from tracer.records import KIND_CODES
from tui.views.event_source import own_frames, run_range, step_range
from tui.views.values import inline

PAYLOAD_LIMIT = 200
"""Payloads are shortened to about this many characters (`values.inline`)."""
TITLES = ("time", "step", "node", "payload")
_CUSTOM = KIND_CODES["custom"]


@dataclass(frozen=True)
class CustomRow:
    """One custom event: when (ns since the run started), in which step and node."""

    t: int
    step: int
    node: str
    task_id: str
    payload: Any

    @property
    def text(self) -> str:
        return inline(self.payload, PAYLOAD_LIMIT)


def custom_row(event: Event) -> CustomRow:
    """The row of a custom event."""
    return CustomRow(event.t, event.step, event.data.get("name") or "?",
                     event.data.get("task_id") or "", event.data.get("payload"))


def clock(t: int) -> str:
    """ns since the run started as seconds with millisecond precision: `+1.234 s`."""
    return f"+{t / 1e9:.3f} s"


@dataclass(frozen=True)
class CustomColumns:
    """Widths of the time, step, node and payload columns (at least their titles').

    Lines are laid out as a table's: each cell padded by one space on both sides.
    """

    time: int = len(TITLES[0])
    step: int = len(TITLES[1])
    node: int = len(TITLES[2])
    payload: int = len(TITLES[3])

    def cells(self, cells: tuple[str, str, str, str]) -> str:
        time, step, node, payload = cells
        return f" {time:<{self.time}}  {step:<{self.step}}  {node:<{self.node}}  {payload}"

    @property
    def header(self) -> str:
        return self.cells(TITLES)

    @property
    def width(self) -> int:
        """Cells of the widest line (the payload column's longest text, padded)."""
        return self.time + self.step + self.node + self.payload + 8

    def line(self, event: Event) -> str:
        """The custom event as one line under `header`."""
        row = custom_row(event)
        return self.cells((clock(row.t), str(row.step), row.node, row.text))


@dataclass
class CustomList:
    """A step's or a run's custom events: frame offsets and steps, in seq order."""

    offsets: array[int] = field(default_factory=lambda: array("Q"))
    steps: array[int] = field(default_factory=lambda: array("q"))
    columns: CustomColumns = CustomColumns()

    def index_of_step(self, step: int) -> int:
        """The row of the first event of `step` or a later step (the last row if none)."""
        return min(bisect.bisect_left(self.steps, step), max(len(self.steps) - 1, 0))


def custom_list(trace: Trace, run: int, step: int | None) -> CustomList:
    """The custom events of one step of run `run`, or of the whole run (`step` None).

    Only custom frames are decoded (the kind is read from the frame's bytes); events of
    the run's subgraphs (other namespaces) are left out.
    """
    start, end = run_range(trace, run) if step is None else step_range(trace, run, step)
    # Phase 1: the run's own custom events of the step (or run), measured for the columns
    # (arrays, not a row object per event: a whole run can hold a million of them).
    seqs: array[int] = array("q")
    found = CustomList()
    last_t = last_step = node = payload = 0
    for offset, event in own_frames(trace, run, start, end, {_CUSTOM}):
        if step is not None and event.step != step:
            continue
        row = custom_row(event)
        seqs.append(event.seq)
        found.offsets.append(offset)
        found.steps.append(row.step)
        last_t, last_step = max(last_t, row.t), max(last_step, row.step)
        node = max(node, cell_len(row.node))
        payload = max(payload, cell_len(row.text))
    # Phase 2: seq order (the file's, unless frames were written out of order).
    if any(a > b for a, b in pairwise(seqs)):
        order = sorted(range(len(seqs)), key=seqs.__getitem__)
        found.offsets = array("Q", (found.offsets[i] for i in order))
        found.steps = array("q", (found.steps[i] for i in order))
    # Phase 3: each column as wide as its widest cell, or its title.
    base = found.columns
    found.columns = CustomColumns(max(base.time, len(clock(last_t)) if seqs else 0),
                                  max(base.step, len(str(last_step))),
                                  max(base.node, node), max(base.payload, payload))
    return found
