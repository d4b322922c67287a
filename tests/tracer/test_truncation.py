"""A trace cut at any byte opens (or says why not) and reads every whole frame before the cut."""

from __future__ import annotations

from pathlib import Path

import pytest

import tracer
from engine import InMemorySaver
from engine.types import Command
from tracer import TraceError

from .graphs import asking, failing, with_subgraph
from .raw_frames import addresses, event_frames, header_end, walk_frames

RUN_END = 11


@pytest.fixture(scope="module")
def small_trace(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A few steps, a subgraph, custom events and a model call, cleanly closed."""
    path = tmp_path_factory.mktemp("trunc") / "small.stepscope"
    with tracer.record(path):
        with_subgraph().invoke({"topic": "x", "log": []})
    return path.read_bytes()


class TestEveryCut:
    """Every prefix of a trace: a clear TraceError inside the header, else a clean open."""

    def test_every_offset(self, small_trace: bytes, tmp_path: Path) -> None:
        data = small_trace
        start = header_end(data)
        frames = walk_frames(data)
        kinds = {f.kind for f in frames}
        assert RUN_END in kinds
        run_end = [f for f in frames if f.kind == RUN_END][-1]  # the root run ends last
        path = tmp_path / "cut.stepscope"
        for cut in range(len(data) + 1):
            path.write_bytes(data[:cut])
            if cut < start:
                with pytest.raises(TraceError) as info:
                    tracer.open_trace(path)
                message = str(info.value)
                want = "is empty" if cut == 0 else "ends inside its header"
                assert want in message and str(path) in message, (cut, message)
                continue
            with tracer.open_trace(path) as trace:
                whole = [f for f in frames if f.end <= cut]
                assert list(trace.offsets()) == addresses(whole), cut
                assert sum(1 for _ in trace.events()) == len(event_frames(whole)), cut
                assert trace.finished == (cut == len(data)), cut
                assert trace.errors == [], (cut, trace.errors)
                assert trace.run_complete(0) == (run_end.end <= cut), cut
                if cut % 7 == 0 or cut == len(data):
                    for run in trace.runs:
                        for step in trace.steps(run.number):
                            trace.state_at(step, run.number)
                            trace.diff(step, run.number)

    def test_cuts_only_lose_the_tail(self, small_trace: bytes, tmp_path: Path) -> None:
        """A cut trace's events are a prefix of the whole trace's events."""
        full_path = tmp_path / "full.stepscope"
        full_path.write_bytes(small_trace)
        with tracer.open_trace(full_path) as full:
            everything = [(e.kind, e.seq, e.ns) for e in full.events()]
        path = tmp_path / "cut.stepscope"
        for cut in range(header_end(small_trace), len(small_trace), 97):
            path.write_bytes(small_trace[:cut])
            with tracer.open_trace(path) as trace:
                got = [(e.kind, e.seq, e.ns) for e in trace.events()]
            assert got == everything[: len(got)]

    def test_header_only(self, small_trace: bytes, tmp_path: Path) -> None:
        path = tmp_path / "h.stepscope"
        path.write_bytes(small_trace[: header_end(small_trace)])
        with tracer.open_trace(path) as trace:
            assert list(trace.events()) == [] and trace.runs == [] and not trace.finished
            with pytest.raises(TraceError, match="no run"):
                trace.run_start  # noqa: B018


class TestScanMatchesFooter:
    """Indexing by scanning (no footer) finds the same runs and steps as the footer's index."""

    def test_interrupted_and_failed_runs(self, tmp_path: Path) -> None:
        path = tmp_path / "runs.stepscope"
        graph = asking(checkpointer=InMemorySaver())
        config = {"configurable": {"thread_id": "t"}}
        with tracer.record(path):
            graph.invoke({"topic": "x", "log": []}, config)
            graph.invoke(Command(resume="yes"), config)
            with pytest.raises(ValueError):
                failing().invoke({"topic": "x", "log": []})
            with_subgraph().invoke({"topic": "x", "log": []})
        scanned = tmp_path / "scanned.stepscope"
        scanned.write_bytes(path.read_bytes()[:-16])
        with tracer.open_trace(path) as a, tracer.open_trace(scanned) as b:
            assert a.finished and not b.finished and a.errors == b.errors == []
            assert a.runs == b.runs and len(a.runs) == 5
            for run in a.runs:
                n = run.number
                assert a.steps(n) == b.steps(n) and a.run_complete(n) and b.run_complete(n)
                assert [a.state_at(s, n) for s in a.steps(n)] == [
                    b.state_at(s, n) for s in b.steps(n)]
            assert [e.data.get("name") for e in a.events({"task_start", "task_end"})] == [
                e.data.get("name") for e in b.events({"task_start", "task_end"})]
            assert None not in [e.data["name"] for e in a.events({"task_start"})]
