"""`TraceWriter`: an event sink that appends CRC'd frames to a trace file.

Frames are buffered and written (one syscall) at a run's start, at step boundaries,
at the end of a run, and at most 50 ms apart while events keep coming; between events,
the shared flusher thread (`tracer.flusher`) writes out what has waited 50 ms, so
every event is in the file within ~100 ms however long the node then runs. There is no
fsync per event (measured here at ~30× the cost of the write itself). Each namespace's
state is kept as deltas plus sparse keyframes.

The writer never raises into the user's graph and keeps what it accepted: a value it
cannot encode becomes a placeholder (`tracer.codec`), an event it fails on is skipped
with one warning. If the disk fills up (any OSError, from the file's creation on), the
run goes on: one warning is printed, the file is cut back to its last whole frame (or
removed if it holds none) and the writer stops. The file is locked while it is written
(`tracer.tracefile`): `is_being_written(path)` tells a reader whether it still is.
"""

from __future__ import annotations

import os
from io import FileIO
from time import monotonic
from typing import Any
from zlib import crc32

from engine.events import Event
from tracer.bulk import begin_items, end_item
from tracer.codec import Encoder
from tracer.frames import ARRAY2, BIN32, HEAD, UINT32, footer_bytes
from tracer.frameview import BATCH_MAX, FrameView
from tracer.index import TraceIndex, replay_keys
from tracer.output import WRITER_VERSION, TraceOutput
from tracer.records import BATCH, KIND_CODES, compact, task_end_record
from tracer.safe_encode import describe
from tracer.scanner import Scanner
from tracer.tracefile import TraceBusyError, is_being_written, warn

__all__ = ["WRITER_VERSION", "TraceBusyError", "TraceWriter", "is_being_written"]

KEYFRAME_FACTOR = 10
"""A keyframe is written once the bytes recorded for a namespace since its last one
reach this many times the size of its state now, so keyframes stay within about a
tenth of a trace. A state that only grows by appends (a chat history) is then never
keyframed: replaying its appends is what a keyframe would cost to read anyway, and
the reader memoises states as it replays."""
KEYFRAME_MIN = 512
"""The size a keyframe is counted as at least: a small state is keyframed once its steps
since the last keyframe reach KEYFRAME_FACTOR times this (a replay reads that much at
most), not every few steps."""
FLUSH_INTERVAL = 0.05
STEP_FLUSH = 0.01
MAX_BUFFER = 1 << 20
REPLAYABLE = ("operator.add", "engine.graph.message.add_messages", None)
_pack_head = HEAD.pack


class _Scope:
    """What the writer tracks for one namespace (one graph run)."""

    __slots__ = ("delta_bytes", "kf_size", "reducers", "state", "step_bytes", "step_writes")

    def __init__(self, state: dict[str, Any], reducers: dict[str, str | None],
                 kf_size: int) -> None:
        self.state = dict(state)
        self.reducers = reducers
        self.step_writes: dict[str, int] = {}
        self.delta_bytes = 0
        self.kf_size = max(kf_size, KEYFRAME_MIN)
        """Estimated encoded size of the state now."""
        self.step_bytes = 0

    def grows(self, changes: dict[str, Any]) -> float:
        """How much of what a step wrote its state keeps on top of what it had: the share
        of its changed channels that append (reducers), 0 when it only set values."""
        reducers = self.reducers
        appended = 0
        for key in changes:
            if reducers.get(key) is not None:
                appended += 1
        return appended / len(changes) if appended else 0.0


