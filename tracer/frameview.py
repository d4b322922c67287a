"""`FrameView`: a trace file's frames, read by offset from any thread, without a lock.

Reads go through `os.pread` on a descriptor of the view's own (no shared file position)
into a cache of fixed-size blocks, so replaying thousands of steps costs a system call
per block, not per frame. Nothing is memory-mapped: a file truncated or rewritten under
a map kills the reading process with SIGBUS, where here it only reads short, which is
reported as a truncated frame. Every frame is CRC-checked and decoded defensively: what
comes back from `record` is a well-formed record or a `TraceCorruptError` naming the
offset, whatever the bytes.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zlib import crc32

from msgpack import unpackb

from tracer.codec import (
    BATCH_KIND,
    CHECKED_SIZE,
    UndecodableError,
    batch_records,
    ext_hook,
    unpack_data,
    unpack_record,
)
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
    TraceError,
)

BLOCK_SHIFT = 18
BLOCK = 1 << BLOCK_SHIFT
"""Bytes per cached block (256 KiB): one read serves hundreds of small frames."""
MAX_BLOCKS = 128
"""Blocks kept (32 MiB at most); the oldest go first."""
BATCH_MAX = 512
"""Events in one batch frame at most (FORMAT.md §2): its i-th event's address, the
frame's offset + i, lies fewer than this many bytes after the frame's start."""
MAX_BATCHES = 256
"""Decoded batch frames kept."""
_RECORD = 0x96
"""A record's first byte (msgpack fixarray of 6)."""
_HEAD_MARK = bytes((ARRAY2, UINT32))
_unpack_head = HEAD.unpack_from


