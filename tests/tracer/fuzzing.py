"""A malformed-trace generator: real recorded traces, then cut, flipped or salted with
crafted frames (`fuzz_crafted.py`). Used by `test_fuzz.py` (a bounded sample) and
`python -m bench fuzz` (the long sweep); `fuzz_oracle.py` judges what the reader makes
of each case.

Every case says what a correct reader may do with it (`Case.oracle`):

- "cut": a prefix of a good trace (a crash). Reads exactly the original frames before the
  cut, reports no damage, and every state is the original one (a step cut before its
  step_end shows the state before it).
- "damage": bytes that no writer produces (flips, frames that are not records, a bad
  index). Every event and state read is the original one, or damage is reported.
- "forged": CRC-valid, well-shaped records carrying data of the wrong types, or an index
  that lies. Nothing can be compared (the frame is a lie), but every read path returns
  or raises TraceError.
- "refused": not a trace at all (a FIFO, a directory, a device): open_trace refuses it.

Frames are built here from FORMAT.md §2, not with the tracer's own code, so a mistake in
the tracer's framing cannot hide itself.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack

from .raw_frames import INDEX, RawFrame, header_end, walk_frames

_HEAD = struct.Struct(">BBIBI")
_FOOTER = struct.Struct(">BB5sBQ")
RUN_START, STEP_START, TASK_END, STEP_END, CUSTOM, TOKEN, KEYFRAME = 0, 1, 3, 4, 5, 7, 20


def frame(payload: bytes, crc: int | None = None) -> bytes:
    """A frame around any payload, with its true CRC unless `crc` is given."""
    return _HEAD.pack(0x92, 0xCE, zlib.crc32(payload) if crc is None else crc, 0xC6,
                      len(payload)) + payload


def packed(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def footer(index_offset: int) -> bytes:
    return _FOOTER.pack(0x92, 0xA5, b"ssidx", 0xCF, index_offset)


@dataclass(frozen=True)
class Sample:
    """A cleanly closed trace and its frames (the index frame last)."""

    data: bytes
    start: int
    frames: list[RawFrame]

    @classmethod
    def of(cls, data: bytes) -> Sample:
        return cls(data, header_end(data), walk_frames(data))

    @property
    def body(self) -> bytes:
        """The trace without its index and footer: what a crash just before close left."""
        return self.data[: self.frames[-1].offset]

    def crashed(self) -> bytes:
        """The body with its last frame torn, as a kill mid-write leaves it."""
        last = self.frames[-2]
        return self.data[: last.offset + 11 + last.length // 2]

    def with_index(self, data: dict[str, Any] | bytes) -> bytes:
        """The body, then `data` as the index frame (a dict, or a raw payload), and a
        footer pointing at it."""
        payload = data if isinstance(data, bytes) else packed([30, -1, 0, [], -1, data])
        body = self.body
        return body + frame(payload) + footer(len(body))

    def middle(self, kind: int) -> RawFrame:
        """A frame of `kind` in the middle of the trace (inside a run, between steps)."""
        found = [f for f in self.frames if f.kind == kind]
        return found[len(found) // 2]

    def index_record(self) -> dict[str, Any]:
        index = self.frames[-1]
        assert index.kind == INDEX
        record = msgpack.unpackb(self.data[index.offset + 11: index.end], raw=False,
                                 strict_map_key=False)
        data: dict[str, Any] = record[5]
        return data


@dataclass(frozen=True)
class Case:
    """One malformed file: `data`, or `make(folder) -> path` for files that are not bytes
    (a FIFO, a directory, a device)."""

    name: str
    oracle: str
    """"cut", "damage", "forged" or "refused" (not a trace at all: open_trace raises)."""
    data: bytes = b""
    make: Callable[[Path], Path] | None = None

    def write(self, folder: Path) -> Path:
        if self.make is not None:
            return self.make(folder)
        path = folder / "case.stepscope"
        path.write_bytes(self.data)
        return path


# -- cuts and flips ---------------------------------------------------------------------
def cuts(sample: Sample, stride: int = 1) -> Iterator[Case]:
    """The trace cut at every `stride`-th offset after its header, and whole."""
    data = sample.data
    for cut in [*range(sample.start, len(data), stride), len(data)]:
        yield Case(f"cut@{cut}", "cut", data[:cut])


def flips(data: bytes, start: int, rng: random.Random, count: int,
          most: int = 3) -> Iterator[Case]:
    """`count` copies of `data` with 1..`most` random bytes (after the header) XORed with
    a random non-zero value; nearby bytes half the time, as a bad sector would."""
    for _ in range(count):
        buf = bytearray(data)
        where = rng.randrange(start, len(data))
        changed: set[int] = set()
        for _ in range(rng.randint(1, most)):
            pos = where if rng.random() < 0.5 else rng.randrange(start, len(data))
            pos = min(pos + rng.randrange(4), len(data) - 1)
            if pos not in changed:  # (twice would undo the flip, half the time)
                buf[pos] ^= rng.randrange(1, 256)
                changed.add(pos)
        yield Case("flip@" + ",".join(map(str, sorted(changed))), "damage", bytes(buf))


def regions(data: bytes, start: int, rng: random.Random, count: int) -> Iterator[Case]:
    """`count` copies of `data` with a run of 1..400 bytes after the header zeroed (a
    lost page) or overwritten with random bytes."""
    for _ in range(count):
        at = rng.randrange(start, len(data))
        size = min(rng.randint(1, 400), len(data) - at)
        zero = rng.random() < 0.5
        fill = bytes(size) if zero else rng.randbytes(size)
        if fill == data[at: at + size]:
            continue
        what = "zeros" if zero else "noise"
        yield Case(f"{what}@{at}+{size}", "damage", data[:at] + fill + data[at + size:])


def insert(data: bytes, at: int, blob: bytes) -> bytes:
    return data[:at] + blob + data[at:]


def fake_heads(size: int, seed: int = 7) -> bytes:
    """A region of frame heads whose CRCs never match: each claims a payload running on
    through the region (and past the next heads), so resync must try every one."""
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < size:
        length = rng.randrange(size // 2, size)
        out += _HEAD.pack(0x92, 0xCE, rng.getrandbits(32), 0xC6, length)
        out += bytes(rng.randrange(0, 5))
    return bytes(out[:size])


def not_files() -> Iterator[Case]:
    """Paths that are not regular files: open_trace must refuse them at once."""
    import os

    def fifo(folder: Path) -> Path:
        path = folder / "pipe.stepscope"
        if not path.exists():
            os.mkfifo(path)
        return path

    def directory(folder: Path) -> Path:
        path = folder / "dir.stepscope"
        path.mkdir(exist_ok=True)
        return path

    yield Case("a FIFO", "refused", make=fifo)
    yield Case("a directory", "refused", make=directory)
    yield Case("/dev/zero", "refused", make=lambda _: Path("/dev/zero"))
    yield Case("/dev/null", "refused", make=lambda _: Path("/dev/null"))
    yield Case("a missing file", "refused", make=lambda folder: folder / "missing")


# -- recording the samples --------------------------------------------------------------
def record_sample(path: Path, kind: str = "mixed", bulk: bool = True) -> Sample:
    """Record a real trace to `path`. "mixed": two runs of a graph with a subgraph, a
    model call and custom data, then a fan-out, a chat, a Send map-reduce, and a run
    interrupted then resumed (nine runs, keyframes, every reducer); "small": one
    linear run (for cuts at every offset). `bulk=False`: a frame per event, no batches."""
    from engine import InMemorySaver
    from engine.events import attach
    from engine.types import Command
    from tracer.writer import TraceWriter

    from . import graphs

    writer = TraceWriter(path, bulk=bulk)
    with attach(writer):
        if kind == "small":
            graphs.linear().invoke({"topic": "x"})
        else:
            for topic in ("x", "y"):
                graphs.with_subgraph().invoke({"topic": topic, "log": []})
            graphs.fan_out().invoke({"topic": "f", "log": []})
            graphs.chat().invoke({"messages": []})
            graphs.with_send().invoke({"items": [1, 2, 3], "out": []})
            asking = graphs.asking(checkpointer=InMemorySaver())
            thread: Any = {"configurable": {"thread_id": "fuzz"}}
            asking.invoke({"topic": "a", "log": []}, thread)
            asking.invoke(Command(resume="cats"), thread)
    writer.close()
    return Sample.of(path.read_bytes())


def record_big(path: Path, megabytes: int) -> Sample:
    """A closed trace of about `megabytes` MiB: a loop whose node rewrites a 64 KiB text
    and appends to a log each step (so it has keyframes and long frames)."""
    import operator
    from typing import Annotated, TypedDict

    import tracer
    from engine.graph import END, START, StateGraph

    class Blob(TypedDict):
        n: int
        blob: str
        log: Annotated[list[int], operator.add]

    steps = max(megabytes * 1024 // 70, 4)

    def grow(state: Blob) -> dict[str, Any]:
        n = state["n"] + 1
        return {"n": n, "blob": f"{n:07d}," * (64 << 10 >> 3), "log": [n]}

    graph = (StateGraph(Blob).add_node("grow", grow).add_edge(START, "grow")
             .add_conditional_edges("grow", lambda s: END if s["n"] >= steps else "grow")
             .compile())
    with tracer.record(path):
        graph.invoke({"n": 0, "blob": "", "log": []}, {"recursion_limit": steps + 10})
    return Sample.of(path.read_bytes())


def long_length_damage(sample: Sample, rng: random.Random) -> Case:
    """A frame more than 4 MiB before the end whose length byte now claims a payload
    reaching at least 4 MiB further (inside the file: only its CRC fails)."""
    end = len(sample.data) - (4 << 20)
    victim = rng.choice([f for f in sample.frames[1:-1] if f.end < end])
    buf = bytearray(sample.data)
    buf[victim.offset + 8] ^= 0x40  # + 4 MiB to the length
    return Case(f"length +4 MiB at {victim.offset}", "damage", bytes(buf))


MEMORY_CHILD = r"""
import json, sys
import tracer

def status(key):  # from /proc: ru_maxrss would count the parent's peak (kept over exec)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024

with tracer.open_trace(sys.argv[1]) as trace:  # warm up: imports, caches
    list(trace.events())
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from here
before = status("VmRSS")
with tracer.open_trace(sys.argv[2]) as trace:
    events = sum(1 for _ in trace.events())
    errors = [str(e) for e in trace.errors]
print(json.dumps({"grew": status("VmHWM") - before, "events": events, "errors": errors}))
"""
"""`python -c MEMORY_CHILD GOOD CASE` prints how much a process reading CASE's events
(after GOOD's) grew at its peak, in bytes (Linux)."""
