"""Crafted frames for the fuzz tests (`fuzzing.py` has the rest of the generator):
payloads that are no record, CRC-valid records of the wrong types, bad indexes behind a
good footer, and one frame of 4 MiB of empty arrays."""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from typing import Any

import msgpack

from .fuzzing import (
    CUSTOM,
    KEYFRAME,
    RUN_START,
    STEP_END,
    STEP_START,
    TASK_END,
    TOKEN,
    Case,
    Sample,
    fake_heads,
    footer,
    frame,
    insert,
    packed,
)


def _nested_ext(depth: int) -> bytes:
    """A value of `depth` ext tuples, each holding the next (the innermost holds 1)."""
    value = b"\x01"
    for _ in range(depth):
        value = b"\xc9" + struct.pack(">I", len(value) + 1) + b"\x01" + b"\x91" + value
    return value


def _record_with(kind: int, step: int, value: bytes, key: str = "p") -> bytes:
    """A record `[kind, 0, 0, [], step, {key: <value>}]` around raw msgpack `value`."""
    return b"\x96" + packed(kind) + b"\x00\x00\x90" + packed(step) + b"\x81" + packed(
        key) + value


_DEEP = b"\x91" * 900 + b"\x00"
"""Lists nested 900 deep: msgpack decodes them (its limit is 1024), but Python's repr,
str and json recurse on them past the interpreter's limit."""

UNDECODABLE: dict[str, bytes] = {
    "map, not an array": packed({"kind": 5}),
    "an int": packed(5),
    "array of 5": packed([5, 0, 0, [], 0]),
    "array of 7": packed([5, 0, 0, [], 0, {}, 1]),
    "ns as an int": packed([5, 0, 0, 7, 0, {}]),
    "ns of ints": packed([5, 0, 0, [1], 0, {}]),
    "data as a list": packed([5, 0, 0, [], 0, []]),
    "seq as text": packed([5, "0", 0, [], 0, {}]),
    "kind as a float": packed([5.0, 0, 0, [], 0, {}]),
    "invalid UTF-8": b"\x96\x05\x00\x00\x90\x00\x81\xa1p\xa2\xff\xfe",
    "trailing bytes": packed([5, 0, 0, [], 0, {}]) + b"\xc0",
    "cut short": packed([5, 0, 0, [], 0, {"p": "a long enough text"}])[:-5],
    "arrays 100k deep": _record_with(CUSTOM, 1, b"\x91" * 100_000 + b"\x00"),
    "array of 4 GiB": _record_with(CUSTOM, 1, b"\xdd\xff\xff\xff\xff\x00"),
    "map of 4 GiB": _record_with(CUSTOM, 1, b"\xdf\xff\xff\xff\xff\x00\x00"),
    "text of 4 GiB": _record_with(CUSTOM, 1, b"\xdb\xff\xff\xff\xffabc"),
    "bytes of 4 GiB": _record_with(CUSTOM, 1, b"\xc6\xff\xff\xff\xffabc"),
    "ext of 4 GiB": _record_with(CUSTOM, 1, b"\xc9\xff\xff\xff\xff\x01abc"),
    "reserved byte 0xc1": _record_with(CUSTOM, 1, b"\xc1"),
    "a 900-deep map key": _record_with(CUSTOM, 1, b"\x81" + _DEEP + b"\x01"),
}
"""Payloads that are not records (FORMAT.md §3): a reader must call each damage."""


