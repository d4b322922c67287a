"""A trace file's frames through a memory map of the views' own, read from any thread.

`Trace` reads under one lock (its file handle, its map and its state memo share it), and
the warm-up worker holds that lock through a whole state replay: about 50 ms for the
first `state_at` of the 10,000-step benchmark run. A view reading a single frame waited
that long, on the UI thread for the graph. The views read frames here instead, with no
lock: one read-only map per trace file, mapped again when a followed file has grown (a
map that was replaced stays valid for a thread still reading it, and is unmapped when
the last reference goes). Frames are hopped and CRC-checked as the tracer does; hops
read the file through a handle of their own.
No Textual here.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any
from zlib import crc32

from tracer import Trace
from tracer.codec import unpack
from tracer.frames import FRAME_HEAD, TraceCorruptError

_HEAD = struct.Struct(">HIBI")  # 0x92ce, crc, 0xc6, payload length: the 11-byte head
_HOP = struct.Struct(">HxxxxBI")  # the same head, CRC skipped
_MAGIC, _BIN32 = 0x92CE, 0xC6
_CHUNK = 1 << 20
_EMPTY = memoryview(b"")
_GUARD = threading.Lock()


class FrameMap:
    """The bytes of one trace file, mapped read-only; `record` and `hop` read frames."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._view: memoryview = _EMPTY

    def view(self, size: int = 0) -> memoryview:
        """The mapped bytes; mapped again first if fewer than `size` are (a grown file)."""
        view = self._view
        return view if size and len(view) >= size else self._remap()

    def _remap(self) -> memoryview:
        with open(self.path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size <= len(self._view):
                return self._view
            view = memoryview(mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ))
        # No release() of the old view: another thread may still be reading through it.
        self._view = view
        return view

    def record(self, offset: int) -> list[Any]:
        """The raw record of the frame at `offset`, CRC-checked, as `Trace.read_record`
        gives it (TraceCorruptError for a truncated or damaged frame)."""
        view = self._view
        if offset + FRAME_HEAD > len(view):
            view = self.view(offset + FRAME_HEAD)
            if offset + FRAME_HEAD > len(view):
                raise TraceCorruptError("truncated frame", offset)
        magic, crc, bin32, length = _HEAD.unpack_from(view, offset)
        if magic != _MAGIC or bin32 != _BIN32:
            raise TraceCorruptError("not a frame head", offset)
        end = offset + FRAME_HEAD + length
        if end > len(view):
            view = self.view(end)
            if end > len(view):
                raise TraceCorruptError("truncated frame", offset)
        payload = view[offset + FRAME_HEAD: end]
        if crc32(payload) != crc:
            raise TraceCorruptError("frame CRC mismatch", offset)
        return unpack(payload)

    def hop(self, start: int, stop: int | None = None) -> Iterator[tuple[int, int]]:
        """(offset, kind code) of each whole frame from `start` up to `stop` (inclusive).

        Stops at the end of the whole frames, or at the first head that is not one (the
        tracer's index reports corruption). The kind code is the payload's second byte
        (-1 for a kind given as text). About 0.2 µs a frame: a million in 0.2 s.

        A short range (a step) is hopped through the map: no system call, so a worker
        does not give up the GIL and wait for it again (up to 5 ms each time the UI
        thread is busy). A long or open one is read in chunks: a scan of a whole run
        through the map would make every page of the file resident in it.
        """
        last = stop if stop is not None else 1 << 62
        if stop is not None and stop - start <= _CHUNK:
            yield from self._hop_mapped(start, last)
            return
        with open(self.path, "rb") as f:
            pos, want = start, _CHUNK
            while pos <= last:
                f.seek(pos)
                buf = f.read(want)
                at, broken = yield from _frames(buf, pos, 0, last)
                if broken or pos + at > last:
                    return
                if at == 0:  # not one whole frame in the chunk
                    if len(buf) < want or len(buf) < FRAME_HEAD:
                        return  # the end of the whole frames
                    want = FRAME_HEAD + _HOP.unpack_from(buf, 0)[2]  # a frame over a chunk
                    continue
                pos, want = pos + at, _CHUNK

    def _hop_mapped(self, start: int, last: int) -> Iterator[tuple[int, int]]:
        view = self._view
        at, broken = yield from _frames(view, 0, start, last)
        if not broken and at <= last:  # the end of what is mapped: the file may have grown
            grown = self._remap()
            if len(grown) > len(view):
                yield from _frames(grown, 0, at, last)


def _frames(buf: bytes | memoryview, base: int, at: int,
            last: int) -> Generator[tuple[int, int], None, tuple[int, bool]]:
    """The whole frames in `buf` (which holds the file from offset `base`) from `at` up to
    file offset `last`; returns where it stopped in `buf`, and whether at a broken head."""
    size, limit = len(buf), last - base
    head = _HOP.unpack_from
    while at <= limit and at + FRAME_HEAD <= size:
        magic, bin32, length = head(buf, at)
        end = at + FRAME_HEAD + length
        if magic != _MAGIC or bin32 != _BIN32:
            return at, True
        if end > size:
            break
        code = buf[at + FRAME_HEAD + 1] if length > 1 else -1
        yield base + at, code if code < 0x80 else -1
        at = end
    return at, False


def frame_map(trace: Trace) -> FrameMap:
    """The views' map of `trace`'s file (one per open trace, shared by every view)."""
    with _GUARD:
        found = trace.__dict__.get("_tui_map")
        if found is None:
            found = trace.__dict__["_tui_map"] = FrameMap(trace.path)
        return found
