"""A trace's index: where its runs, steps and keyframes are (FORMAT.md §6).

The index lists runs, steps (with the offsets of their step_start, step_end and
task_end frames) and keyframes. The writer builds it event by event and writes it at
close, and `from_footer` reads it back in O(1); `tracer.scanner` builds the same one
from the frames of a file that was never closed (a crash, or a file still growing).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tracer.codec import UndecodableError, unpack_record
from tracer.entries import (
    Damage,
    KeyframeEntry,
    MalformedIndex,
    RunEntry,
    StepEntry,
    checked_offset,
)
from tracer.frames import (
    FOOTER_SIZE,
    FRAME_HEAD,
    TraceCorruptError,
    parse_footer,
)
from tracer.frameview import FrameView
from tracer.records import KIND_CODES

_STEP_START, _TASK_END, _STEP_END, _RUN_END, _INDEX = (
    KIND_CODES[k] for k in ("step_start", "task_end", "step_end", "run_end", "index"))


@dataclass
class TraceIndex:
    """Where things are in a trace file, and the builder that keeps it up to date."""

    runs: list[RunEntry] = field(default_factory=list)
    steps: list[StepEntry] = field(default_factory=list)
    """In step_start order: a parent's step comes before the steps of a subgraph it runs."""
    keyframes: list[KeyframeEntry] = field(default_factory=list)
    run_ends: dict[int, int] = field(default_factory=dict)
    """run number → offset of its run_end frame (absent: the run did not finish)."""
    events: int = 0
    """Frames indexed (events and keyframes)."""
    end: int = 0
    """Offset just past the last whole frame read."""
    damage: list[Damage] = field(default_factory=list)
    torn: bool = False
    """The file ends inside a frame (a crash mid-write, or a file still growing)."""
    finished: bool = False
    """Read from a footer: the writer closed the file cleanly."""
    _run_of: dict[tuple[str, ...], int] = field(default_factory=dict, repr=False)
    _open: dict[tuple[str, ...], StepEntry] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[TraceCorruptError]:
        """The damaged regions as errors (message and offset), in file order."""
        return [TraceCorruptError(d.reason, d.offset) for d in self.damage]

    def run_of(self, ns: tuple[str, ...]) -> int:
        """The number of the latest run of namespace `ns` (-1 before any)."""
        return self._run_of.get(ns, -1)

    # -- building, one frame at a time (the writer and the scanner) -----------------------
    def add_run(self, offset: int, ns: tuple[str, ...], run_id: str,
                parent: str | None) -> None:
        self._run_of[ns] = len(self.runs)
        self.runs.append(RunEntry(offset, ns, run_id, parent))
        self._open.pop(ns, None)  # a step of an earlier run here that never ended

    def note_step(self, kind: int, ns: tuple[str, ...], step: int, offset: int,
                  replay: list[str] | None = None) -> None:
        """Keep the step entries up to date with a step_start, task_end, step_end or
        run_end frame of namespace `ns`."""
        if kind == _TASK_END:
            entry = self._open.get(ns)
            if entry is not None:
                entry.task_ends.append(offset)
        elif kind == _STEP_START:
            entry = StepEntry(self._run_of.get(ns, -1), ns, step, offset, None, [])
            self._open[ns] = entry
            self.steps.append(entry)
        elif kind == _STEP_END:
            entry = self._open.pop(ns, None)
            if entry is None:
                self.steps.append(StepEntry(self._run_of.get(ns, -1), ns, step, None,
                                            offset, [], replay))
            else:
                entry.end = offset
                entry.replay = replay
        elif kind == _RUN_END:
            run = self._run_of.get(ns, -1)
            if run >= 0:  # not the run_end of a run whose run_start was lost
                self.run_ends[run] = offset
            self._open.pop(ns, None)  # a step an error or interrupt cut stays unfinished

    def add_step(self, ns: tuple[str, ...], step: int, start: int, task_ends: list[int],
                 end: int, replay: list[str] | None) -> None:
        """A whole step at once: its step_start, task_ends and step_end, in that order
        (what `note_step` makes of them one by one)."""
        self._open.pop(ns, None)
        self.steps.append(StepEntry(self._run_of.get(ns, -1), ns, step, start, end,
                                    task_ends, replay))

    def add_keyframe(self, ns: tuple[str, ...], step: int, offset: int) -> None:
        self.keyframes.append(KeyframeEntry(self._run_of.get(ns, -1), ns, step, offset))

    # -- on disk ---------------------------------------------------------------------------
    def to_record(self, frame_events: int) -> dict[str, Any]:
        """The index frame's data (FORMAT.md §6); `frame_events` event frames precede it."""
        return {"steps": [e.as_list() for e in self.steps],
                "keyframes": [k.as_list() for k in self.keyframes],
                "runs": [r.as_list() for r in self.runs], "events": frame_events,
                "run_ends": {str(k): v for k, v in self.run_ends.items()},
                "frame_head": FRAME_HEAD}

    @classmethod
    def from_record(cls, data: dict[str, Any], at: int) -> TraceIndex:
        """The index of a closed file from its index frame's data (MalformedIndex if any
        part of it has the wrong shape)."""
        try:
            runs = [RunEntry.from_list(r) for r in data["runs"]]
            steps = [StepEntry.from_list(s) for s in data["steps"]]
            keyframes = [KeyframeEntry.from_list(k) for k in data["keyframes"]]
            ends = data.get("run_ends") or {}
            if type(ends) is not dict:
                raise TypeError(f"run_ends that is not a map but a {type(ends).__name__}")
            run_ends = {int(k): checked_offset(v) for k, v in ends.items()}
            events = int(data["events"])
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
            raise MalformedIndex(f"malformed index ({exc})") from None
        for offset in (*(r.offset for r in runs), *(k.offset for k in keyframes),
                       *run_ends.values(), *_step_offsets(steps)):
            if offset >= at:
                raise MalformedIndex(f"an index offset past the index frame: {offset}")
        # Each item must name a run the index lists, of its namespace: a step filed under
        # another run would replay into that run's states.
        for run, ns in (*((e.run, e.ns) for e in steps), *((k.run, k.ns) for k in keyframes)):
            if not ((0 <= run < len(runs) and runs[run].ns == ns) or run == -1):
                raise MalformedIndex(f"an index item of run {run}, which the index does not "
                                     "list with that namespace")
        if any(not 0 <= run < len(runs) for run in run_ends):
            raise MalformedIndex("a run_end of a run the index does not list")
        index = cls(runs=runs, steps=steps, keyframes=keyframes, run_ends=run_ends,
                    events=events, end=at, finished=True)
        index._run_of = {run.ns: number for number, run in enumerate(runs)}
        return index


