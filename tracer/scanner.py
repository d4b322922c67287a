"""`Scanner`: index a trace by hopping frame heads (a crashed or still-growing file).

It builds the same TraceIndex the writer writes at close, finding torn tails and damaged
regions on the way and resyncing past them to the next frame whose CRC checks out, in
time linear in the bytes searched (`tracer.resync`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracer.codec import BATCH_KIND, UndecodableError, unpack_record
from tracer.entries import Damage
from tracer.frames import (
    ARRAY2,
    BIN32,
    FOOTER_SIZE,
    FOOTER_START,
    FRAME_HEAD,
    HEAD,
    MAX_FRAME,
    UINT32,
    TraceCorruptError,
)
from tracer.frameview import FrameView
from tracer.index import TraceIndex, replay_keys
from tracer.records import KIND_CODES
from tracer.resync import HEAD_START, CrcSpans, next_frame

_RECORD_START = 0x96
"""msgpack fixarray of 6: the first byte of every record (FORMAT.md §3)."""
_RUN_START, _STEP_START, _TASK_END, _STEP_END, _KEYFRAME, _RUN_END = (
    KIND_CODES[k] for k in ("run_start", "step_start", "task_end", "step_end", "keyframe",
                            "run_end"))
_INDEXED = {_RUN_START, _STEP_START, _TASK_END, _STEP_END, _KEYFRAME, _RUN_END}
_WINDOW = 4 << 20
"""Bytes searched at a time when resyncing through a file."""


@dataclass
class _RunTrack:
    """What the scanner saw of the latest run of a namespace (see `Scanner._follow`)."""

    damage: int
    """Damaged regions found before its run_start."""
    last: int | None = None
    """The highest step number of its frames so far."""
    ended: bool = False
    """Its run_end was read."""
    done: int | None = None
    """The step of the last step_end read."""


class Scanner:
    """Hops frame heads from an offset onward, building a TraceIndex; call `scan` again
    as the file grows.

    `live()` says whether a writer is still appending to the file: a frame cut short at
    the end of a live file is one being written (wait for it); at the end of a file
    nobody writes, it is a torn tail, unless valid frames follow it (a damaged length).
    """

    def __init__(self, view: FrameView, start: int,
                 live: Callable[[], bool] | None = None) -> None:
        self.view = view
        self.pos = start
        self.index = TraceIndex(end=start)
        self.live = live or (lambda: False)
        self._runs: dict[tuple[str, ...], _RunTrack] = {}

    def scan(self) -> list[int]:
        """Read what is new; return the offsets of the whole frames found."""
        view, index = self.view, self.index
        size = view.size()
        found: list[int] = []
        pos = self.pos
        while pos < size:
            head = view.read(pos, FRAME_HEAD)
            if len(head) < FRAME_HEAD:
                if self._footer_at(pos, size):
                    break
                index.torn = True
                break
            a, b, _crc, c, length = HEAD.unpack_from(head)
            end = pos + FRAME_HEAD + length
            if a != ARRAY2 or b != UINT32 or c != BIN32 or length > MAX_FRAME:
                if self._footer_at(pos, size):
                    break
                nxt = self._damaged(pos, size, "not a frame head")
            elif end > size:
                if self.live():
                    index.torn = True  # being written: wait for the rest
                    break
                nxt = self._resync(pos, size)
                if nxt is None:
                    index.torn = True  # a torn tail: the writer was cut off mid-frame
                    break
                self._note_damage(pos, nxt, "frame length runs past valid frames")
            else:
                try:
                    events = self._note(pos, view.payload(pos))
                except TraceCorruptError as exc:
                    nxt = self._damaged(pos, size, exc.reason)
                else:
                    if events == 1:
                        found.append(pos)
                    else:  # a batch frame: its events are at its offset + 0, 1, ...
                        found.extend(range(pos, pos + events))
                    pos = end
                    continue
            if nxt is None:
                index.torn = True
                pos = size
                break
            pos = nxt
        self.pos = pos
        index.end = pos
        index.torn = index.torn and pos < size
        return found

    def _footer_at(self, pos: int, size: int) -> bool:
        return size - pos <= FOOTER_SIZE and self.view.read(pos, 8) == FOOTER_START[
            : min(8, size - pos)]

    def _damaged(self, pos: int, size: int, reason: str) -> int | None:
        nxt = self._resync(pos, size)
        self._note_damage(pos, nxt, reason)
        return nxt

    def _note_damage(self, pos: int, nxt: int | None, reason: str) -> None:
        damage = self.index.damage
        if not damage or damage[-1].offset != pos:
            damage.append(Damage(pos, nxt, reason))

    def _resync(self, pos: int, size: int) -> int | None:
        return resync_file(self.view, pos, size)

    def _note(self, offset: int, payload: bytes) -> int:
        """Index one whole frame (TraceCorruptError if it is not a record) and return how
        many events it holds. Only the kinds the index lists, and batches, are decoded;
        the rest are checked by their first bytes."""
        if len(payload) < 2 or payload[0] != _RECORD_START:
            raise TraceCorruptError("not a record (expected an array of 6 items)", offset)
        kind = payload[1]
        if kind == BATCH_KIND:
            records = self.view.batch(offset)
            for at, record in enumerate(records, offset):
                if record[0] in _INDEXED:
                    self._index(at, record)
            self.index.events += len(records)
            return len(records)
        if kind in _INDEXED:
            try:
                record = unpack_record(payload)
            except UndecodableError as exc:
                raise TraceCorruptError(str(exc), offset) from None
            self._index(offset, record)
        self.index.events += 1
        return 1

    def _index(self, offset: int, record: list[Any]) -> None:
        index = self.index
        kind = record[0]
        ns = tuple(record[3])
        step = record[4]
        data = record[5]
        if kind == _RUN_START:
            run_id, parent = data.get("run_id"), data.get("parent")
            if type(run_id) is not str:
                raise TraceCorruptError("malformed run_start (a run_id that is not text)",
                                        offset)
            index.add_run(offset, ns, run_id, parent if type(parent) is str else None)
            self._runs[ns] = _RunTrack(len(index.damage))
            return
        self._follow(kind, ns, step)
        if kind == _KEYFRAME:
            index.add_keyframe(ns, step, offset)
        else:
            replay = replay_keys(data.get("d", ())) if kind == _STEP_END else None
            index.note_step(kind, ns, step, offset, replay)

    def _follow(self, kind: int, ns: tuple[str, ...], step: int) -> None:
        """Check, after damage, that a frame can belong to the latest run of its
        namespace. The damage may have taken a later run's run_start: its frames would
        then be filed under the earlier run, whose states they would silently change. A
        frame after that run's run_end, or whose step goes back, is filed under no run
        (-1), as is the rest of the namespace until its next run_start. A task_end or
        step_end of another step than the open one closes the open step (its step_end,
        and the next step_start, were lost): it must not take the next step's writes."""
        track = self._runs.get(ns)
        if track is None:
            return
        index = self.index
        if len(index.damage) > track.damage:
            last = track.last
            # A step whose step_end was read cannot go on: a task_end or step_end of it is
            # another run's (whose run_start the damage took), as is a step going back.
            again = kind in (_TASK_END, _STEP_END) and step == track.done
            back = last is not None and (step < last or again
                                         or (step == last and kind == _STEP_START))
            if track.ended or (back and kind != _RUN_END):
                del self._runs[ns]
                index._run_of[ns] = -1
                index._open.pop(ns, None)
                return
            entry = index._open.get(ns)
            if entry is not None and kind in (_TASK_END, _STEP_END) and entry.step != step:
                index._open.pop(ns)
        if kind == _RUN_END:
            track.ended = True
        elif track.last is None or step > track.last:
            track.last = step
        if kind == _STEP_END:
            track.done = step


