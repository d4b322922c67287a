"""`TraceWriter`: an event sink that appends CRC'd frames to a trace file.

Frames are buffered and written (one syscall) at step boundaries, at the end of a
run, and at most 50 ms apart while events keep coming, so a follower sees tokens
live; there is no fsync per event (measured here at ~30× the cost of the write
itself). Each namespace's state is kept as deltas plus sparse keyframes. If the disk
fills up, the run goes on: one warning is printed, the file is cut back to its last
whole frame, and the writer stops.
"""

from __future__ import annotations

import os
import struct
import sys
import threading
import time
from io import FileIO
from pathlib import Path
from time import monotonic
from typing import Any
from zlib import crc32

from engine.events import SCHEMA_VERSION, Event
from engine.version import VERSION
from tracer.codec import Encoder
from tracer.frames import (
    FOOTER_SIZE,
    FRAME_HEAD,
    footer_bytes,
    header_bytes,
    parse_footer,
    read_header,
)
from tracer.index import Scanner, note_step, replay_keys
from tracer.records import KIND_CODES, compact, task_end_record

WRITER_VERSION = f"stepscope {VERSION}"
KEYFRAME_FACTOR = 10
"""A keyframe is written once the bytes recorded for a namespace since its last one
reach this many times the size of its state now, so keyframes stay within about a
tenth of a trace. A state that only grows by appends (a chat history) is then never
keyframed: replaying its appends is what a keyframe would cost to read anyway, and
the reader memoises states as it replays."""
FLUSH_INTERVAL = 0.05
STEP_FLUSH = 0.01
MAX_BUFFER = 1 << 20
REPLAYABLE = ("operator.add", "engine.graph.message.add_messages", None)
_HEAD = struct.Struct(">BBIBI").pack  # the 11-byte frame head (frames.py)


class _Scope:
    """What the writer tracks for one namespace (one graph run)."""

    __slots__ = ("delta_bytes", "kf_size", "reducers", "state", "step_bytes", "step_writes")

    def __init__(self, state: dict[str, Any], reducers: dict[str, str | None],
                 kf_size: int) -> None:
        self.state = dict(state)
        self.reducers = reducers
        self.step_writes: dict[str, int] = {}
        self.delta_bytes = 0
        self.kf_size = max(kf_size, 1)
        """Estimated encoded size of the state now."""
        self.step_bytes = 0

    def grows(self, changes: dict[str, Any]) -> bool:
        """Whether the step appended to a channel (its state grew by what was written)."""
        return any(self.reducers.get(k) is not None for k in changes)