def open_regular(path: Path) -> int:
    """A read-only descriptor of `path`, refusing anything that is not a regular file
    (a FIFO would block the first read forever; a device or a directory is no trace)."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise TraceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TraceError(f"{path} is a directory, not a trace file") from None
    except OSError as exc:
        raise TraceError(f"{path}: cannot open ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise TraceError(f"{path} is {what}, not a trace file")
    os.set_blocking(fd, True)
    return fd


class FrameView:
    """The frames of one trace file (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.fd = open_regular(self.path)
        self._blocks: dict[int, bytes] = {}
        self._batches: dict[int, list[list[Any]]] = {}
        """Batch frame offset → its events as records (the last MAX_BATCHES decoded)."""
        self._evict = threading.Lock()
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._blocks = {}
            os.close(self.fd)

    def __enter__(self) -> FrameView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def size(self) -> int:
        """The file's size now."""
        return os.fstat(self.fd).st_size

    def forget(self) -> None:
        """Drop every cached block (the file was rewritten: what is cached is stale)."""
        self._blocks = {}
        self._batches = {}

    # -- bytes -----------------------------------------------------------------------------
    def _block(self, index: int, need: int) -> bytes:
        """Block `index`, holding at least `need` bytes if the file has them."""
        blocks = self._blocks
        block = blocks.get(index)
        if block is not None and (len(block) >= need or len(block) == BLOCK):
            return block
        try:
            block = os.pread(self.fd, BLOCK, index << BLOCK_SHIFT)
        except OSError as exc:
            raise TraceCorruptError(f"cannot read the file ({exc.strerror or exc})",
                                    index << BLOCK_SHIFT) from None
        blocks[index] = block
        if len(blocks) > MAX_BLOCKS:
            with self._evict:
                try:
                    while len(blocks) > MAX_BLOCKS:
                        del blocks[next(iter(blocks))]
                except (KeyError, RuntimeError, StopIteration):
                    pass  # another thread evicted at the same moment
        return block

    def read(self, offset: int, n: int) -> bytes:
        """Up to `n` bytes from `offset` (fewer at the end of the file)."""
        if n <= 0 or offset < 0:
            return b""
        first, last = offset >> BLOCK_SHIFT, (offset + n - 1) >> BLOCK_SHIFT
        lo = offset - (first << BLOCK_SHIFT)
        if first == last:
            return self._block(first, lo + n)[lo: lo + n]
        if n > 2 * BLOCK:  # a large frame: read it whole, past the cache
            try:
                return os.pread(self.fd, n, offset)
            except OSError as exc:
                raise TraceCorruptError(f"cannot read the file ({exc.strerror or exc})",
                                        offset) from None
        parts = []
        for index in range(first, last + 1):
            block = self._block(index, BLOCK)
            parts.append(block)
            if len(block) < BLOCK:
                break
        return b"".join(parts)[lo: lo + n]

    # -- frames ----------------------------------------------------------------------------
    def payload(self, offset: int) -> bytes:
        """The CRC-checked payload of the frame at `offset`."""
        # The common case first, with no call: the whole frame in one cached block.
        index = offset >> BLOCK_SHIFT
        lo = offset - (index << BLOCK_SHIFT)
        block = self._blocks.get(index)
        if block is None or lo + FRAME_HEAD > len(block) > 0:
            block = self._block(index, lo + FRAME_HEAD) if offset >= 0 else b""
        if lo + FRAME_HEAD <= len(block):
            a, b, crc, c, length = _unpack_head(block, lo)
            end = lo + FRAME_HEAD + length
            if a == ARRAY2 and b == UINT32 and c == BIN32 and end <= len(block):
                payload = block[lo + FRAME_HEAD: end]
                if crc32(payload) != crc:
                    raise TraceCorruptError("frame CRC mismatch", offset)
                return payload
        head = self.read(offset, FRAME_HEAD)
        if len(head) < FRAME_HEAD:
            raise TraceCorruptError("truncated frame", offset)
        a, b, crc, c, length = _unpack_head(head)
        if a != ARRAY2 or b != UINT32 or c != BIN32 or length > MAX_FRAME:
            raise TraceCorruptError("not a frame head", offset)
        payload = self.read(offset + FRAME_HEAD, length)
        if len(payload) < length:
            raise TraceCorruptError("truncated frame", offset)
        if crc32(payload) != crc:
            raise TraceCorruptError("frame CRC mismatch", offset)
        return payload

    def data(self, offset: int) -> dict[str, Any]:
        """The `data` map of the event at `offset` alone, checked no further than that
        (a state replay reads nothing else; its hot path is `ForwardReader.data`)."""
        try:
            payload = self.payload(offset)
        except TraceCorruptError as exc:
            if self.batch_at(offset) is None:
                raise self._why_not(offset, exc) from None
            return self.record(offset)[5]
        if len(payload) > 1 and payload[0] == _RECORD and payload[1] == BATCH_KIND:
            return self.record(offset)[5]
        try:
            return unpack_data(payload)
        except UndecodableError as exc:
            raise TraceCorruptError(str(exc), offset) from None

    def forward(self) -> ForwardReader:
        """A reader for frames met mostly in file order, for one thread (a replay)."""
        return ForwardReader(self)

    def record(self, offset: int) -> list[Any]:
        """The record of the event at `offset`: `[kind, seq, t, ns, step, data]`, checked
        for its shape (TraceCorruptError for a frame that is damaged, cut short or not a
        record, with the reason). An event of a batch frame is at the frame's offset plus
        its position in the batch (FORMAT.md §2)."""
        try:
            payload = self.payload(offset)
        except TraceCorruptError as exc:
            at = self.batch_at(offset)
            if at is None:
                raise self._why_not(offset, exc) from None
            return self.batch(at)[offset - at]
        try:
            record = unpack_record(payload)
        except UndecodableError as exc:
            raise TraceCorruptError(str(exc), offset) from None
        if record[0] == BATCH_KIND:
            return self._expand(offset, record)[0]
        return record

    def batch(self, offset: int) -> list[list[Any]]:
        """The events of the batch frame at `offset`, as records (TraceCorruptError if the
        frame there is damaged or no batch)."""
        found = self._batches.get(offset)
        if found is not None:
            return found
        try:
            record = unpack_record(self.payload(offset))
        except UndecodableError as exc:
            raise TraceCorruptError(str(exc), offset) from None
        if record[0] != BATCH_KIND:
            raise TraceCorruptError("not a batch frame", offset)
        return self._expand(offset, record)

    def _expand(self, offset: int, record: list[Any]) -> list[list[Any]]:
        try:
            records = batch_records(record)
        except UndecodableError as exc:
            raise TraceCorruptError(str(exc), offset) from None
        batches = self._batches
        if len(batches) >= MAX_BATCHES:
            self._batches = batches = {}
        batches[offset] = records
        return records

    def batch_at(self, address: int) -> int | None:
        """The offset of the batch frame holding the event at `address` (not the frame's
        first), or None: found by looking back at most BATCH_MAX bytes for a whole, valid
        batch frame long enough to hold it."""
        lo = max(address - BATCH_MAX + 1, 0)
        for pos in heads_before(self.read(lo, address - lo + 1), 0, address - lo):
            at = lo + pos
            try:
                records = self.batch(at)
            except TraceCorruptError:
                continue
            return at if address - at < len(records) else None
        return None

    def _why_not(self, address: int, exc: TraceCorruptError) -> TraceCorruptError:
        """Why no event can be read at `address`, which is no frame head: if it lies in a
        batch frame that is damaged, that frame's fault (at its offset), else `exc`."""
        lo = max(address - BATCH_MAX + 1, 0)
        window = self.read(lo, address - lo + FRAME_HEAD)
        for pos in heads_before(window, 0, address - lo):
            if pos + FRAME_HEAD > len(window):
                continue
            _a, _b, _crc, c, length = _unpack_head(window, pos)
            if c != BIN32 or not 0 < address - lo - pos < FRAME_HEAD + length:
                continue
            try:
                self.payload(lo + pos)
            except TraceCorruptError as damage:
                return damage
            return exc
        return exc

    def hop(self, start: int, stop: int | None = None) -> Iterator[tuple[int, int]]:
        """(address, kind code) of each event from `start` up to `stop` (inclusive), by
        reading frame heads only (no CRC check: `record` checks), but for batch frames,
        which are read whole (FORMAT.md §2), an event each.

        Ends quietly at the end of the whole frames (a torn or growing tail); raises
        TraceCorruptError at a head that is not one. The kind code is the payload's second
        byte, -1 when it is not a small int (a kind given as text).
        """
        last = stop if stop is not None else 1 << 62
        at = start
        if at <= last:
            inside = self.batch_at(at) if not self._is_head(at) else None
            if inside is not None:  # `start` is an event inside a batch frame
                records = self.batch(inside)
                for address in range(at, min(inside + len(records), last + 1)):
                    yield address, records[address - inside][0]
                at = self._frame_end(inside)
        while at <= last:
            index = at >> BLOCK_SHIFT
            lo = at - (index << BLOCK_SHIFT)
            block = self._block(index, lo + FRAME_HEAD + 2)
            if lo + FRAME_HEAD + 2 <= len(block):
                a, b, _crc, c, length = _unpack_head(block, lo)
                code = block[lo + FRAME_HEAD + 1]
            else:  # a head across two blocks, or the end of the file
                head = self.read(at, FRAME_HEAD + 2)
                if len(head) < FRAME_HEAD + 1:
                    return
                a, b, _crc, c, length = _unpack_head(head)
                code = head[FRAME_HEAD + 1] if len(head) > FRAME_HEAD + 1 else 0xFF
            if a != ARRAY2 or b != UINT32 or c != BIN32 or length > MAX_FRAME:
                if self.read(at, FOOTER_SIZE + 1)[: len(FOOTER_START)] == FOOTER_START and (
                        self.size() - at == FOOTER_SIZE):
                    return  # a closed file's footer: the frames end here
                raise TraceCorruptError("not a frame head", at)
            end = at + FRAME_HEAD + length
            if end > (index << BLOCK_SHIFT) + len(block) and end > self.size():
                return  # the last frame is not whole (yet)
            if code == BATCH_KIND and length > 1:
                records = self.batch(at)
                for address in range(at, min(at + len(records), last + 1)):
                    yield address, records[address - at][0]
            else:
                yield at, code if code < 0x80 and length > 1 else -1
            at = end

    def _is_head(self, at: int) -> bool:
        head = self.read(at, FRAME_HEAD)
        return (len(head) == FRAME_HEAD and head[0] == ARRAY2 and head[1] == UINT32
                and head[6] == BIN32)

    def _frame_end(self, at: int) -> int:
        return at + FRAME_HEAD + _unpack_head(self.read(at, FRAME_HEAD))[4]


def heads_before(buf: bytes | bytearray, lo: int, before: int) -> Iterator[int]:
    """Positions in `buf` from `lo` to before `before`, nearest first, where a frame may
    start: where its first two bytes are (the caller checks the rest)."""
    end = min(len(buf), before + 1)
    while True:
        pos = buf.rfind(_HEAD_MARK, lo, end)
        if pos < 0:
            return
        end = pos + 1
        if pos < before:
            yield pos


WINDOW = 1 << 20
"""Bytes a ForwardReader reads at a time."""


class ForwardReader:
    """The `data` of frames met mostly in file order (a state replay reads a run's task
    and step ends, a few in every kilobyte), through one window of its own.

    A replay of a long run reads most of the file. Through the shared block cache every
    block is new memory, and faulting it in cost more than the reading (a 60 MB trace:
    30 ms). This reader refills one buffer, touched once, and decodes frames in place.
    It belongs to one thread at a time (the replayer holds its lock); anything it cannot
    read whole from its window goes to `FrameView.data`, which reports the problem.
    """

    def __init__(self, view: FrameView) -> None:
        self._view = view
        self._bytes = bytearray(WINDOW)
        self._window = memoryview(self._bytes)
        self._lo = 0
        self._size = 0
        """The window holds the file's bytes [_lo, _lo + _size)."""
        self._batch: tuple[int, list[Any]] = (0, [])
        """The batch frame read last: its offset and items (checked as they are read)."""

    def data(self, offset: int) -> dict[str, Any]:
        first, items = self._batch
        if 0 <= offset - first < len(items):
            return self._item(offset, items[offset - first])
        at = offset - self._lo
        if at < 0 or at + FRAME_HEAD > self._size:
            self._fill(offset)
            at = 0
        window = self._window
        if at + FRAME_HEAD <= self._size:
            a, b, crc, c, length = _unpack_head(window, at)
            if a == ARRAY2 and b == UINT32 and c == BIN32:
                end = at + FRAME_HEAD + length
                if end > self._size and at and FRAME_HEAD + length <= WINDOW:
                    self._fill(offset)  # the frame runs past the window: start it here
                    at, end = 0, FRAME_HEAD + length
                if end <= self._size and length < CHECKED_SIZE:
                    payload = window[at + FRAME_HEAD: end]
                    if crc32(payload) == crc:
                        try:
                            record = unpackb(payload, raw=False, strict_map_key=False,
                                             ext_hook=ext_hook)
                        except Exception:  # decoded again below, for the error to report
                            record = None
                        if type(record) is list and len(record) == 6 and type(record[5]) is dict:
                            data: dict[str, Any] = record[5]
                            if record[0] != BATCH_KIND:
                                return data
                            batch = data.get("b")
                            if type(batch) is list and batch:
                                self._batch = (offset, batch)
                                item = batch[0]
                                if (type(item) is list and len(item) == 5
                                        and type(item[4]) is dict and type(item[0]) is int
                                        and 0 <= item[0] < BATCH_KIND):
                                    data = item[4]
                                    return data
            else:  # not a head: an event inside a batch frame that starts before it?
                if at < BATCH_MAX and self._lo > 0:
                    self._fill(max(offset - BATCH_MAX, 0))
                    at = offset - self._lo
                for head in heads_before(self._bytes, max(at - BATCH_MAX + 1, 0), at):
                    found = self._decode(head)
                    if found is not None and found[0] == BATCH_KIND:
                        return self._take(self._lo + head, offset, found)
        return self._view.data(offset)

    def _decode(self, at: int) -> list[Any] | None:
        """The record of the whole, CRC-checked frame at window position `at`, or None
        (`FrameView.data` then says what is wrong, if anything)."""
        if at + FRAME_HEAD > self._size:
            return None
        window = self._window
        a, b, crc, c, length = _unpack_head(window, at)
        end = at + FRAME_HEAD + length
        if (a != ARRAY2 or b != UINT32 or c != BIN32 or end > self._size
                or length >= CHECKED_SIZE):
            return None
        payload = window[at + FRAME_HEAD: end]
        if crc32(payload) != crc:
            return None
        try:
            record = unpackb(payload, raw=False, strict_map_key=False, ext_hook=ext_hook)
        except Exception:  # decoded again by FrameView, for the error to report
            return None
        if type(record) is list and len(record) == 6 and type(record[5]) is dict:
            return record
        return None

    def _take(self, first: int, offset: int, record: list[Any]) -> dict[str, Any]:
        """The event at `offset` of the batch `record` at `first` (kept for the next
        calls), or what FrameView says of it."""
        items = record[5].get("b")
        if type(items) is not list or not 0 <= offset - first < len(items):
            return self._view.data(offset)
        self._batch = (first, items)
        return self._item(offset, items[offset - first])

    def _item(self, offset: int, item: Any) -> dict[str, Any]:
        """A batch item's data, if it is well-formed (`tracer.codec.batch_records`); else
        FrameView checks the whole batch and says what is wrong."""
        if (type(item) is list and len(item) == 5 and type(item[4]) is dict
                and type(item[0]) is int and 0 <= item[0] < BATCH_KIND):
            data: dict[str, Any] = item[4]
            return data
        return self._view.data(offset)

    def _fill(self, offset: int) -> None:
        try:
            self._size = os.preadv(self._view.fd, [self._window], offset)
        except OSError:
            self._size = 0  # FrameView.data reads it again and says what is wrong
        self._lo = offset

