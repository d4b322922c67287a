"""A step's events handed to the writer in bulk (`engine.events.StepSink`, batch frames).

A run whose only sink is a trace writer hands it each step's step_start, task_starts,
task_ends and step_end in bulk, recorded as one batch frame; with any other sink
attached, the same events come one by one. Both must read back the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack
import pytest

import tracer
from engine.clock import FixedClock
from engine.events import Event
from tracer.records import BATCH
from tracer.writer import TraceWriter

from .graphs import failing, fan_out, linear, with_send, with_subgraph
from .raw_frames import INDEX, RawFrame, walk_frames
from .test_determinism import looping, nested

CASES: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "linear": (linear, {"topic": "x"}),
    "fan_out": (fan_out, {"topic": "t", "log": []}),
    "send": (with_send, {"items": [3, 1, 2], "out": []}),
    "subgraph": (with_subgraph, {"topic": "x", "log": []}),
    "looping": (looping, {"n": 0, "text": ""}),
    "nested": (nested, {"topic": "t", "log": []}),
    "failing": (failing, {"topic": "t", "log": []}),
}


def _record(path: Path, build: Callable[..., Any], inputs: dict[str, Any],
            one_by_one: bool) -> None:
    writer = TraceWriter(path, bulk=True)
    sinks: list[Callable[[Event], None]] = [writer]
    if one_by_one:
        sinks.append(lambda event: None)  # a second sink: events come one by one
    try:
        build().invoke(dict(inputs), {"run_id": "r"}, clock=FixedClock(), sinks=sinks)
    except ValueError:
        pass  # the failing graph
    writer.close()


def _batches(path: Path) -> list[tuple[RawFrame, list[Any]]]:
    """The batch frames of a trace, each with its record."""
    data = path.read_bytes()
    return [(f, msgpack.unpackb(data[f.offset + 11: f.end], raw=False))
            for f in walk_frames(data) if f.kind == BATCH]


def _normalized(events: list[Event], seq: bool = True) -> list[tuple[Any, ...]]:
    """Events without what differs between two runs of a graph by design: times (the
    clock is read once for a step's task starts in bulk), ids made from the clock (task
    ids, numbered in order of appearance instead) and model calls' random ids."""
    ids: dict[str, str] = {}

    def same(task_id: Any) -> Any:
        return ids.setdefault(task_id, f"task{len(ids)}") if isinstance(task_id, str) else task_id

    out = []
    for event in events:
        data = {k: v for k, v in event.data.items()
                if k not in ("duration", "wall_start_ns", "call", "call_id", "id")}
        for key in ("task_id", "parent"):
            if key in data:
                data[key] = same(data[key])
        if "task_ids" in data:
            data["task_ids"] = [same(i) for i in data["task_ids"]]
        if event.kind == "run_start":
            data.pop("graph", None)
            data.pop("config", None)
        ns = tuple(f"{part.split(':')[0]}:{same(part.split(':', 1)[1])}" for part in event.ns)
        out.append((event.kind, ns, event.step, event.seq, data))
    texts: list[tuple[Any, ...]] = []
    for kind, ns, step, number, data in out:
        text = repr(data)
        for task_id, name in ids.items():  # an error's note names its task
            text = text.replace(task_id, name)
        texts.append((kind, ns, step, text, number) if seq else (kind, ns, step, text))
    return texts