def _forged() -> dict[str, list[Any] | bytes]:
    ext = msgpack.ExtType
    deep: bytes = _DEEP
    return {
        "task_end writes not a list": [TASK_END, 0, 0, [], 1, {"i": 0, "d": 1, "w": 5}],
        "task_end write keys not text": [TASK_END, 0, 0, [], 1, {"i": 0, "d": 1,
                                                                 "w": [[1, 2], [None]]}],
        "task_end slot as text": [TASK_END, 0, 0, [], 1, {"i": "x", "d": "slow", "px": []}],
        "task_end interrupts an int": [TASK_END, 0, 0, [], 1, {"i": 99, "intr": 5, "e": 7}],
        "step_start ids an int": [STEP_START, 0, 0, [], 1, {"ids": 5, "names": None}],
        "step_start names of ints": [STEP_START, 0, 0, [], 1, {"ids": [b"x"], "names": [1]}],
        "step_end deltas an int": [STEP_END, 0, 0, [], 1, {"d": 5}],
        "step_end deltas too short": [STEP_END, 0, 0, [], 1, {"d": [["w"], ["s", "k"], []]}],
        "step_end unknown ops": [STEP_END, 0, 0, [], 1, {"d": [["q", "k"], [5, 5]]}],
        "run_start of wrong types": [RUN_START, 0, 0, [], 0, {
            "run_id": 5, "graph": 5, "state": [], "state_keys": 5, "parent": 7,
            "wall_start_ns": "now"}],
        "run_start channels a list": [RUN_START, 0, 0, [], 0, {
            "run_id": "r", "graph": {"channels": [1], "name": []}, "state": {"k": 1}}],
        "run_start reducer an int": [RUN_START, 0, 0, [], 0, {
            "run_id": "r2", "graph": {"channels": {"k": {"reducer": 5}}},
            "state": {"k": 1}, "state_keys": ["k", 5]}],
        "token of wrong types": [TOKEN, 0, 0, [], 1, {"n": [], "x": 5, "k": 5}],
        "llm_start of wrong types": [6, 0, 0, [], 1, {"n": "a", "tags": 5, "model": [],
                                                      "id": 5, "provider": {}}],
        "llm_end of wrong types": [8, 0, 0, [], 1, {"n": 0, "tokens": "x", "d": "x",
                                                    "text": 5, "e": 5}],
        "run_end of wrong types": [11, 0, 0, [], 1, {"status": 5, "d": "x",
                                                     "interrupts": 5, "e": []}],
        "custom of wrong types": [CUSTOM, 0, 0, [], 1, {"id": 5, "name": [1], "p": ext(99,
                                                                                      b"")}],
        "interrupt of wrong types": [10, 0, 0, [], 1, {"interrupts": 5, "static": "no"}],
        "keyframe state an int": [KEYFRAME, -1, 0, [], 1, {"state": 5}],
        "kind as text": ["weird", 0, 0, [], 1, {}],
        "unknown kind code": [99, 0, 0, [], 1, {"x": 1}],
        "huge numbers": [CUSTOM, 2**63, -(2**63), [], 2**64 - 1, {"p": 2**64 - 1}],
        "ext types nested 250 deep": _record_with(CUSTOM, 1, _nested_ext(250)),
        "lists 900 deep in custom data": _record_with(CUSTOM, 1, deep),
        "lists 900 deep as a task name": _record_with(STEP_START, 1, b"\x91" + deep,
                                                      "names"),
        "lists 900 deep as an error": _record_with(TASK_END, 1, deep, "e"),
        "lists 900 deep as a run id": _record_with(RUN_START, 0, deep, "run_id"),
        "lists 900 deep as token text": _record_with(TOKEN, 1, deep, "x"),
        "lists 900 deep as a status": _record_with(11, 1, deep, "status"),
        "undecodable exts": _record_with(CUSTOM, 1, b"\x93" + packed(ext(4, b"\xa3bad"))
                                         + packed(ext(8, b"\x05")) + packed(ext(13, b"\x05"))),
    }


FORGED = _forged()
"""CRC-valid records whose data has the wrong types: a reader must not crash on them."""


def _bad_indexes(sample: Sample) -> dict[str, dict[str, Any] | bytes]:
    good = sample.index_record()
    size = len(sample.body)

    def changed(**items: Any) -> dict[str, Any]:
        return {**good, **items}

    steps = good["steps"]
    first_step = steps[1] if len(steps) > 1 else steps[0]
    return {
        "index without keys": {},
        "index missing steps": {k: v for k, v in good.items() if k != "steps"},
        "index of a negative offset": changed(runs=[[-5, [], "r", None]]),
        "index offsets past EOF": changed(steps=[[0, [], 1, size + 100, size + 200, [size]]]),
        "index step of run 99": changed(steps=[[99, [], *first_step[2:]], *steps]),
        "index step of run -7": changed(steps=[[-7, [], *first_step[2:]], *steps]),
        "index step ns not its run's": changed(steps=[[0, ["x:y"], *first_step[2:]]]),
        "index run_ends a list": changed(run_ends=[1, 2]),
        "index run_ends keyed by text": changed(run_ends={"abc": 5}),
        "index steps as text": changed(steps="steps"),
        "index events as text": changed(events="many"),
        "index offsets as floats": changed(keyframes=[[0, [], 1, 5.5]]),
        "index offset of 2**64-1": changed(keyframes=[[0, [], 1, 2**64 - 1]]),
        "index not a record": packed({"runs": []}),
        "index of the wrong kind": packed([5, -1, 0, [], -1, good]),
    }