class TraceWriter:
    """A sink (`writer(event)`) recording every event it is given to `path`."""

    def __init__(self, path: str | os.PathLike[str], *, append: bool = False,
                 created: str | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._enc = Encoder()
        self._buf = bytearray()
        self._calls: dict[str, int] = {}
        self._scopes: dict[tuple[str, ...], _Scope] = {}
        self._steps: list[list[Any]] = []
        self._open_steps: dict[tuple[str, ...], list[Any]] = {}
        self._keyframes: list[list[Any]] = []
        self._runs: list[list[Any]] = []
        self._run_of: dict[tuple[str, ...], int] = {}
        self._run_ends: dict[int, int] = {}
        self._slots: dict[tuple[str, ...], dict[str, int]] = {}
        self._events = 0
        self._last_flush = time.monotonic()
        self.failed = False
        self.closed = False
        self._file = self._open(append, created)

    # -- file --------------------------------------------------------------------------
    def _open(self, append: bool, created: str | None) -> FileIO:
        if append and self.path.exists() and self.path.stat().st_size > 0:
            f = open(self.path, "r+b", buffering=0)
            data = f.read(4096)
            _, start = read_header(data, str(self.path))
            size = f.seek(0, os.SEEK_END)
            if size >= FOOTER_SIZE:
                f.seek(size - FOOTER_SIZE)
                index_at = parse_footer(f.read(FOOTER_SIZE))
                if index_at is not None:
                    f.truncate(index_at)  # drop the old index; a new one is written at close
            self._adopt(f, start)
            return f
        f = open(self.path, "wb", buffering=0)
        stamp = created if created is not None else time.strftime("%Y-%m-%dT%H:%M:%S%z")
        head = header_bytes(WRITER_VERSION, stamp, SCHEMA_VERSION)
        f.write(head)
        self._offset = len(head)
        return f

    def _adopt(self, f: FileIO, start: int) -> None:
        """Appending: index the frames already there (the new index covers them too) and
        cut a torn tail, so new frames start on a frame boundary."""
        scanner = Scanner(f, start)
        scanner.scan()
        index = scanner.index
        f.truncate(index.end)
        self._runs, self._steps, self._keyframes = index.runs, index.steps, index.keyframes
        # The scan counts frames; the writer counts events (keyframes are not events).
        self._run_ends = dict(index.run_ends)
        self._events = index.events - len(index.keyframes)
        self._offset = f.seek(0, os.SEEK_END)

    def _frame(self, record: list[Any]) -> int:
        """Buffer one record as a frame; return its file offset."""
        payload = self._enc.pack(record)
        buf = self._buf
        offset = self._offset + len(buf)
        buf += _HEAD(0x92, 0xCE, crc32(payload), 0xC6, len(payload))
        buf += payload
        return offset

    def flush(self) -> None:
        """Write buffered frames to the file (no fsync)."""
        if not self._buf or self.failed:
            self._buf.clear()
            return
        data = bytes(self._buf)
        self._buf.clear()
        try:
            view = memoryview(data)
            while view:  # a short write is not an error: write the rest (or get the error)
                written = self._file.write(view)
                if not written:
                    raise OSError(28, "short write")
                view = view[written:]
            self._offset += len(data)
        except OSError as exc:
            self._give_up(exc)
        self._last_flush = time.monotonic()

    def sync(self) -> None:
        """Flush now, from any thread (the debugger calls this when it pauses a run, so
        a reader sees every event so far)."""
        with self._lock:
            if not self.closed:
                self.flush()

    def _give_up(self, exc: OSError) -> None:
        self.failed = True
        try:
            os.ftruncate(self._file.fileno(), self._offset)
        except OSError:
            pass
        print(
            f"stepscope: could not write trace {self.path} ({exc.strerror or exc}); "
            f"recording stopped, the trace ends at byte {self._offset}",
            file=sys.stderr,
        )

    # -- events ------------------------------------------------------------------------
    def __call__(self, event: Event) -> None:
        if self.failed or self.closed:
            return
        lock = self._lock
        lock.acquire()
        try:
            # One method per event, its most frequent kinds first: this runs for every
            # event of every recorded run, and a call costs as much as a small record.
            kind, seq, t, ns, step, data = event
            if kind == "task_end":
                offset = self._task_end(seq, t, ns, step, data)
            elif kind == "task_start":
                slots = self._slots.get(ns)
                record = compact(kind, data, self._calls,
                                 slots.get(data["task_id"], -1) if slots else -1)
                offset = self._frame([2, seq, t, list(ns), step, record])
            elif kind == "step_start":
                ids = data["task_ids"]
                self._slots[ns] = ({ids[0]: 0} if len(ids) == 1
                                   else {tid: i for i, tid in enumerate(ids)})
                offset = self._frame([1, seq, t, list(ns), step,
                                      compact(kind, data, self._calls)])
                note_step(self._steps, self._open_steps, 1, self._run_of.get(ns, -1), ns,
                          step, offset)
            elif kind == "step_end":
                deltas = self._deltas(ns, data)
                offset = self._frame([4, seq, t, list(ns), step, {"d": deltas}])
                note_step(self._steps, self._open_steps, 4, self._run_of.get(ns, -1), ns,
                          step, offset, replay_keys(deltas))
                self._after_step(ns, step, t, data, offset)
            else:
                record = compact(kind, data, self._calls)
                offset = self._frame([KIND_CODES.get(kind, kind), seq, t, list(ns), step,
                                      record])
                if kind == "run_start":
                    self._run_started(ns, record, offset)
                elif kind == "run_end":
                    self._run_ends[self._run_of.get(ns, -1)] = offset
                    self._note_step(KIND_CODES[kind], ns, step, offset)
            self._events += 1
            # Flush at step boundaries (but not more than every STEP_FLUSH s: a trivial
            # step is cheaper than a write syscall), at the end of a run, and when events
            # have waited FLUSH_INTERVAL (tokens of a long step reach a follower promptly).
            since = monotonic() - self._last_flush
            if since > FLUSH_INTERVAL or len(self._buf) > MAX_BUFFER or kind == "run_end" or (
                    kind == "step_end" and since > STEP_FLUSH):
                self.flush()
        except Exception as exc:  # never break the user's run
            self._give_up(OSError(0, f"{type(exc).__name__}: {exc}"))
        finally:
            lock.release()

    def _task_end(self, seq: int, t: int, ns: tuple[str, ...], step: int,
                  data: dict[str, Any]) -> int:
        slots = self._slots.get(ns)
        record = task_end_record(data, slots.get(data["task_id"], -1) if slots else -1)
        scope = self._scopes.get(ns)
        if scope is not None:
            counts = scope.step_writes
            for key, _ in data["writes"]:
                counts[key] = counts.get(key, 0) + 1
        offset = self._frame([3, seq, t, list(ns), step, record])
        if scope is not None:
            scope.step_bytes += self._offset + len(self._buf) - offset
        note_step(self._steps, self._open_steps, 3, self._run_of.get(ns, -1), ns, step, offset)
        return offset

    def _note_step(self, code: int, ns: tuple[str, ...], step: int, offset: int) -> None:
        note_step(self._steps, self._open_steps, code, self._run_of.get(ns, -1), ns, step, offset)

    def _run_started(self, ns: tuple[str, ...], record: dict[str, Any], offset: int) -> None:
        channels = record["graph"].get("channels", {})
        reducers = {k: c.get("reducer") for k, c in channels.items()}
        self._scopes[ns] = _Scope(record["state"], reducers, len(self._enc.pack(record["state"])))
        self._run_of[ns] = len(self._runs)
        self._runs.append([offset, list(ns), record["run_id"], record.get("parent")])
        self._open_steps.pop(ns, None)  # a step of an earlier run here that never ended

    def _deltas(self, ns: tuple[str, ...], data: dict[str, Any]) -> list[list[Any]]:
        """A step's state change: "w" (replay the tasks' writes) or "s" (set value)."""
        scope = self._scopes.get(ns)
        changes = data["changes"]
        deltas: list[list[Any]] = []
        for key, values in data.get("writes", {}).items():
            if key not in changes:
                continue
            reducer = scope.reducers.get(key, "?") if scope else "?"
            seen = scope.step_writes.get(key, 0) if scope else 0
            if seen == len(values) and reducer in REPLAYABLE:
                deltas.append(["w", key])
            else:
                deltas.append(["s", key, changes[key]])
        return deltas

    def _after_step(self, ns: tuple[str, ...], step: int, t: int, data: dict[str, Any],
                    offset: int) -> None:
        scope = self._scopes.get(ns)
        if scope is None:
            return
        changes = data["changes"]
        scope.state.update(changes)
        scope.step_writes = {}
        scope.delta_bytes += scope.step_bytes + self._offset + len(self._buf) - offset
        if scope.grows(changes):
            scope.kf_size += scope.step_bytes
        scope.step_bytes = 0
        if scope.delta_bytes >= KEYFRAME_FACTOR * scope.kf_size:
            at = self._frame([KIND_CODES["keyframe"], -1, t, list(ns), step,
                              {"state": scope.state}])
            scope.kf_size = self._offset + len(self._buf) - at
            scope.delta_bytes = 0
            self._keyframes.append([self._run_of.get(ns, -1), list(ns), step, at])

    # -- finish ------------------------------------------------------------------------
    def close(self) -> None:
        """Write the index and footer (O(1) opening) and close the file."""
        with self._lock:
            if self.closed:
                return
            self.closed = True  # steps still open are in the index already, unfinished
            if not self.failed:
                index = {"steps": self._steps, "keyframes": self._keyframes,
                         "runs": self._runs, "events": self._events,
                         "run_ends": {str(k): v for k, v in self._run_ends.items()},
                         "frame_head": FRAME_HEAD}
                at = self._frame([KIND_CODES["index"], -1, 0, [], -1, index])
                self._buf += footer_bytes(at)
                self.flush()
            self._file.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
