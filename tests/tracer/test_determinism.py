"""Same graph, input, run id and fixed clock: the same trace bytes."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

import pytest

import tracer
from engine.clock import FixedClock
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

from .child_process import PYTHON, child_env
from .graphs import Log, failing, linear
from .raw_frames import walk_frames


class Loop(TypedDict):
    n: int
    text: str


def looping(**kw: Any) -> Any:
    """60 steps rewriting a 1 KiB value: keyframes, custom events and a long index."""

    def step(state: Loop) -> dict[str, Any]:
        get_stream_writer()({"n": state["n"]})
        return {"n": state["n"] + 1, "text": f"{state['n']:04d}" * 256}

    return (StateGraph(Loop).add_node(step).add_edge(START, "step")
            .add_conditional_edges("step", lambda s: "step" if s["n"] < 60 else END,
                                   ["step", END])
            .compile(**kw))


def nested(**kw: Any) -> Any:
    """A subgraph node with custom events (no model call: call ids are random)."""

    def inner_node(state: Log) -> dict[str, Any]:
        get_stream_writer()({"inner": state["topic"]})
        return {"log": ["inner"], "topic": state["topic"] + "!"}

    inner = StateGraph(Log).add_node(inner_node).add_edge(START, "inner_node").compile()
    return (StateGraph(Log).add_node("sub", inner).add_edge(START, "sub").add_edge("sub", END)
            .compile(**kw))


CASES: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "linear": (linear, {"topic": "x"}),
    "looping": (looping, {"n": 0, "text": ""}),
    "nested": (nested, {"topic": "t", "log": []}),
    "failing": (failing, {"topic": "t", "log": []}),
}


def _record(path: Path, build: Callable[..., Any], inputs: dict[str, Any]) -> bytes:
    writer = tracer.TraceWriter(path, created="fixed")
    try:
        build().invoke(inputs, {"run_id": "r"}, clock=FixedClock(), sinks=[writer])
    except ValueError:
        pass  # the failing graph
    writer.close()
    return path.read_bytes()


class TestInProcess:
    """Recorded twice in one process, the files are byte-identical."""

    @pytest.mark.parametrize("name", list(CASES))
    def test_byte_identical(self, tmp_path: Path, name: str) -> None:
        build, inputs = CASES[name]
        first = _record(tmp_path / "a.stepscope", build, dict(inputs))
        second = _record(tmp_path / "b.stepscope", build, dict(inputs))
        assert first == second
        with tracer.open_trace(tmp_path / "a.stepscope") as trace:
            assert trace.finished and trace.runs[0].run_id == "r"
            if name == "looping":
                assert trace.index.keyframes

    def test_different_inputs_differ(self, tmp_path: Path) -> None:
        first = _record(tmp_path / "a.stepscope", linear, {"topic": "x"})
        second = _record(tmp_path / "b.stepscope", linear, {"topic": "y"})
        assert first != second


SCRIPT = r'''
import sys
import tracer
from engine.clock import FixedClock
from tests.tracer.test_determinism import looping

writer = tracer.TraceWriter(sys.argv[1], created="fixed")
looping().invoke({"n": 0, "text": ""}, {"run_id": "r"}, clock=FixedClock(), sinks=[writer])
writer.close()
'''


class TestAcrossProcesses:
    """Across processes only the run_start frame differs: it records the pid."""

    def test_only_the_pid_differs(self, tmp_path: Path) -> None:
        paths = [tmp_path / "p1.stepscope", tmp_path / "p2.stepscope"]
        for path in paths:
            done = subprocess.run([PYTHON, "-c", SCRIPT, str(path)], env=child_env(),
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
        a, b = (p.read_bytes() for p in paths)
        fa, fb = walk_frames(a), walk_frames(b)
        assert len(a) == len(b) and [f.offset for f in fa] == [f.offset for f in fb]
        differing = [f.offset for f, g in zip(fa, fb, strict=True)
                     if a[f.offset: f.end] != b[g.offset: g.end]]
        assert len(differing) <= 1
        with tracer.open_trace(paths[0]) as ta, tracer.open_trace(paths[1]) as tb:
            assert differing in ([], [ta.index.runs[0].offset])
            ea, eb = list(ta.events()), list(tb.events())
            assert ea[1:] == eb[1:]
            start_a = {k: v for k, v in ea[0].data.items() if k != "pid"}
            assert start_a == {k: v for k, v in eb[0].data.items() if k != "pid"}