def _step_offsets(steps: list[StepEntry]) -> Iterator[int]:
    for entry in steps:
        yield from (o for o in (entry.start, entry.end) if o is not None)
        yield from entry.task_ends


def from_footer(view: FrameView, start: int) -> tuple[TraceIndex | None, Damage | None]:
    """The index a cleanly closed trace ends with, or None (no footer, or one that does
    not lead to a whole, valid index frame: the file is then scanned). A footer whose
    index is damaged or malformed is reported as damage."""
    size = view.size()
    if size < start + FOOTER_SIZE + FRAME_HEAD:
        return None, None
    at = parse_footer(view.read(size - FOOTER_SIZE, FOOTER_SIZE))
    if at is None:
        return None, None
    if not start <= at < size - FOOTER_SIZE:
        return None, Damage(size - FOOTER_SIZE, None, "the footer points outside the file")
    try:
        payload = view.payload(at)
        if at + FRAME_HEAD + len(payload) != size - FOOTER_SIZE:
            raise TraceCorruptError("the index frame does not end at the footer", at)
        record = unpack_record(payload)
        if record[0] != _INDEX:
            raise TraceCorruptError("the footer points at a frame that is not the index", at)
        return TraceIndex.from_record(record[5], at), None
    except TraceCorruptError as exc:
        return None, Damage(exc.offset, None, f"unreadable index: {exc.reason}")
    except (MalformedIndex, UndecodableError) as exc:
        return None, Damage(at, None, f"unreadable index: {exc}")


def replay_keys(deltas: Any) -> list[str] | None:
    """The keys of a step_end's deltas when each is "w" (replay the tasks' writes), for
    the index: a replay then need not read the step_end. None when any delta carries a
    value or removes a key (the step_end must be read)."""
    try:
        keys = [d[1] for d in deltas if d[0] == "w"]
    except (TypeError, IndexError, KeyError):
        return None
    if len(keys) != len(deltas) or any(type(k) is not str for k in keys):
        return None
    return keys


__all__ = ["Damage", "TraceIndex", "from_footer", "replay_keys"]