@pytest.mark.parametrize("name", list(CASES))
def test_bulk_reads_back_as_events_one_by_one(tmp_path: Path, name: str) -> None:
    build, inputs = CASES[name]
    _record(tmp_path / "bulk.stepscope", build, inputs, one_by_one=False)
    _record(tmp_path / "each.stepscope", build, inputs, one_by_one=True)
    assert _batches(tmp_path / "bulk.stepscope")  # the bulk path did run
    assert not _batches(tmp_path / "each.stepscope")
    with tracer.open_trace(tmp_path / "bulk.stepscope") as bulk, \
            tracer.open_trace(tmp_path / "each.stepscope") as each:
        assert not bulk.errors and not each.errors
        bulk_events, each_events = list(bulk.events()), list(each.events())
        # (Parallel tasks, a Send's, may end in another order from run to run.)
        assert sorted(_normalized(bulk_events, seq=False)) == \
            sorted(_normalized(each_events, seq=False))
        if name != "send":
            assert _normalized(bulk_events) == _normalized(each_events)
        assert [e.seq for e in bulk_events] == list(range(len(bulk_events)))
        assert bulk.index.events == each.index.events
        for run in range(len(bulk.runs)):
            for step in bulk.steps(run):
                assert bulk.state_at(step, run) == each.state_at(step, run)
                assert [(d.name, d.writes) for d in bulk.diff(step, run)] == \
                    [(d.name, d.writes) for d in each.diff(step, run)]


def test_every_event_of_a_batch_is_readable_at_its_address(tmp_path: Path) -> None:
    """Event i of a batch frame at offset O is at O + i: `read`, `hop` from any of them
    (also from inside a batch), `step_events` and a scan all agree."""
    path = tmp_path / "t.stepscope"
    _record(path, *CASES["fan_out"], one_by_one=False)
    with tracer.open_trace(path) as trace:
        addresses = [a for a, _ in trace.hop(trace.start)]
        events = [trace.read(a) for a in addresses]
        assert [e.seq for e in events if e.kind not in ("keyframe", "index")] == \
            [e.seq for e in trace.events()]
        batch, record = _batches(path)[0]
        inside = batch.offset + 2
        assert inside in addresses
        assert [a for a, _ in trace.hop(inside)] == addresses[addresses.index(inside):]
        assert [a for a, _ in trace.hop(trace.start, inside)] == \
            addresses[: addresses.index(inside) + 1]
        assert trace.read(inside) == events[addresses.index(inside)]
        assert list(trace.offsets()) == addresses
        for step in trace.steps():
            kinds = [e.kind for e in trace.step_events(step)]
            assert kinds[-1] == "step_end"
        # Not an event's address: inside a batch past its last event, inside a plain frame.
        with pytest.raises(tracer.TraceCorruptError):
            trace.read(batch.offset + len(record[5]["b"]))
        with pytest.raises(tracer.TraceCorruptError):
            trace.read(trace.index.runs[0].offset + 3)