def resync_file(view: FrameView, pos: int, size: int) -> int | None:
    """The next offset after `pos` where a whole frame passes its CRC, searching the
    rest of the file a window at a time (linear in the bytes searched)."""
    base = pos
    while base < size:
        buf = view.read(base, min(_WINDOW, size - base))
        if len(buf) < min(_WINDOW, size - base):
            return None  # the file shrank under the search: nothing more to find
        nxt = next_frame(buf, pos - base, CrcSpans(buf))
        if nxt is not None:
            return base + nxt
        if base + len(buf) >= size:
            return None
        # The next window starts where a head cut by this one's end could begin; a
        # frame longer than a window is found by reading it whole.
        longer = _long_frame(view, buf, base, max(pos - base, 0), size)
        if longer is not None:
            return longer
        base += max(len(buf) - FRAME_HEAD, 1)
        pos = base - 1
    return None


def _long_frame(view: FrameView, buf: bytes, base: int, start: int, size: int) -> int | None:
    """A valid frame starting in `buf` after `start` whose end lies past `buf` (found
    by reading it whole; at most a few candidates, since each costs its length)."""
    pos, tried = start, 0
    while tried < 4:
        pos = buf.find(HEAD_START, pos + 1)
        if pos < 0 or pos + FRAME_HEAD > len(buf):
            return None
        _a, _b, _crc, c, length = HEAD.unpack_from(buf, pos)
        if c != BIN32 or length > MAX_FRAME:
            continue
        end = base + pos + FRAME_HEAD + length
        if base + len(buf) < end <= size:
            tried += 1
            try:
                view.payload(base + pos)
            except TraceCorruptError:
                continue
            return base + pos
    return None


__all__ = ["Scanner", "resync_file"]
