"""`open_trace(path)` → `Trace`: runs, steps, events, state at any step, diffs, tokens.

Opening a cleanly closed trace reads its footer and index (O(1) in the number of
events); a crashed or still-growing one is indexed by hopping frame heads. Events are
decoded only when asked for. `follow()` yields events as another process appends them.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zlib import crc32

from engine.events import Event
from tracer.codec import unpack
from tracer.frames import FRAME_HEAD, TraceCorruptError, TraceError, check, parse_head, read_header
from tracer.index import Scanner, TraceIndex, from_footer
from tracer.records import KIND_CODES, KIND_NAMES, expand

if TYPE_CHECKING:
    from tracer.analysis import LLMCall
    from tracer.replay import TaskDiff


@dataclass(frozen=True)
class RunInfo:
    """One graph run in the file: the root, a subgraph run, or a fork."""

    number: int
    run_id: str
    ns: tuple[str, ...]
    parent_task: str | None
    offset: int


_unpack_head = struct.Struct(">BBIBI").unpack_from


def _kind(code: object) -> str:
    return KIND_NAMES.get(code, str(code)) if isinstance(code, int) else str(code)


class Trace:
    """A trace file opened for reading (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise TraceError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise TraceError(f"{self.path} is a directory, not a trace file")
        self._f = open(self.path, "rb")
        try:
            self.header, self.start = read_header(self._f.read(4096), str(self.path))
        except TraceError:
            self._f.close()
            raise
        size = os.fstat(self._f.fileno()).st_size
        index = from_footer(self._f, size, self.start)
        self._scanner: Scanner | None = None
        if index is None:
            self._scanner = Scanner(self._f, self.start)
            self._scanner.scan()
            index = self._scanner.index
        self.index: TraceIndex = index
        self._cache: dict[int, Event] = {}
        self._map: mmap.mmap | None = None
        self._view: memoryview | None = None
        self._starts: dict[tuple[tuple[str, ...], int], list[int]] = {}
        self._starts_seen = -1
        # One lock for the file handle, the memory map and the state memo: a UI reads
        # steps while worker threads follow the file or replay state.
        self._lock = threading.RLock()

    # -- basics --------------------------------------------------------------------------
    def close(self) -> None:
        if self._view is not None:
            self._view.release()
            self._view = None
        if self._map is not None:
            self._map.close()
            self._map = None
        self._f.close()

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
        """Corrupt regions found while indexing (the frames after each were still read)."""
        return self.index.errors

    @property
    def runs(self) -> list[RunInfo]:
        return [RunInfo(i, str(r[2]), tuple(r[1]), r[3], r[0])
                for i, r in enumerate(self.index.runs)]

    def run_complete(self, run: int = 0) -> bool:
        """Whether run `run` reached its run_end (False after a crash)."""
        return run in self.index.run_ends

    def read(self, offset: int) -> Event:
        """The event of the frame at `offset` (TraceCorruptError if it fails its CRC)."""
        with self._lock:
            return self._read(offset)

    def _read(self, offset: int) -> Event:
        cached = self._cache.get(offset)
        if cached is not None:
            return cached
        self._f.seek(offset)
        raw = self._f.read(FRAME_HEAD)
        try:
            head = parse_head(raw, 0)
        except ValueError:
            raise TraceCorruptError("not a frame head", offset) from None
        if head is None:
            raise TraceCorruptError("truncated frame", offset)
        payload = self._f.read(head.length)
        if len(payload) != head.length:
            raise TraceCorruptError("truncated frame", offset)
        if not check(payload, head):
            raise TraceCorruptError("frame CRC mismatch", offset)
        code, seq, t, ns_list, step, data = unpack(payload)
        kind, ns = _kind(code), tuple(ns_list)
        names = self._step_names(ns, step, offset) if kind in ("task_start", "task_end") else None
        event = Event(kind, seq, t, ns, step, expand(kind, data, names))
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[offset] = event
        return event

    def read_record(self, offset: int) -> list[Any]:
        """The raw record of the frame at `offset`, CRC-checked (no event rebuilding).

        Reads go through a memory map of the file (remapped when the file has grown),
        so replaying thousands of steps costs no system calls.
        """
        with self._lock:
            return self._read_record(offset)

    def _read_record(self, offset: int) -> list[Any]:
        view = self._view
        if view is None or offset + FRAME_HEAD > len(view):
            view = self._remap()
            if offset + FRAME_HEAD > len(view):
                raise TraceCorruptError("truncated frame", offset)
        a, b, crc, c, length = _unpack_head(view, offset)
        if a != 0x92 or b != 0xCE or c != 0xC6:
            raise TraceCorruptError("not a frame head", offset)
        end = offset + FRAME_HEAD + length
        if end > len(view):
            view = self._remap()
            if end > len(view):
                raise TraceCorruptError("truncated frame", offset)
        payload = view[offset + FRAME_HEAD: end]
        if crc32(payload) != crc:
            raise TraceCorruptError("frame CRC mismatch", offset)
        return unpack(payload)

    def _remap(self) -> memoryview:
        size = os.fstat(self._f.fileno()).st_size
        if self._map is not None and len(self._map) == size:
            assert self._view is not None
            return self._view
        if self._view is not None:
            self._view.release()
        if self._map is not None:
            self._map.close()
        self._map = mmap.mmap(self._f.fileno(), size, access=mmap.ACCESS_READ) if size else None
        self._view = memoryview(self._map) if self._map is not None else memoryview(b"")
        return self._view

    def _step_names(self, ns: tuple[str, ...], step: int,
                    offset: int) -> tuple[list[Any], list[str]] | None:
        """(ids, names) of the step_start a task event belongs to: the last one before it."""
        if self._starts_seen != len(self.index.steps):
            self._starts = {}
            for entry in self.index.steps:
                if entry[3] is not None:
                    self._starts.setdefault((tuple(entry[1]), entry[2]), []).append(entry[3])
            self._starts_seen = len(self.index.steps)
        best = None
        for start in self._starts.get((ns, step), ()):
            if start < offset and (best is None or start > best):
                best = start
        if best is None:
            return None
        try:
            data = self.read(best).data
        except TraceCorruptError:  # a damaged step_start: its tasks stay unnamed
            return None
        return data["task_ids"], data["names"]

    def offsets(self) -> Iterator[int]:
        """Offsets of every readable frame, in file order (corrupt regions skipped)."""
        scanner = Scanner(self._f, self.start)
        with self._lock:
            found = scanner.scan()
        yield from found
        known = {e.offset for e in self.index.errors}
        self.index.errors.extend(e for e in scanner.index.errors if e.offset not in known)

    def events(self, kinds: set[str] | None = None,
               ns: tuple[str, ...] | None = None) -> Iterator[Event]:
        """Every event in file order (index, keyframe frames left out), optionally filtered."""
        skip = {"index", "keyframe"}
        for offset in self.offsets():
            event = self.read(offset)
            if event.kind in skip:
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
        return self.read(self.index.runs[0][0])

    @property
    def topology(self) -> dict[str, Any]:
        return self.run_start.data["graph"]

    # -- steps ---------------------------------------------------------------------------
    def steps(self, run: int = 0) -> list[int]:
        """Step numbers of a run, in order (step 0 is the input)."""
        return [s[2] for s in self.index.steps if s[0] == run]

    def step_entry(self, step: int, run: int = 0) -> list[Any]:
        for entry in self.index.steps:
            if entry[0] == run and entry[2] == step:
                return entry
        raise KeyError(f"run {run} has no step {step}")

    def step_events(self, step: int, run: int = 0) -> list[Event]:
        """The step's own events (its namespace) from step_start to step_end.

        Hops frame heads from the step's first frame to its last (to the end of the
        indexed region while the step is unfinished); a corrupt frame in between falls
        back to a full scan that resyncs past it.
        """
        entry = self.step_entry(step, run)
        start, end = entry[3], entry[4]
        ns = tuple(entry[1])
        first = start if start is not None else self.index.runs[run][0]
        with self._lock:
            try:
                offsets = self.frame_offsets(first, end)
                return [e for e in map(self._read, offsets) if e.ns == ns]
            except TraceCorruptError:
                pass
        out: list[Event] = []
        for offset in self.offsets():
            if start is not None and offset < start:
                continue
            if end is not None and offset > end:
                break
            event = self.read(offset)
            if event.ns == ns:
                out.append(event)
        return out

    def frame_offsets(self, first: int, last: int | None = None) -> list[int]:
        """Offsets of the frames from `first` through `last` (or the indexed end), by
        hopping frame heads; TraceCorruptError at a frame head that is not one."""
        return [offset for offset, _ in self.frame_kinds(first, last)]

    def frame_kinds(self, first: int, last: int | None = None) -> list[tuple[int, int]]:
        """(offset, kind code) per frame, as `frame_offsets` hops them. The code is peeked
        from the payload's second byte without a CRC check (-1 if not a small int)."""
        with self._lock:
            view = self._remap()
            limit = min(len(view), self.index.end if last is None else last + 1)
            out: list[tuple[int, int]] = []
            at = first
            while at < limit:
                if at + FRAME_HEAD + 2 > len(view):
                    raise TraceCorruptError("truncated frame", at)
                a, b, _crc, c, length = _unpack_head(view, at)
                if a != 0x92 or b != 0xCE or c != 0xC6:
                    raise TraceCorruptError("not a frame head", at)
                code = view[at + FRAME_HEAD + 1]
                out.append((at, code if code < 0x80 else -1))
                at += FRAME_HEAD + length
            return out

    def state_at(self, step: int, run: int = 0) -> dict[str, Any]:
        """The state after `step` of run `run` (nearest keyframe, then deltas)."""
        from tracer.replay import state_at

        with self._lock:
            return state_at(self, step, run)

    def diff(self, step: int, run: int = 0) -> list[TaskDiff]:
        """Per task: what it wrote in `step`, through which reducer, old → new."""
        from tracer.replay import diff

        with self._lock:
            return diff(self, step, run)

    def llm_calls(self) -> list[LLMCall]:
        """Every LLM call with its token times, TTFT, tokens per second and stalls."""
        from tracer.analysis import llm_calls

        return llm_calls(self.events({"llm_start", "token", "llm_end"}))

    # -- growing files -------------------------------------------------------------------
    def follow(self, poll: float = 0.01,
               stop: Callable[[], bool] | None = None) -> Iterator[Event]:
        """Yield events appended after opening, as they arrive (until `stop()` is true)."""
        scanner = self._scanner or Scanner(self._f, self.index.end)
        if self._scanner is None:
            self._scanner = scanner
        while True:
            with self._lock:
                new = scanner.scan()
            for offset in new:
                event = self.read(offset)
                if event.kind not in ("index", "keyframe"):
                    yield event
            if stop is not None and stop():
                return
            if not new:
                time.sleep(poll)


def open_trace(path: str | os.PathLike[str]) -> Trace:
    """Open a trace file; TraceError with a clear message if it is not a readable trace."""
    return Trace(path)


__all__ = ["KIND_CODES", "RunInfo", "Trace", "open_trace"]