def test_a_damaged_batch_is_reported_and_its_steps_are_not_replayed(tmp_path: Path) -> None:
    path = tmp_path / "t.stepscope"
    _record(path, *CASES["looping"], one_by_one=False)
    batches = _batches(path)
    victim, record = batches[len(batches) // 2]
    data = bytearray(path.read_bytes())
    data[victim.end - 3] ^= 0xFF  # inside its payload: the CRC no longer matches
    # Cut the index and footer off: the file is scanned, as after a crash.
    index_at = next(f.offset for f in walk_frames(bytes(data)) if f.kind == INDEX)
    path.write_bytes(bytes(data[:index_at]))
    with tracer.open_trace(path) as trace:
        assert any(e.offset == victim.offset for e in trace.errors)
        step = record[4]
        with pytest.raises(tracer.TraceCorruptError):
            trace.state_at(step)
        assert trace.state_at(step - 1)["n"] == step - 1


def _events(path: Path) -> list[tuple[Any, ...]]:
    with tracer.open_trace(path) as trace:
        return [(e.kind, e.seq, e.ns, e.step, repr(e.data)) for e in trace.events()]


def test_a_bulk_trace_cut_anywhere_reads_as_a_prefix(tmp_path: Path) -> None:
    """A crash at any byte: what opens is the events before the cut, never an error."""
    whole = tmp_path / "whole.stepscope"
    _record(whole, *CASES["fan_out"], one_by_one=False)
    data = whole.read_bytes()
    index_at = next(f.offset for f in walk_frames(data) if f.kind == INDEX)
    expected = _events(whole)
    cut_path = tmp_path / "cut.stepscope"
    for cut in range(walk_frames(data)[0].offset, index_at + 1):
        cut_path.write_bytes(data[:cut])
        got = _events(cut_path)
        assert got == expected[: len(got)], cut


def test_random_damage_to_a_bulk_trace_is_reported_never_misread(tmp_path: Path) -> None:
    """Flipped bits in a crashed bulk trace: every event read is the original one, every
    state returned is the original; what is lost is reported as damage."""
    import random

    whole = tmp_path / "whole.stepscope"
    _record(whole, *CASES["looping"], one_by_one=False)
    data = whole.read_bytes()
    frames = walk_frames(data)
    index_at = next(f.offset for f in frames if f.kind == INDEX)
    with tracer.open_trace(whole) as trace:
        expected = {e.seq: e for e in trace.events()}
        states = {s: trace.state_at(s) for s in trace.steps()}
    rng = random.Random(12)
    path = tmp_path / "flipped.stepscope"
    for _ in range(150):
        buf = bytearray(data[:index_at])
        pos = rng.randrange(frames[0].offset, index_at)
        buf[pos] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(buf))
        with tracer.open_trace(path) as trace:
            events = list(trace.events())
            for event in events:
                original = expected[event.seq]
                assert (event.kind, event.ns, event.step) == \
                    (original.kind, original.ns, original.step), pos
                got, was = dict(event.data), dict(original.data)
                if event.kind.startswith("task_") and got["task_id"] is None:
                    # Its step_start was lost: the task is unknown, said so, not guessed.
                    assert got.pop("name") is None, pos
                    for key in ("task_id", "name", "path"):
                        got.pop(key, None)
                        was.pop(key, None)
                assert repr(got) == repr(was), pos
            if len(events) < len(expected):
                assert trace.errors, pos
            for step in trace.steps():
                try:
                    state = trace.state_at(step)
                except tracer.TraceCorruptError:
                    continue
                assert state == states[step], (pos, step)


def test_a_running_step_reaches_the_file_while_its_node_waits(tmp_path: Path) -> None:
    """A step handed over in bulk is written when it ends; the flusher thread writes its
    start (and its tasks' starts) meanwhile, so a follower sees a node that waits (on a
    model, a sleep) as running, not only once it is done."""
    import threading
    import time
    from typing import TypedDict

    from engine.graph import END, START, StateGraph

    class S(TypedDict):
        n: int

    release = threading.Event()

    def waits(state: S) -> dict[str, int]:
        release.wait(30)
        return {"n": state["n"] + 1}

    graph = (StateGraph(S).add_node("quick", lambda s: {"n": s["n"] + 1})
             .add_node("waits", waits).add_edge(START, "quick").add_edge("quick", "waits")
             .add_edge("waits", END).compile())
    path = tmp_path / "live.stepscope"

    def run() -> None:
        with tracer.record(path):
            graph.invoke({"n": 0})

    worker = threading.Thread(target=run)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        seen: list[tuple[str, Any]] = []
        while time.monotonic() < deadline:
            if path.exists():
                with tracer.open_trace(path) as trace:
                    seen = [(e.kind, e.data.get("name")) for e in trace.events()]
                if ("task_start", "waits") in seen:
                    break
            time.sleep(0.02)
        assert ("task_start", "waits") in seen and ("task_end", "waits") not in seen
        assert ("task_end", "quick") in seen  # the step before, whole
        assert _batches(path)  # the steps before went in bulk
    finally:
        release.set()
        worker.join(30)
    with tracer.open_trace(path) as trace:
        assert trace.state_at(trace.steps()[-1]) == {"n": 2}
        assert [e.seq for e in trace.events()] == list(range(len(list(trace.events()))))
