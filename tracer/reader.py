"""`open_trace(path)` → `Trace`: runs, steps, events, state at any step, diffs, tokens.

Opening a cleanly closed trace reads its footer and index (O(1) in the number of
events); a crashed or still-growing one is indexed by hopping frame heads. Events are
decoded only when asked for, through the trace's `FrameView`, from any thread and
without a lock. `follow()` yields events as another process appends them, and notices
a file that was truncated or replaced under it.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.events import Event
from tracer.entries import Damage, StepEntry
from tracer.frames import FRAME_HEAD, MAX_HEADER, TraceCorruptError, TraceError, read_header
from tracer.frameview import FrameView
from tracer.index import TraceIndex, from_footer
from tracer.records import KIND_CODES, KIND_NAMES, expand
from tracer.scanner import Scanner, resync_file

if TYPE_CHECKING:
    from tracer.analysis import LLMCall
    from tracer.diff import TaskDiff
    from tracer.replay import Replayer

_TASK_CODES = {KIND_CODES["task_start"], KIND_CODES["task_end"]}
_SKIPPED = {"index", "keyframe"}
_CACHE = 4096


class TraceChangedError(TraceError):
    """The file was truncated or replaced since it was opened: reopen it."""


@dataclass(frozen=True)
class RunInfo:
    """One graph run in the file: the root, a subgraph run, or a fork."""

    number: int
    run_id: str
    ns: tuple[str, ...]
    parent_task: str | None
    offset: int


def _short(exc: BaseException) -> str:
    """An exception's message, cut short (it may quote a whole malformed value)."""
    try:
        text = str(exc)
    except Exception:  # a message that cannot be made (a value nested too deep)
        text = "?"
    return text if len(text) <= 200 else text[:200] + "…"


def kind_name(code: Any) -> str:
    """A record's kind code as its name (FORMAT.md §3); unknown codes as text."""
    return KIND_NAMES.get(code, str(code)) if type(code) is int else str(code)


class _StepNames:
    """(ids, names) of the step_start a task event belongs to: the last one of its
    namespace before it, if it is of the event's step and no damaged region lies between
    them. Rebuilt as the index grows; safe from any thread."""

    def __init__(self, trace: Trace) -> None:
        self._trace = trace
        self._starts: dict[tuple[str, ...], tuple[list[int], list[int]]] = {}
        self._seen = -1
        self._names: dict[int, tuple[list[Any], list[str]] | None] = {}

    def of(self, ns: tuple[str, ...], step: int, offset: int) -> tuple[list[Any], list[str]] | None:
        steps = self._trace.index.steps
        if self._seen != len(steps):
            found = sorted((e.ns, e.start, e.step) for e in steps if e.start is not None)
            starts: dict[tuple[str, ...], tuple[list[int], list[int]]] = {}
            for space, start, number in found:
                offsets, numbers = starts.setdefault(space, ([], []))
                offsets.append(start)
                numbers.append(number)
            self._starts, self._seen = starts, len(steps)
        offsets, numbers = self._starts.get(ns, ([], []))
        i = bisect.bisect_left(offsets, offset)
        if i == 0 or numbers[i - 1] != step:
            # Not the step's own step_start: it was lost to damage (an earlier one of the
            # same step number, in an earlier run, would name the wrong tasks).
            return None
        start = offsets[i - 1]
        if any(start < d.offset < offset for d in self._trace.index.damage):
            # The step's own step_start may be lost in between (with the step_starts of
            # steps between, down to one of the same number): the names are unknown.
            return None
        if start in self._names:
            return self._names[start]
        try:
            data = self._trace.frames.record(start)[5]
            ids, names = data.get("ids", []), data.get("names", [])
            found_names = (ids, names) if type(ids) is list and type(names) is list else None
        except TraceCorruptError:  # a damaged step_start: its tasks stay unnamed
            found_names = None
        self._names[start] = found_names
        return found_names