class TraceWriter(TraceOutput):
    """A sink (`writer(event)`) recording every event it is given to `path`.

    `strict` (the default) raises if the file cannot be opened: TraceBusyError when
    another writer holds it, OSError when it cannot be created or its header written
    (a file created for it is removed). `strict=False` (`record()`, STEPSCOPE_TRACE)
    never raises: a file being written by another writer makes it record to a new
    name beside it (`path` says which) with a one-line notice (appending: not at all);
    a file that cannot be written costs one warning and the writer records nothing.
    `failed` and `error` tell what happened, at any time.

    `bulk` (the default) lets a run whose only sink is this writer hand it each step's
    own events at once (`engine.events.StepSink`), recorded as one batch frame: recording
    trivial steps then costs about a third less (bench/RESULTS.md). `bulk=False` writes
    one frame per event (format 1's frames), as it does whenever another sink listens.
    """

    def __init__(self, path: str | os.PathLike[str], *, append: bool = False,
                 created: str | None = None, strict: bool = True,
                 bulk: bool = True) -> None:
        self._enc = Encoder()
        self._calls: dict[str, int] = {}
        self._scopes: dict[tuple[str, ...], _Scope] = {}
        self._index = TraceIndex()
        self._note_step = self._index.note_step
        self._slots: dict[tuple[str, ...], dict[str, int]] = {}
        self._frames = 0
        self.pending: list[tuple[Any, ...]] = []
        """A step's events handed over in bulk by the loop, until `_drain` records them."""
        if bulk:
            # An engine.events.StepSink: a run whose only sink this writer is hands it a
            # step's own events in bulk, recorded as one batch frame (FORMAT.md §2).
            self.step_done = self._step_done
        self._skip_warned = False
        self._run_flushed = False
        """A root run_start was flushed: the file holds a run (later ones may wait)."""
        super().__init__(path, append, created, strict)  # opens the file: last

    def _adopt(self, f: FileIO, start: int) -> None:
        """Appending: index the frames already there (the new index covers them too) and
        cut a torn tail, so new frames start on a frame boundary."""
        view = FrameView(self.path)
        try:
            scanner = Scanner(view, start)
            scanner.scan()
        finally:
            view.close()
        index = scanner.index
        f.truncate(index.end)
        self._index = index
        self._note_step = index.note_step
        # The scan counts frames, keyframes included, as the writer does.
        self._frames = index.events
        self._offset = f.seek(0, os.SEEK_END)

    def _frame(self, record: list[Any]) -> int:
        """Buffer one record as a frame; return its file offset."""
        payload = self._enc.pack(record)
        buf = self._buf
        offset = self._offset + len(buf)
        buf += _pack_head(ARRAY2, UINT32, crc32(payload), BIN32, len(payload))
        buf += payload
        self._frames += 1  # counted here, so an event that fails after this still counts
        return offset

    def _skip(self, event: Event | tuple[str], exc: Exception) -> None:
        """An event the writer failed on (other than by a write error): what is buffered
        stays, later events are recorded; the first such event is reported."""
        if self._skip_warned:
            return
        self._skip_warned = True
        kind = event[0] if event else "?"
        warn(f"stepscope: could not record a {kind} event in {self.path} "
             f"({describe(exc)}); skipped it, recording goes on")

    # -- events ------------------------------------------------------------------------
    def __call__(self, event: Event) -> None:
        if self.failed or self.closed:
            self.pending.clear()
            return
        lock = self._lock
        lock.acquire()
        try:
            if self.closed or self.failed:  # close() won the race for the lock
                return
            if self.pending:  # handed over before this event: recorded before it
                self._drain()
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
                self._note_step(1, ns, step, offset)
            elif kind == "step_end":
                deltas = self._deltas(ns, data)
                offset = self._frame([4, seq, t, list(ns), step, {"d": deltas}])
                self._note_step(4, ns, step, offset, replay_keys(deltas))
                self._after_step(ns, step, t, data, offset)
            else:
                record = compact(kind, data, self._calls)
                offset = self._frame([KIND_CODES.get(kind, kind), seq, t, list(ns), step,
                                      record])
                if kind == "run_start":
                    self._run_started(ns, record, offset)
                    if not ns and (not self._run_flushed
                                   or monotonic() - self._last_flush > STEP_FLUSH):
                        self._run_flushed = True
                        # In the file at once: seen live, kept if killed right away
                        # (runs in quick succession share a write: the timer's, soon).
                        self.flush()
                elif kind == "run_end":
                    self._note_step(KIND_CODES[kind], ns, step, offset)
            # Flush at step and run boundaries (but not more than every STEP_FLUSH s: a
            # trivial step, or run, is cheaper than a write syscall), and when events
            # have waited FLUSH_INTERVAL (tokens of a long step reach a follower promptly);
            # the flusher thread writes what is left within FLUSH_INTERVAL.
            since = monotonic() - self._last_flush
            if since > FLUSH_INTERVAL or len(self._buf) > MAX_BUFFER or (
                    kind in ("step_end", "run_end") and since > STEP_FLUSH):
                self.flush()
        except Exception as exc:  # never break the user's run, nor lose what is buffered
            self._skip(event, exc)
        finally:
            lock.release()

    # -- a step's events in bulk (engine.events.StepSink) ---------------------------------
    def _step_done(self, ns: tuple[str, ...], step: int, seq: int, t: int,
                   changes: dict[str, Any], writes: dict[str, list[Any]]) -> None:
        """A step ended: record it with what was handed over for it, in one batch frame."""
        if self.failed or self.closed:
            self.pending.clear()
            return
        lock = self._lock
        lock.acquire()
        try:
            if self.closed or self.failed:
                return
            pending = self.pending
            items = pending[:]
            del pending[:len(items)]  # (items the loop appends meanwhile stay, in order)
            if not self._whole_step(items, ns, step, seq, t, changes, writes):
                self._drain((ns, step, seq, t, {"changes": changes, "writes": writes}), items)
            if monotonic() - self._last_flush > STEP_FLUSH or len(self._buf) > MAX_BUFFER:
                self.flush()
        except Exception as exc:  # never break the user's run, nor lose what is buffered
            self._skip(("step_end",), exc)
        finally:
            lock.release()

    def _whole_step(self, items: list[tuple[Any, ...]], ns: tuple[str, ...], step: int,
                    seq: int, t: int, changes: dict[str, Any],
                    writes: dict[str, list[Any]]) -> bool:
        """Record a step handed over whole (its begin and its tasks' ends, nothing else,
        none recorded before) as one batch frame with one index entry: `_drain`, for the
        common case, in one pass. False (nothing done) for any other case."""
        scope = self._scopes.get(ns)
        if not items or scope is None or scope.step_writes:
            return False
        begin = items[0]
        if (begin[0] != "begin" or begin[1] != ns or begin[2] != step
                or len(items) + len(begin[6]) > BATCH_MAX):
            return False
        records: list[list[Any]] = []
        slots = begin_items(begin, records)
        first_end = len(records)
        counts: dict[str, int] = {}
        for item in items[1:]:
            if item[0] != "end" or item[1] != ns:
                return False
            records.append(end_item(item, slots))
            for key, _ in item[4].writes:
                counts[key] = counts.get(key, 0) + 1
        self._slots[ns] = slots
        reducers = scope.reducers
        deltas: list[list[Any]] = []
        replay: list[str] | None = []
        appended = 0
        for key, values in writes.items():
            if key not in changes:
                continue
            reducer = reducers.get(key, "?")
            if reducer is not None and key in reducers:
                appended += 1
            if counts.get(key, 0) == len(values) and reducer in REPLAYABLE:
                deltas.append(["w", key])
                if replay is not None:
                    replay.append(key)
            else:
                deltas.append(["s", key, changes[key]])
                replay = None
        records.append([4, seq, t, step, {"d": deltas}])
        offset = self._frame([BATCH, records[0][1], t, list(ns), step, {"b": records}])
        self._frames += len(records) - 1
        self._index.add_step(ns, step, offset, list(range(offset + first_end,
                                                          offset + len(records) - 1)),
                             offset + len(records) - 1, replay)
        # As _after_step does, with the whole frame for the step's size.
        scope.state.update(changes)
        size = self._offset + len(self._buf) - offset
        scope.delta_bytes += size
        if appended:  # (as _Scope.grows)
            scope.kf_size += size * appended // len(changes)
        if scope.delta_bytes >= KEYFRAME_FACTOR * scope.kf_size:
            self._keyframe(ns, step, t, scope)
        return True

    def _drain(self, end: tuple[Any, ...] | None = None,
               items: list[tuple[Any, ...]] | None = None) -> None:
        """Record the items in `pending` (or `items`, taken from it) and a step's `end`
        (ns, step, seq, t, data): one batch frame per run of items of one namespace.
        Called with the lock held."""
        if items is None:
            pending = self.pending
            items = pending[:]
            del pending[:len(items)]  # (items the loop appends meanwhile stay, in order)
        ns: Any = None
        records: list[list[Any]] = []
        for item in items:
            if item[1] != ns:
                if records:
                    self._batch(ns, records)
                    records = []
                ns = item[1]
            if item[0] == "begin":
                self._slots[ns] = begin_items(item, records)
            else:
                records.append(end_item(item, self._slots.get(ns)))
                scope = self._scopes.get(ns)
                if scope is not None:
                    counts = scope.step_writes
                    for key, _ in item[4].writes:
                        counts[key] = counts.get(key, 0) + 1
        if end is None:
            if records:
                self._batch(ns, records)
            return
        end_ns, step, seq, t, data = end
        if end_ns != ns and records:
            self._batch(ns, records)
            records = []
        deltas = self._deltas(end_ns, data)
        records.append([4, seq, t, step, {"d": deltas}])
        self._batch(end_ns, records, (data, replay_keys(deltas)))

    def _batch(self, ns: tuple[str, ...], records: list[list[Any]],
               end: tuple[dict[str, Any], list[str] | None] | None = None) -> None:
        """Frame `records` (`[kind, seq, t, step, data]`) of namespace `ns`: one batch
        frame, whose i-th event is at the frame's offset + i (FORMAT.md §2), or a plain
        frame for one record. `end`: the last record is a step_end (its data and replay
        keys), whose step is then closed."""
        start = self._offset + len(self._buf)
        for first in range(0, len(records), BATCH_MAX):
            part = records[first: first + BATCH_MAX]
            head = part[0]
            if len(part) == 1:
                offset = self._frame([head[0], head[1], head[2], list(ns), head[3], head[4]])
            else:
                offset = self._frame([BATCH, head[1], head[2], list(ns), head[3], {"b": part}])
                self._frames += len(part) - 1
            last = len(part) - 1
            if end is not None and head[0] == 1 and len(part) == len(records):
                # The whole step in this frame (the common case): one index entry.
                self._index.add_step(ns, head[3], offset,
                                     [at for at, r in enumerate(part, offset) if r[0] == 3],
                                     offset + last, end[1])
                continue
            note = self._note_step
            for at, record in enumerate(part, offset):
                kind = record[0]
                if kind == 3 or kind == 1:
                    note(kind, ns, record[3], at)
                elif kind == 4 and end is not None:
                    note(4, ns, record[3], at, end[1])
        if end is not None:
            scope = self._scopes.get(ns)
            if scope is not None:
                scope.step_bytes += self._offset + len(self._buf) - start
            self._after_step(ns, records[-1][3], records[-1][2], end[0],
                             self._offset + len(self._buf))

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
        self._note_step(3, ns, step, offset)
        return offset

    def _run_started(self, ns: tuple[str, ...], record: dict[str, Any], offset: int) -> None:
        channels = record["graph"].get("channels", {})
        reducers = {k: c.get("reducer") for k, c in channels.items()}
        self._scopes[ns] = _Scope(record["state"], reducers, len(self._enc.pack(record["state"])))
        self._index.add_run(offset, ns, record["run_id"], record.get("parent"))

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
        grew = scope.grows(changes)
        if grew:
            scope.kf_size += int(scope.step_bytes * grew)
        scope.step_bytes = 0
        if scope.delta_bytes >= KEYFRAME_FACTOR * scope.kf_size:
            self._keyframe(ns, step, t, scope)

    def _keyframe(self, ns: tuple[str, ...], step: int, t: int, scope: _Scope) -> None:
        at = self._frame([KIND_CODES["keyframe"], -1, t, list(ns), step,
                          {"state": scope.state}])
        scope.kf_size = max(self._offset + len(self._buf) - at, KEYFRAME_MIN)
        scope.delta_bytes = 0
        self._index.add_keyframe(ns, step, at)

    def flush_idle(self, now: float, idle: float) -> None:
        """The flusher thread's call: what the loop handed over in bulk for a step still
        running (its start, tasks that ended) is recorded now, so a follower sees it
        however long the step takes; then frames that have waited `idle` are written."""
        self._drain_now()
        super().flush_idle(now, idle)

    def sync(self) -> None:
        self._drain_now()
        super().sync()

    def _drain_now(self) -> None:
        if self.pending:
            with self._lock:
                if self.pending and not self.closed and not self.failed:
                    try:
                        self._drain()
                    except Exception as exc:
                        self._skip(("task",), exc)

    # -- finish ------------------------------------------------------------------------
    def close(self) -> None:
        """Write the index and footer (O(1) opening) and close the file (which releases
        its lock). Never raises; a file that failed before holding a frame is removed."""
        with self._lock:
            if self.closed:
                return
            self.closed = True  # steps still open are in the index already, unfinished
            if not self.failed:
                if self.pending:  # a run cut short by an error is ended by its run_end
                    try:
                        self._drain()
                    except Exception as exc:
                        self._skip(("task",), exc)
                self._finish()
            self._close_file()

    def _finish(self) -> None:
        mark = len(self._buf)
        try:
            index = self._index.to_record(self._frames - len(self._index.keyframes))
            at = self._frame([KIND_CODES["index"], -1, 0, [], -1, index])
            self._buf += footer_bytes(at)
        except Exception as exc:  # the frames still go out: readers then scan the file
            del self._buf[mark:]
            warn(f"stepscope: could not index trace {self.path} ({describe(exc)}); "
                 "it opens by a scan")
        self.flush()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
