"""Finding the next whole frame after damage, in time linear in the bytes searched.

Resync (FORMAT.md §2) tries each offset where a frame head could start and accepts the
first whose payload passes its CRC. Checking each candidate's CRC directly costs its
length, so a region of fake heads that each claim a long payload (a crafted file) cost
the square of its size: half a megabyte took 12 s. Here a long candidate's CRC comes
from CRC-32's algebra instead, in microseconds whatever its length:

    crc32(buf[p:q]) == P(q) ^ Z(q - p, P(p))        where P(x) = crc32(buf[:x])

and Z(n, v) advances a CRC register through n zero bytes, a linear map over GF(2) that
is applied from tables for n's bits. P at any offset is one short CRC away from a
checkpoint kept every `STRIDE` bytes, computed once per buffer.
"""

from __future__ import annotations

from zlib import crc32

from tracer.frames import ARRAY2, BIN32, FRAME_HEAD, HEAD, MAX_FRAME, UINT32

STRIDE = 1024
"""Bytes between prefix-CRC checkpoints."""
DIRECT = 512
"""Payloads up to this long are checked directly: cheaper than the algebra."""
_MASK = 0xFFFFFFFF
HEAD_START = bytes([ARRAY2, UINT32])
"""The first two bytes of every frame head."""
_unpack_head = HEAD.unpack_from


def _zero_byte(v: int) -> int:
    """The CRC register `v` after one zero byte (zlib's CRC is ~register on both ends)."""
    return ~crc32(b"\0", ~v & _MASK) & _MASK


class _ZeroShift:
    """Z(n, v): tables of the linear map "n zero bytes" for each power of two n."""

    def __init__(self) -> None:
        self._levels: list[tuple[list[int], list[int], list[int], list[int]]] = []

    @staticmethod
    def _tables(images: list[int]) -> tuple[list[int], list[int], list[int], list[int]]:
        """Byte-sliced tables of the map whose image of bit i is `images[i]`."""
        tables = []
        for byte in range(4):
            table = [0] * 256
            for b in range(1, 256):
                low = b & -b
                table[b] = table[b ^ low] ^ images[8 * byte + low.bit_length() - 1]
            tables.append(table)
        return tables[0], tables[1], tables[2], tables[3]

    def _level(self, k: int) -> tuple[list[int], list[int], list[int], list[int]]:
        levels = self._levels
        while len(levels) <= k:
            if not levels:
                images = [_zero_byte(1 << i) for i in range(32)]
            else:  # 2^(j+1) zero bytes: 2^j of them twice
                t0, t1, t2, t3 = levels[-1]
                images = []
                for i in range(32):
                    v = 1 << i
                    for _ in range(2):
                        v = (t0[v & 255] ^ t1[(v >> 8) & 255] ^ t2[(v >> 16) & 255]
                             ^ t3[v >> 24])
                    images.append(v)
            levels.append(self._tables(images))
        return levels[k]

    def __call__(self, n: int, v: int) -> int:
        k = 0
        while n:
            if n & 1:
                t0, t1, t2, t3 = self._level(k)
                v = t0[v & 255] ^ t1[(v >> 8) & 255] ^ t2[(v >> 16) & 255] ^ t3[v >> 24]
            n >>= 1
            k += 1
        return v


_zero_shift = _ZeroShift()


class CrcSpans:
    """CRC-32 of any span of one buffer, from prefix checkpoints made on demand."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self._checkpoints = [0]  # crc32(buf[:i * STRIDE])

    def prefix(self, x: int) -> int:
        """crc32(buf[:x])."""
        points = self._checkpoints
        i = x // STRIDE
        while len(points) <= i:
            j = len(points)
            points.append(crc32(self.buf[(j - 1) * STRIDE: j * STRIDE], points[-1]))
        return crc32(self.buf[i * STRIDE: x], points[i])

    def crc(self, p: int, q: int) -> int:
        """crc32(buf[p:q])."""
        return self.prefix(q) ^ _zero_shift(q - p, self.prefix(p))


def next_frame(buf: bytes, start: int, spans: CrcSpans | None = None) -> int | None:
    """The first offset after `start` in `buf` where a whole frame passes its CRC, if
    any. Pass the same `spans` for repeated searches of one buffer."""
    pos = start
    size = len(buf)
    while True:
        pos = buf.find(HEAD_START, pos + 1)
        if pos < 0 or pos + FRAME_HEAD > size:
            return None
        _, _, crc, marker, length = _unpack_head(buf, pos)
        end = pos + FRAME_HEAD + length
        if marker != BIN32 or length > MAX_FRAME or end > size:
            continue
        if length <= DIRECT:
            if crc32(buf[pos + FRAME_HEAD: end]) == crc:
                return pos
            continue
        if spans is None:
            spans = CrcSpans(buf)
        if spans.crc(pos + FRAME_HEAD, end) == crc:
            return pos
