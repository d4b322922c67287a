"""Building a trace's index: from its footer (O(1)) or by hopping frame heads.

The index lists runs, steps (with the offsets of their step_start, step_end and
task_end frames) and keyframes. A scan also finds torn tails and corrupt regions,
resyncing to the next frame whose CRC checks out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from tracer.codec import unpack
from tracer.frames import (
    FOOTER_SIZE,
    FRAME_HEAD,
    TraceCorruptError,
    check,
    footer_bytes,
    parse_footer,
    parse_head,
    resync,
)
from tracer.records import KIND_CODES

_CHUNK = 4 << 20
_FOOTER_START = footer_bytes(0)[:8]  # 0x92 0xa5 "ssidx" 0xcf
_STEP_KINDS = {KIND_CODES[k] for k in ("run_start", "step_start", "task_end", "step_end",
                                        "keyframe", "run_end")}
_STEP_START, _TASK_END, _STEP_END, _RUN_END = (
    KIND_CODES[k] for k in ("step_start", "task_end", "step_end", "run_end"))


@dataclass
class TraceIndex:
    """Where things are in a trace file."""

    runs: list[list[Any]] = field(default_factory=list)
    """[offset, ns, run_id, parent task id] per run, in file order."""
    steps: list[list[Any]] = field(default_factory=list)
    """[run, ns, step, step_start offset, step_end offset, [task_end offsets]], in
    step_start order; listed from step_start on, with step_end None until it arrives
    (and for good when an error, interrupt or crash cut the step). An entry whose
    step_end arrived has a 7th item: `replay_keys` of its deltas (or None)."""
    keyframes: list[list[Any]] = field(default_factory=list)
    """[run, ns, step, offset]."""
    run_ends: dict[int, int] = field(default_factory=dict)
    """run → offset of its run_end frame (absent: the run did not finish)."""
    events: int = 0
    end: int = 0
    """Offset just past the last whole frame read."""
    errors: list[TraceCorruptError] = field(default_factory=list)
    torn: bool = False
    """The file ends inside a frame (a crash mid-write, or a file still growing)."""
    finished: bool = False
    """Read from a footer: the writer closed the file cleanly."""


def from_footer(f: BinaryIO, size: int, start: int) -> TraceIndex | None:
    """The index a cleanly closed trace ends with, or None."""
    if size < start + FOOTER_SIZE + FRAME_HEAD:
        return None
    f.seek(size - FOOTER_SIZE)
    at = parse_footer(f.read(FOOTER_SIZE))
    if at is None or not start <= at < size - FOOTER_SIZE:
        return None
    f.seek(at)
    raw = f.read(size - FOOTER_SIZE - at)
    try:
        head = parse_head(raw, 0)
    except ValueError:
        return None
    if head is None or head.end != len(raw) or not check(raw[FRAME_HEAD:], head):
        return None
    record = unpack(raw[FRAME_HEAD:])
    data = record[5]
    index = TraceIndex(runs=data["runs"], steps=data["steps"], keyframes=data["keyframes"],
                       events=data["events"], end=at, finished=True)
    index.run_ends = {int(k): v for k, v in data.get("run_ends", {}).items()}
    return index


class Scanner:
    """Hops frame heads from an offset onward; call `scan` again as the file grows."""

    def __init__(self, f: BinaryIO, start: int) -> None:
        self.f = f
        self.pos = start
        self.index = TraceIndex(end=start)
        self._run_of: dict[tuple[str, ...], int] = {}
        self._open: dict[tuple[str, ...], list[Any]] = {}

    def scan(self) -> list[int]:
        """Read what is new; return the offsets of the whole frames found."""
        size = os.fstat(self.f.fileno()).st_size
        found: list[int] = []
        want = _CHUNK
        while self.pos < size:
            self.f.seek(self.pos)
            buf = self.f.read(min(want, size - self.pos))
            want = _CHUNK
            at = 0
            while True:
                try:
                    head = parse_head(buf, at)
                except ValueError:
                    if (size - self.pos - at <= FOOTER_SIZE
                            and buf[at: at + 8] == _FOOTER_START):
                        break  # the footer, whole or torn: the frames end here
                    nxt = self._corrupt(buf, at, "not a frame head")
                    if nxt is None:
                        return found
                    at = nxt
                    continue
                if head is None or head.end > len(buf):
                    if (head is not None and self.pos + len(buf) >= size
                            and resync(buf, at) is not None):
                        # Whole frames follow: a damaged length, not a torn tail.
                        nxt = self._corrupt(buf, at, "frame length runs past valid frames")
                        if nxt is None:  # cannot be: the resync just above found a frame
                            return found
                        at = nxt
                        continue
                    if head is not None and at == 0:
                        want = head.end  # one frame larger than a chunk
                    break  # need more bytes (next chunk, or the file is torn/growing)
                payload = buf[at + FRAME_HEAD: head.end]
                if not check(payload, head):
                    nxt = self._corrupt(buf, at, "frame CRC mismatch")
                    if nxt is None:
                        return found
                    at = nxt
                    continue
                offset = self.pos + at
                self._note(offset, payload)
                found.append(offset)
                at = head.end
            if at == 0:
                if want > _CHUNK and self.pos + want <= size:
                    continue
                break
            self.pos += at
            self.index.end = self.pos
        self.index.torn = self.pos < size
        return found

    def _corrupt(self, buf: bytes, at: int, why: str) -> int | None:
        """Record a corrupt region; the offset in `buf` to go on from, or None."""
        err = TraceCorruptError(why, self.pos + at)
        if not self.index.errors or self.index.errors[-1].offset != err.offset:
            self.index.errors.append(err)
        nxt = resync(buf, at)
        if nxt is None:
            # Nothing valid follows in what is on disk now: stop here (a follower retries).
            self.index.end = self.pos + at
            self.index.torn = True
        return nxt

    def _note(self, offset: int, payload: bytes) -> None:
        index = self.index
        index.events += 1
        kind = payload[1] if len(payload) > 1 else -1
        if kind not in _STEP_KINDS:
            return
        record = unpack(payload)
        _, _, _, ns_list, step, data = record
        ns = tuple(ns_list)
        if kind == KIND_CODES["run_start"]:
            self._run_of[ns] = len(index.runs)
            index.runs.append([offset, ns_list, data.get("run_id"), data.get("parent")])
            self._open.pop(ns, None)  # a step of an earlier run here that never ended
        replay = None
        if kind == _STEP_END and isinstance(data, dict):
            replay = replay_keys(data.get("d", ()))
        note_step(index.steps, self._open, kind, self._run_of.get(ns, -1), ns, step, offset,
                  replay)
        if kind == KIND_CODES["keyframe"]:
            index.keyframes.append([self._run_of.get(ns, -1), ns_list, step, offset])
        elif kind == KIND_CODES["run_end"]:
            index.run_ends[self._run_of.get(ns, -1)] = offset


def replay_keys(deltas: Any) -> list[str] | None:
    """The keys of a step_end's deltas when each is "w" (replay the tasks' writes), for
    the index: a replay then need not read the step_end. None when any delta carries a
    value or removes a key (the step_end must be read)."""
    try:
        keys = [d[1] for d in deltas if d[0] == "w"]
    except (TypeError, IndexError, KeyError):
        return None
    return keys if len(keys) == len(deltas) else None


def note_step(steps: list[list[Any]], open_steps: dict[tuple[str, ...], list[Any]], kind: int,
              run: int, ns: tuple[str, ...], step: int, offset: int,
              replay: list[str] | None = None) -> None:
    """Keep the step entries up to date with one frame (the writer and the scanner
    both index this way).

    A step is listed from its step_start on, so a reader following a live trace sees
    the step in progress ([run, ns, step, start, None, []]); its task_end offsets and
    its step_end offset are filled into that same entry as they arrive. A step with
    no step_start (step 0, the input) is listed at its step_end. The list is thus in
    step_start order: a parent's step comes before the steps of a subgraph it runs.
    """
    entry: list[Any] | None
    if kind == _STEP_START:
        entry = [run, list(ns), step, offset, None, []]
        open_steps[ns] = entry
        steps.append(entry)
    elif kind == _TASK_END:
        entry = open_steps.get(ns)
        if entry is not None:
            entry[5].append(offset)
    elif kind == _STEP_END:
        entry = open_steps.pop(ns, None)
        if entry is None:
            steps.append([run, list(ns), step, None, offset, [], replay])
        else:
            entry[4] = offset
            entry.append(replay)
    elif kind == _RUN_END:
        open_steps.pop(ns, None)  # a step an error or interrupt cut: it stays unfinished
