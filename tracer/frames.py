"""The byte layout of a trace file: header, CRC'd frames, index, footer (FORMAT.md).

    header  = a msgpack map {"magic": "stepscope-trace", "format": 1, ...}
    frame   = msgpack [crc32 (uint32, 0xce), payload (bin32, 0xc6)]  → 11-byte head
    footer  = msgpack ["ssidx", index frame offset (uint64, 0xcf)]   → 16 bytes, last

Everything here is pure: functions over bytes and offsets; only `reader.py` and
`writer.py` touch files.
"""

from __future__ import annotations

import struct
from typing import Any

import msgpack

MAGIC = "stepscope-trace"
FORMAT_VERSION = 2
"""Version 2 adds batch frames (several events in one frame, FORMAT.md §2); a file
written as version 1 has none and reads the same."""
FRAME_HEAD = 11
FOOTER_SIZE = 16
ARRAY2 = 0x92
"""msgpack fixarray of 2: the first byte of every frame and of the footer."""
UINT32 = 0xCE
"""msgpack uint32: the marker before a frame's CRC."""
BIN32 = 0xC6
"""msgpack bin32: the marker before a frame's payload length."""
STR5 = 0xA5
UINT64 = 0xCF
FOOTER_TAG = b"ssidx"
HEAD = struct.Struct(">BBIBI")
"""A frame head: ARRAY2, UINT32, CRC-32 of the payload, BIN32, payload length."""
_FOOTER = struct.Struct(">BB5sBQ")  # ARRAY2, STR5, FOOTER_TAG, UINT64, index offset
MAX_FRAME = 1 << 30
MAX_HEADER = 4096


class TraceError(Exception):
    """The file is not a readable trace (missing, empty, not a trace, too new)."""


class TraceCorruptError(TraceError):
    """A frame failed its checks; `offset` says where."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at byte offset {offset}")
        self.reason = message
        self.offset = offset


def header_bytes(writer: str, created: str, schema: int) -> bytes:
    return msgpack.packb({"magic": MAGIC, "format": FORMAT_VERSION, "writer": writer,
                          "created": created, "schema": schema})


def read_header(data: bytes, path: str = "") -> tuple[dict[str, Any], int]:
    """Parse the header at the start of `data`; return it and where frames begin."""
    name = path or "file"
    if not data:
        raise TraceError(f"{name} is empty: not a stepscope trace")
    unpacker = msgpack.Unpacker(raw=False, max_buffer_size=MAX_HEADER * 4)
    unpacker.feed(data[:MAX_HEADER])
    try:
        header = unpacker.unpack()
    except msgpack.OutOfData:
        if data[:1] and 0x80 <= data[0] <= 0x8F and len(data) < MAX_HEADER:
            raise TraceError(f"{name} ends inside its header: an incomplete trace") from None
        raise TraceError(f"{name} is not a stepscope trace (no header)") from None
    except Exception:
        raise TraceError(f"{name} is not a stepscope trace (no header)") from None
    if not isinstance(header, dict) or header.get("magic") != MAGIC:
        raise TraceError(f"{name} is not a stepscope trace (wrong magic)")
    version = header.get("format")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise TraceError(
            f"{name} uses trace format {version!r}; this stepscope reads format "
            f"{FORMAT_VERSION} and older — upgrade stepscope to open it"
        )
    return header, unpacker.tell()


def footer_bytes(index_offset: int) -> bytes:
    return _FOOTER.pack(ARRAY2, STR5, FOOTER_TAG, UINT64, index_offset)


FOOTER_START = footer_bytes(0)[:8]
"""A footer's fixed first bytes (ARRAY2, STR5, "ssidx", UINT64)."""


def parse_footer(tail: bytes) -> int | None:
    """The index offset from the file's last 16 bytes, or None if there is no footer."""
    if len(tail) != FOOTER_SIZE:
        return None
    a, b, tag, c, offset = _FOOTER.unpack(tail)
    if (a, b, tag, c) != (ARRAY2, STR5, FOOTER_TAG, UINT64):
        return None
    return int(offset)
