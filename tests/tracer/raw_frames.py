"""An independent frame walker: the whole frames found in a trace's bytes.

Written from the format description (tracer/FORMAT.md, §2 frames), not from
`tracer.index`, so the tests count frames independently of the reader.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import msgpack

HEAD = struct.Struct(">BBIBI")  # 0x92, 0xce, crc32, 0xc6, payload length
KEYFRAME, INDEX = 20, 30


BATCH = 12


@dataclass(frozen=True)
class RawEvent:
    """One event: its address (FORMAT.md §2, "Batches") and kind code."""

    offset: int
    kind: int


@dataclass(frozen=True)
class RawFrame:
    """One whole frame found in the bytes: where it starts, its kind code, its size, and
    the events it holds (one, or a batch's)."""

    offset: int
    kind: int
    length: int
    crc_ok: bool
    events: tuple[RawEvent, ...] = ()

    @property
    def end(self) -> int:
        return self.offset + 11 + self.length


def header_end(data: bytes) -> int:
    """Where the frames begin: just past the msgpack header map."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    unpacker.unpack()
    return unpacker.tell()


def walk_frames(data: bytes, start: int | None = None) -> list[RawFrame]:
    """Every whole frame from `start` on, stopping at the first thing that is not one."""
    pos = header_end(data) if start is None else start
    frames: list[RawFrame] = []
    while len(data) - pos >= 11:
        a, b, crc, c, length = HEAD.unpack_from(data, pos)
        if (a, b, c) != (0x92, 0xCE, 0xC6) or pos + 11 + length > len(data):
            break
        payload = data[pos + 11: pos + 11 + length]
        kind = payload[1] if len(payload) > 1 else -1
        crc_ok = zlib.crc32(payload) == crc
        events: tuple[RawEvent, ...] = (RawEvent(pos, kind),)
        if kind == BATCH and crc_ok:  # event i of a batch at O is at address O + i
            items = msgpack.unpackb(payload, raw=False)[5]["b"]
            events = tuple(RawEvent(pos + i, item[0]) for i, item in enumerate(items))
        frames.append(RawFrame(pos, kind, length, crc_ok, events))
        pos += 11 + length
    return frames


def event_frames(frames: list[RawFrame]) -> list[RawEvent]:
    """The events `Trace.events()` yields: all but keyframes and the index."""
    return [e for f in frames for e in f.events if e.kind not in (KEYFRAME, INDEX)]


def addresses(frames: list[RawFrame]) -> list[int]:
    """The address of every event of `frames` (keyframes and the index included), as
    `Trace.offsets()` lists them."""
    return [e.offset for f in frames for e in f.events]
