"""The raw events view's rows: which frames of a run to list, filtered, and searching them.

A run's frames are found by hopping frame heads (no decoding); the kind of each is
read from its bytes, so kind filters cost nothing more. Other filters and searches
decode events one by one (callers run them in a worker thread).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from tracer import Trace
from tracer.records import KIND_CODES
from tui.views.event_source import run_range
from tui.views.raw_data import EventFilter, event_line, node_of

HIDDEN = {KIND_CODES["keyframe"], KIND_CODES["index"]}
BATCH = 50_000
CHECK_EVERY = 4096
"""Rows between two looks at `stop()` (a worker asks to be cancelled)."""


class Stopped(Exception):
    """`stop()` turned true: the caller no longer wants the result."""


def _never() -> bool:
    return False


def scan_run(trace: Trace, run: int,
             batch: int = BATCH) -> Iterator[tuple[array[int], bytes]]:
    """Batches of (frame offsets, kind codes) of run `run`'s events, in file order.

    A root run lists every frame from its run_start to its run_end (its subgraphs'
    included); a subgraph run lists the frames of its namespace and below.
    """
    start, end = run_range(trace, run)
    ns = trace.index.runs[run].ns
    offsets: array[int] = array("Q")
    codes = bytearray()
    for offset, code in trace.hop(start, end):
        if code in HIDDEN:
            continue
        if ns and trace.read(offset).ns[: len(ns)] != ns:
            continue
        offsets.append(offset)
        codes.append(code & 0xFF)
        if len(offsets) >= batch:
            yield offsets, bytes(codes)
            offsets, codes = array("Q"), bytearray()
    if offsets:
        yield offsets, bytes(codes)


def filter_rows(trace: Trace, offsets: Sequence[int], codes: bytes,
                flt: EventFilter, stop: Callable[[], bool] = _never) -> array[int]:
    """The offsets whose events pass `flt` (kind terms on the kind byte alone).

    Raises Stopped when `stop()` turns true (checked every CHECK_EVERY rows).
    """
    if flt.empty:
        return array("Q", offsets)
    if not flt.needs_event:
        return array("Q", (o for o, c in zip(offsets, codes, strict=True) if flt.kind_ok(c)))
    calls: dict[Any, str] = {}
    llm_start = KIND_CODES["llm_start"]
    out: array[int] = array("Q")
    for i, (offset, code) in enumerate(zip(offsets, codes, strict=True)):
        if i % CHECK_EVERY == 0 and stop():
            raise Stopped
        keep = flt.kind_ok(code)
        if not keep and code != llm_start:
            continue
        event = trace.read(offset)
        node = node_of(event, calls)  # llm_start names the node of its tokens
        if keep and flt.matches(event, event_line(event), node):
            out.append(offset)
    return out


def find_row(trace: Trace, rows: Sequence[int], needle: str, start: int,
             direction: int, stop: Callable[[], bool] = _never) -> int | None:
    """The first row from `start` (wrapping, in `direction` ±1) whose line has `needle`.

    Raises Stopped when `stop()` turns true (checked every CHECK_EVERY rows).
    """
    n = len(rows)
    if not n or not needle:
        return None
    low = needle.lower()
    for i in range(n):
        if i % CHECK_EVERY == 0 and stop():
            raise Stopped
        index = (start + direction * i) % n
        if low in event_line(trace.read(rows[index])).lower():
            return index
    return None
