"""Identifiers: checkpoint ids (UUIDv6, step in the clock sequence), task and interrupt ids.

Task ids hash the checkpoint the step was planned from, the namespace, the step, the
node and its triggers (or Send index), so re-running from the same checkpoint gives
the same ids. stepscope uses BLAKE2b-128 where LangGraph uses xxh3-128: the shape and
the inputs are the same, the digits are not.
"""

from __future__ import annotations

from hashlib import blake2b

_GREGORIAN_OFFSET_100NS = 0x01B21DD213814000


def _uuid_format(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def checkpoint_id(unix_ns: int, step: int, node: int) -> str:
    """A time-ordered UUIDv6 whose clock sequence holds the step (-1 → 0xbfff)."""
    ts = unix_ns // 100 + _GREGORIAN_OFFSET_100NS
    time_high = (ts >> 28) & 0xFFFFFFFF
    time_mid = (ts >> 12) & 0xFFFF
    time_low = ts & 0x0FFF
    clock_seq = 0x8000 | (step & 0x3FFF)
    return (
        f"{time_high:08x}-{time_mid:04x}-{0x6000 | time_low:04x}-"
        f"{clock_seq:04x}-{node & 0xFFFFFFFFFFFF:012x}"
    )


def task_id(checkpoint: str, parts: tuple[str, ...]) -> str:
    """UUID-shaped hash of (checkpoint id bytes, ns, step, node, path pieces)."""
    h = blake2b(bytes.fromhex(checkpoint.replace("-", "")), digest_size=16)
    h.update("".join(parts).encode())
    return _uuid_format(h.hexdigest())


def interrupt_id(checkpoint_ns: str) -> str:
    """32 hex digits naming an interrupt, from the interrupted task's namespace string."""
    return blake2b(checkpoint_ns.encode(), digest_size=16).hexdigest()


def node_bits(seed: str) -> int:
    """48 bits for the node field of checkpoint ids, stable for a given seed."""
    return int.from_bytes(blake2b(seed.encode(), digest_size=6).digest(), "big")
