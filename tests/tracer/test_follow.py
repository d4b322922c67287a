"""Following a trace another process is writing: events arrive promptly, in order, until told."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import tracer
from engine.events import Event
from tracer import TraceError

from .child_process import PYTHON, child_env

STEPS = 20
LATENCY = 0.2

# Writes a trace slowly (a step every ~50 ms, one step streaming tokens for ~300 ms) and
# prints "seq monotonic-time" for every event right after the writer has taken it.
WRITER = r'''
import sys, time
from typing import TypedDict

import tracer
from engine.chat_models import ScriptedChatModel
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph
from engine.messages import HumanMessage


class S(TypedDict):
    n: int
    reply: str


model = ScriptedChatModel(["a b c d e"], token_delay=0.03, first_token_delay=0.03)


def tick(state: S) -> dict:
    time.sleep(0.05)
    n = state["n"] + 1
    get_stream_writer()({"n": n})
    out = {"n": n}
    if n == 8:
        out["reply"] = model.invoke([HumanMessage("hi")]).text
    return out


def stamp(event) -> None:
    print(event.seq, time.monotonic(), flush=True)


graph = (StateGraph(S).add_node(tick).add_edge(START, "tick")
         .add_conditional_edges("tick", lambda s: "tick" if s["n"] < int(sys.argv[2]) else END,
                                ["tick", END])
         .compile())
writer = tracer.TraceWriter(sys.argv[1])
time.sleep(0.3)  # the follower opens the file before the run starts
graph.invoke({"n": 0, "reply": ""}, sinks=[writer, stamp])
writer.close()
'''


def _open_when_ready(path: Path, deadline: float) -> tracer.Trace:
    while True:
        try:
            return tracer.open_trace(path)
        except TraceError:
            assert time.monotonic() < deadline, "the writer never wrote a header"
            time.sleep(0.005)


class TestFollow:
    """`Trace.follow()` on a file a real writer process is appending to."""

    def test_live_events(self, tmp_path: Path) -> None:
        path = tmp_path / "live.stepscope"
        script = tmp_path / "writer.py"
        script.write_text(WRITER)
        proc = subprocess.Popen([PYTHON, str(script), str(path), str(STEPS)],
                                stdout=subprocess.PIPE, text=True, env=child_env())
        stamps: dict[int, float] = {}

        def read_stamps() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                seq, when = line.split()
                stamps[int(seq)] = float(when)

        reader = threading.Thread(target=read_stamps, daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        try:
            trace = _open_when_ready(path, deadline)
            before = list(trace.events())
            arrived: list[tuple[Event, float]] = []
            stops = 0

            def stop() -> bool:
                nonlocal stops
                stops += 1
                assert time.monotonic() < deadline, "follow never saw the run end"
                return any(e.kind == "run_end" for e, _ in arrived)

            for event in trace.follow(poll=0.01, stop=stop):
                arrived.append((event, time.monotonic()))
            stopped_at = time.monotonic()
            assert stops > 1
            assert proc.wait(timeout=30) == 0
            reader.join(timeout=10)
            tail = list(trace.follow(stop=lambda: True))  # the writer's close: nothing new
            assert trace.errors == []
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        followed = [e for e, _ in arrived] + tail
        assert followed and stopped_at - arrived[-1][1] < 0.1
        assert all(e.kind not in ("index", "keyframe") for e in followed)
        # One thread ran the graph: seq order is file order, with nothing lost or repeated.
        seqs = [e.seq for e in before + followed]
        assert seqs == list(range(len(seqs)))
        with tracer.open_trace(path) as final:
            assert final.finished
            assert [(e.kind, e.seq) for e in final.events()] == [
                (e.kind, e.seq) for e in before + followed]
        kinds = {e.kind for e, _ in arrived}
        assert {"step_start", "task_start", "custom", "token", "task_end", "step_end"} <= kinds
        assert len([e for e, _ in arrived if e.kind == "step_end"]) >= STEPS
        late = [(e.kind, e.seq, round(t - stamps[e.seq], 3)) for e, t in arrived
                if t - stamps[e.seq] > LATENCY]
        assert late == [], late

    def test_stop_when_idle(self, tmp_path: Path) -> None:
        """On a file that does not grow, follow yields nothing and returns once stop() says."""
        path = tmp_path / "idle.stepscope"
        with tracer.TraceWriter(path):
            pass
        data = path.read_bytes()
        path.write_bytes(data[:-16])  # unfinished, no run
        with tracer.open_trace(path) as trace:
            t0 = time.monotonic()
            got = list(trace.follow(poll=0.01, stop=lambda: time.monotonic() - t0 > 0.15))
            took = time.monotonic() - t0
        assert got == [] and 0.15 <= took < 0.5

    def test_resumes_after_torn_frame(self, tmp_path: Path) -> None:
        """A frame appended in two pieces is yielded once, when it is whole."""
        from .graphs import linear

        full = tmp_path / "full.stepscope"
        with tracer.record(full):
            linear().invoke({"topic": "x"})
        data = full.read_bytes()
        grow = tmp_path / "grow.stepscope"
        cut = len(data) // 2
        grow.write_bytes(data[:cut])
        with tracer.open_trace(grow) as trace:
            first = list(trace.events())
            with grow.open("ab") as f:
                f.write(data[cut: cut + 7])
                f.flush()
                mid = list(trace.follow(stop=lambda: True))
                f.write(data[cut + 7:])
            rest = list(trace.follow(stop=lambda: True))
            assert trace.errors == []
        with tracer.open_trace(full) as whole:
            assert [e.seq for e in first + mid + rest] == [e.seq for e in whole.events()]