class Trace:
    """A trace file opened for reading (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.frames = FrameView(self.path)
        try:
            self.header, self.start = read_header(self.frames.read(0, MAX_HEADER),
                                                  str(self.path))
            self._fingerprint = self._identity()
            index, damage = from_footer(self.frames, self.start)
            self._scanner: Scanner | None = None
            if index is None:
                self._scanner = Scanner(self.frames, self.start)
                self._scanner.scan()
                index = self._scanner.index
                if damage is not None:  # (what the footer says of its index says more)
                    index.damage[:] = sorted([*(d for d in index.damage
                                                if d.offset != damage.offset), damage],
                                             key=lambda d: d.offset)
        except BaseException:
            self.frames.close()
            raise
        self.index: TraceIndex = index
        self._closed_size = self.frames.size() if index.finished else -1
        self._cache: dict[int, Event] = {}
        self._names = _StepNames(self)
        self._scan_lock = threading.Lock()
        from tracer.replay import Replayer

        self.replayer: Replayer = Replayer(self)

    # -- basics --------------------------------------------------------------------------
    def close(self) -> None:
        self.frames.close()

    def __enter__(self) -> Trace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def finished(self) -> bool:
        """The writer closed the file cleanly (it has an index and footer)."""
        return self.index.finished

    @property
    def errors(self) -> list[TraceCorruptError]:
        """Damaged regions found so far (the frames after each were still read)."""
        return self.index.errors

    @property
    def damage(self) -> list[Damage]:
        return self.index.damage

    @property
    def runs(self) -> list[RunInfo]:
        return [RunInfo(i, r.run_id, r.ns, r.parent, r.offset)
                for i, r in enumerate(self.index.runs)]

    def run_complete(self, run: int = 0) -> bool:
        """Whether run `run` reached its run_end (False after a crash)."""
        return run in self.index.run_ends

    def read(self, offset: int) -> Event:
        """The event of the frame at `offset` (TraceCorruptError if it is damaged or not a
        well-formed record). Safe from any thread."""
        cached = self._cache.get(offset)
        if cached is not None:
            return cached
        code, seq, t, ns_list, step, data = self.frames.record(offset)
        kind, ns = kind_name(code), tuple(ns_list)
        # A task event whose step_start is damaged or missing has no task id or name
        # (None: unknown); the rest of it is read.
        names = self._names.of(ns, step, offset) if code in _TASK_CODES else None
        try:
            event = Event(kind, seq, t, ns, step, expand(kind, data, names))
        except Exception as exc:  # expand is pure: any error means malformed data
            raise TraceCorruptError(f"malformed {kind} record ({type(exc).__name__}: "
                                    f"{_short(exc)})", offset) from None
        cache = self._cache
        if len(cache) > _CACHE:
            self._cache = cache = {}
        cache[offset] = event
        return event

    def read_record(self, offset: int) -> list[Any]:
        """The raw record of the frame at `offset`, CRC-checked and of the right shape."""
        return self.frames.record(offset)

    def offsets(self) -> Iterator[int]:
        """Offsets of every readable frame, in file order (damaged regions skipped; what
        they are is added to `errors`)."""
        scanner = Scanner(self.frames, self.start)
        found = scanner.scan()
        for damage in scanner.index.damage:
            self._note_damage(damage)
        yield from found

    def _note_damage(self, damage: Damage) -> None:
        found = self.index.damage
        if all(d.offset != damage.offset for d in found):
            # A new sorted list, not a sort in place: other threads read the list meanwhile.
            self.index.damage = sorted([*found, damage], key=lambda d: d.offset)

    def events(self, kinds: set[str] | None = None,
               ns: tuple[str, ...] | None = None) -> Iterator[Event]:
        """Every event in file order (index, keyframe frames left out), optionally filtered.
        A frame whose CRC checks out but whose record is malformed is left out and added
        to `errors`, as a damaged one is."""
        offsets = list(self.offsets())
        for i, offset in enumerate(offsets):
            try:
                event = self.read(offset)
            except TraceCorruptError as exc:
                following = offsets[i + 1] if i + 1 < len(offsets) else None
                self._note_damage(Damage(exc.offset, following, exc.reason))
                continue
            if event.kind in _SKIPPED:
                continue
            if kinds is not None and event.kind not in kinds:
                continue
            if ns is not None and event.ns != ns:
                continue
            yield event

    @cached_property
    def run_start(self) -> Event:
        if not self.index.runs:
            raise TraceError(f"{self.path} holds no run yet")
        return self.read(self.index.runs[0].offset)

    @property
    def topology(self) -> dict[str, Any]:
        graph = self.run_start.data.get("graph")
        return graph if isinstance(graph, dict) else {}

    # -- steps ---------------------------------------------------------------------------
    def steps(self, run: int = 0) -> list[int]:
        """Step numbers of a run, in order (step 0 is the input)."""
        return [s.step for s in self.index.steps if s.run == run]

    def step_entry(self, step: int, run: int = 0) -> StepEntry:
        for entry in self.index.steps:
            if entry.run == run and entry.step == step:
                return entry
        raise KeyError(f"run {run} has no step {step}")

    def step_range(self, entry: StepEntry) -> tuple[int, int | None]:
        """Offsets bounding a step's frames: its step_start (the run_start for step 0)
        and its step_end (None while it runs; its last task_end when an error or an
        interrupt cut it and the run has ended)."""
        start = entry.start if entry.start is not None else self.index.runs[entry.run].offset
        end = entry.end
        if end is None and entry.task_ends and entry.run in self.index.run_ends:
            end = entry.task_ends[-1]
        return start, end

    def step_events(self, step: int, run: int = 0) -> list[Event]:
        """The step's own events (its namespace) from step_start to step_end.

        Hops frame heads from the step's first frame to its last (to the end of the
        indexed region while the step is unfinished); a damaged frame in between falls
        back to a full scan that resyncs past it.
        """
        entry = self.step_entry(step, run)
        first = entry.start if entry.start is not None else self.index.runs[run].offset
        end = entry.end
        try:
            offsets = self.frame_offsets(first, end)
            # (An index frame has the root's namespace but is no step's: a scanned file
            # whose index was unreadable has it inside the last step's span.)
            return [e for e in map(self.read, offsets) if e.ns == entry.ns
                    and e.kind != "index"]
        except TraceCorruptError:
            pass
        out: list[Event] = []
        last = end if end is not None else self.index.end - 1  # (as frame_offsets stops)
        for offset in self.offsets():
            if offset < first:
                continue
            if offset > last:
                break
            try:
                event = self.read(offset)
            except TraceCorruptError:
                continue
            if event.ns == entry.ns and event.kind != "index":
                out.append(event)
        return out

    def hop(self, start: int, stop: int | None = None) -> Iterator[tuple[int, int]]:
        """(offset, kind code) of each whole frame from `start` up to `stop` (inclusive),
        reading heads only, from any thread; past a damaged region it resyncs to the next
        valid frame (and adds the damage to `errors`) instead of stopping."""
        at = start
        while True:
            try:
                for offset, code in self.frames.hop(at, stop):
                    at = offset
                    yield offset, code
                return
            except TraceCorruptError as exc:
                size = self.frames.size()
                nxt = resync_file(self.frames, exc.offset, size)
                self._note_damage(Damage(exc.offset, nxt, exc.reason))
                if nxt is None or (stop is not None and nxt > stop):
                    return
                at = nxt

    def frame_offsets(self, first: int, last: int | None = None) -> list[int]:
        """Offsets of the frames from `first` through `last` (or the indexed end), by
        hopping frame heads; TraceCorruptError at a frame head that is not one."""
        return [offset for offset, _ in self.frame_kinds(first, last)]

    def frame_kinds(self, first: int, last: int | None = None) -> list[tuple[int, int]]:
        """(offset, kind code) per frame, as `frame_offsets` hops them. The code is peeked
        from the payload's second byte without a CRC check (-1 if not a small int)."""
        stop = self.index.end - 1 if last is None else last
        return list(self.frames.hop(first, stop))

    def state_at(self, step: int, run: int = 0) -> dict[str, Any]:
        """The state after `step` of run `run` (nearest keyframe, then deltas).

        Raises `DamagedStateError` (a TraceCorruptError naming the step and offset) when
        the state depends on a frame that is damaged or missing; `state_known` says which
        keys are still known then.
        """
        return self.replayer.state_at(step, run)

    def diff(self, step: int, run: int = 0) -> list[TaskDiff]:
        """Per task: what it wrote in `step`, through which reducer, old → new."""
        from tracer.diff import diff

        return diff(self, step, run)

    def llm_calls(self) -> list[LLMCall]:
        """Every LLM call with its token times, TTFT, tokens per second and stalls."""
        from tracer.analysis import llm_calls

        return llm_calls(self.events({"llm_start", "token", "llm_end"}))

    # -- growing files -------------------------------------------------------------------
    def _identity(self) -> tuple[int, int, bytes]:
        """What tells this file from a new one written at the same path: its inode and
        its first bytes (the header, which holds its creation time, and the head of the
        first frame, whose CRC covers the first run's id)."""
        st = os.stat(self.path)
        # Past the block cache: a new recording's first bytes are not in it.
        return st.st_dev, st.st_ino, os.pread(self.frames.fd, self.start + FRAME_HEAD, 0)

    def check_unchanged(self) -> None:
        """Raise TraceChangedError if the file was truncated below what was read or
        replaced by another (a new recording to the same path)."""
        try:
            dev, ino, first = self._identity()
        except OSError:
            raise TraceChangedError(f"{self.path} was removed") from None
        old_dev, old_ino, old_first = self._fingerprint
        size = self.frames.size()
        if (dev, ino) != (old_dev, old_ino):
            raise TraceChangedError(f"{self.path} was replaced by another file")
        if size < self.index.end:
            raise TraceChangedError(f"{self.path} was truncated (now {size} bytes, "
                                    f"{self.index.end} had been read)")
        if first != old_first and len(old_first) == self.start + FRAME_HEAD:
            raise TraceChangedError(f"{self.path} was rewritten by a new recording")
        if len(first) > len(old_first):
            self._fingerprint = (dev, ino, first)  # the first frame arrived since

    def refresh(self) -> list[int]:
        """Index what was appended since the last look; the new frames' offsets.
        TraceChangedError if the file is no longer the one that was opened."""
        self.check_unchanged()
        with self._scan_lock:
            if self._scanner is None:
                if self.frames.size() == self._closed_size:
                    return []  # closed, and nothing appended since
                # Appended to after it was closed: the appender cut the index and footer
                # off and wrote from where the index was. What is cached of the old
                # tail is stale.
                self.frames.forget()
                self.replayer.forget_reader()
                self._scanner = Scanner(self.frames, self.index.end)
                self._scanner.index = self.index
                self.index.finished = False
            return self._scanner.scan()

    def follow(self, poll: float = 0.01,
               stop: Callable[[], bool] | None = None) -> Iterator[Event]:
        """Yield events appended after opening, as they arrive (until `stop()` is true).
        TraceChangedError if the file is truncated or replaced meanwhile."""
        while True:
            new = self.refresh()
            for offset in new:
                event = self.read(offset)
                if event.kind not in _SKIPPED:
                    yield event
            if stop is not None and stop():
                return
            if not new:
                time.sleep(poll)


def open_trace(path: str | os.PathLike[str]) -> Trace:
    """Open a trace file; TraceError with a clear message if it is not a readable trace."""
    return Trace(path)


def read_trace_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The header of the trace at `path`, and nothing more read: TraceError, with
    `open_trace`'s message, if it is no regular file, is empty or is not a trace. (A check
    before opening: it neither reads the index nor scans a file that was not closed.)"""
    view = FrameView(Path(path))
    try:
        header, _ = read_header(view.read(0, MAX_HEADER), str(path))
        return header
    finally:
        view.close()


__all__ = ["KIND_CODES", "RunInfo", "Trace", "TraceChangedError", "open_trace",
           "read_trace_header"]