def crafted(sample: Sample) -> Iterator[Case]:
    """Each crafted kind once: bad payloads inside a crashed trace (in the middle of a
    step), forged records, bad indexes behind a good footer, fake heads."""
    body = sample.body
    inside = sample.middle(TASK_END).offset  # between a step's start and its end
    for name, payload in UNDECODABLE.items():
        yield Case(name, "damage", insert(body, inside, frame(payload)))
    yield Case("empty payload, CRC 0", "damage", insert(body, inside, frame(b"", crc=0)))
    yield Case("a head whose CRC lies", "damage",
               insert(body, inside, frame(packed([5, 0, 0, [], 1, {}]), crc=1234)))
    for name, record in FORGED.items():
        payload = record if isinstance(record, bytes) else packed(record)
        yield Case(name, "forged", insert(body, inside, frame(payload)))
    for name, index in _bad_indexes(sample).items():
        yield Case(name, "damage", sample.with_index(index))
    # Well-shaped but lying: what it says cannot be checked, but reading must not crash.
    lie = {**sample.index_record(), "steps": [[0, [], 1, sample.start + 3, None, []]]}
    yield Case("index offset mid-frame", "forged", sample.with_index(lie))
    yield Case("footer past EOF", "damage", body + footer(10**12))
    yield Case("footer at the header", "damage", body + footer(0))
    yield Case("fake heads, 64 KiB", "damage", insert(body, inside, fake_heads(64 << 10)))
    yield Case("a head only", "damage", insert(body, inside, frame(b"\x96")[:11]))



def empty_arrays(sample: Sample, size: int) -> Case:
    """A custom frame whose payload is `size` bytes of one array of empty arrays."""
    n = size - 16
    value = b"\xdd" + struct.pack(">I", n) + b"\x90" * n
    payload = _record_with(CUSTOM, 1, value)
    return Case(f"{size >> 20} MiB of empty arrays", "damage",
                insert(sample.body, sample.middle(TASK_END).offset, frame(payload)))


_FIELDS = {
    0: ("run_id", "graph", "input", "config", "state", "state_keys", "resumed", "parent",
        "wall_start_ns", "fork"),
    1: ("ids", "names"), 2: ("i", "path", "arg", "trig"),
    3: ("i", "d", "px", "w", "e", "intr", "ret", "h", "att"), 4: ("d",),
    5: ("id", "name", "p"), 6: ("n", "call", "id", "name", "model", "provider", "tags"),
    7: ("n", "x", "k", "h"), 8: ("n", "tokens", "d", "usage", "text", "tool_calls", "e"),
    9: ("config", "next"), 10: ("interrupts", "static"), 11: ("status", "d", "interrupts",
                                                              "e"),
    20: ("state",),
}
"""The data keys of each record kind (FORMAT.md §4)."""


def _value(rng: random.Random, depth: int = 0) -> Any:
    """A random msgpack value: any type, sometimes nested, sometimes an ext."""
    roll = rng.randrange(12 if depth < 3 else 7)
    if roll == 0:
        return None
    if roll == 1:
        return rng.random() < 0.5
    if roll == 2:
        return rng.choice([0, 1, -1, 7, 2**31, -(2**63), 2**64 - 1])
    if roll == 3:
        return rng.choice([0.5, float("nan"), float("inf")])
    if roll == 4:
        return rng.choice(["", "w", "s", "x", "a", "done", "names", "\u2603"])
    if roll == 5:
        return rng.randbytes(rng.choice([0, 3, 16]))
    if roll == 6:
        return msgpack.ExtType(rng.randrange(0, 20), packed(rng.choice(["x", 1, [1, 2]])))
    if roll in (7, 8):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if roll == 9:  # what a step_end delta or a task write looks like, mostly
        return [[rng.choice(["w", "s", "x", 5]), rng.choice(["a", "log", 7]),
                 _value(rng, depth + 1)] for _ in range(rng.randrange(3))]
    return {rng.choice(["a", "log", "reducer", "channels", "name", 3]): _value(rng, depth + 1)
            for _ in range(rng.randrange(4))}


def random_record(rng: random.Random, namespaces: list[list[str]]) -> bytes:
    """A CRC-valid record of a random kind with random values in its known data keys (a
    forged frame: readers must tolerate whatever it holds)."""
    kind = rng.choice(sorted(_FIELDS))
    keys = _FIELDS[kind]
    data = {k: _value(rng) for k in rng.sample(keys, rng.randint(0, len(keys)))}
    step = rng.choice([-1, 0, 1, 2, 3, 99])
    return packed([kind, rng.randrange(-1, 50), rng.randrange(0, 10**9),
                   rng.choice(namespaces), step, data])


def forged_records(sample: Sample, rng: random.Random, count: int,
                   most: int = 3) -> Iterator[Case]:
    """`count` crashed traces with 1..`most` random forged records inserted at frame
    boundaries (in the namespaces the trace uses, to land inside its runs' steps)."""
    body = sample.body
    inner = sample.frames[:-1]
    namespaces: list[list[str]] = [[]]
    for f in inner:
        if f.kind == 0:
            record = msgpack.unpackb(body[f.offset + 11: f.end], raw=False,
                                     strict_map_key=False)
            namespaces.append(record[3])
    for n in range(count):
        data = body
        for at in sorted(rng.sample([f.offset for f in inner], rng.randint(1, most)),
                         reverse=True):
            data = insert(data, at, frame(random_record(rng, namespaces)))
        yield Case(f"forged records #{n}", "forged", data)
