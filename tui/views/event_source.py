"""A trace's events by step and by run, for the views; read lazily from any thread.

Everything here goes through the tracer: `Trace.read` decodes one frame (no lock, its
own cache) and `Trace.hop` walks frame heads, resyncing past damage. No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.events import Event
from tracer import Trace
from tracer.records import KIND_CODES


def run_range(trace: Trace, run: int) -> tuple[int, int | None]:
    """Offsets bounding run `run`'s frames: its run_start, and its run_end (None: open)."""
    return trace.index.runs[run].offset, trace.index.run_ends.get(run)


def step_range(trace: Trace, run: int, step: int) -> tuple[int, int | None]:
    """Offsets bounding a step's frames (step 0, the input, starts at the run_start)."""
    return trace.step_range(trace.step_entry(step, run))


def own_frames(trace: Trace, run: int, start: int, end: int | None,
               codes: set[int] | None = None) -> Iterator[tuple[int, Event]]:
    """(offset, event) of the frames from `start` to `end` that belong to run `run`'s own
    namespace (not its subgraphs'); with `codes`, only frames of those kinds are decoded
    (the kind is read from the frame's bytes)."""
    ns = trace.index.runs[run].ns
    for offset, code in trace.hop(start, end):
        if codes is not None and code not in codes:
            continue
        event = trace.read(offset)
        if event.ns == ns:
            yield offset, event


def step_events(trace: Trace, run: int, step: int,
                kinds: set[str] | None = None) -> list[Event]:
    """The events of one step of one run (its own namespace), lazily read."""
    codes = None if kinds is None else {KIND_CODES[k] for k in kinds if k in KIND_CODES}
    start, end = step_range(trace, run, step)
    out = []
    for _, event in own_frames(trace, run, start, end, codes):
        if event.kind in ("keyframe", "index"):
            continue
        if event.step == step or event.kind == "run_start":
            out.append(event)
    return out
