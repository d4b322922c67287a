"""TraceWriter(append=True): new runs go after the old ones, and the index covers both."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, TypedDict

import tracer
from engine.graph import END, START, StateGraph
from tracer import open_trace


class S(TypedDict):
    n: int


def _graph() -> Any:
    return (StateGraph(S).add_node("inc", lambda s: {"n": s["n"] + 1})
            .add_edge(START, "inc").add_edge("inc", END).compile())


def test_appending_to_a_closed_trace_keeps_its_runs_in_the_index(tmp_path: Path) -> None:
    path = tmp_path / "t.stepscope"
    with tracer.record(path):
        _graph().invoke({"n": 1})
    with tracer.record(path, append=True):
        _graph().invoke({"n": 10})
    with open_trace(path) as trace:
        assert trace.finished and not trace.errors
        assert len(trace.index.runs) == 2
        assert trace.steps(0) == trace.steps(1) == [0, 1]
        assert trace.state_at(1, 0) == {"n": 2}
        assert trace.state_at(1, 1) == {"n": 11}
        assert sorted(trace.index.run_ends) == [0, 1]
        assert trace.index.events == sum(1 for _ in trace.events())


def test_appending_to_a_torn_trace_cuts_the_torn_frame_first(tmp_path: Path) -> None:
    path = tmp_path / "t.stepscope"
    writer = tracer.TraceWriter(path)
    with tracer.recording.attach(writer):
        _graph().invoke({"n": 1})
    writer.flush()  # a writer killed before close: no footer
    # Dropping it releases its file (and its lock) without writing the index, as the
    # death of its process would; the engine's bus holds sinks until a collection.
    del writer
    gc.collect()
    whole = path.stat().st_size
    with path.open("ab") as f:
        f.write(b"\x92\xce\x00\x00")  # the start of a frame the crash cut short
    with tracer.record(path, append=True):
        _graph().invoke({"n": 5})
    with open_trace(path) as trace:
        assert not trace.errors and not trace.index.torn
        assert trace.index.runs[1].offset == whole
        assert trace.state_at(1, 1) == {"n": 6}
