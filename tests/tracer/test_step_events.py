"""`Trace.step_events` hops frame heads over the step's own range, and agrees with a scan."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import tracer
from engine.events import Event
from tracer import TraceCorruptError

from . import graphs
from .raw_frames import walk_frames


def _scanned(trace: tracer.Trace, step: int, run: int) -> list[Event]:
    """The reference answer: every frame in file order, kept if inside the step's range."""
    entry = trace.step_entry(step, run)
    start, end, ns = entry.start, entry.end, entry.ns
    first = start if start is not None else trace.index.runs[run].offset
    return [e for o in trace.offsets() if first <= o and (end is None or o <= end)
            for e in [trace.read(o)] if e.ns == ns]


@pytest.fixture(scope="module")
def subgraph_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("steps") / "sub.stepscope"
    with tracer.record(path):
        graphs.with_subgraph().invoke({"topic": "x"})
    return path


class TestStepEvents:
    """step_events over finished, unfinished and damaged traces."""

    def test_agrees_with_a_full_scan(self, subgraph_trace: Path) -> None:
        """Every step of every run (root and subgraph) gets the events a full scan finds."""
        with tracer.open_trace(subgraph_trace) as trace:
            assert len(trace.runs) == 2
            for run in range(len(trace.runs)):
                for step in trace.steps(run):
                    got = trace.step_events(step, run)
                    assert got == _scanned(trace, step, run)
                    assert got[-1].kind in ("step_end", "run_end")

    def test_unfinished_trace(self, subgraph_trace: Path, tmp_path: Path) -> None:
        """Without footer and index (a crash), the hop stops at the indexed end."""
        data = subgraph_trace.read_bytes()
        cut = tmp_path / "cut.stepscope"
        cut.write_bytes(data[: len(data) - 200])
        with tracer.open_trace(cut) as trace:
            assert not trace.finished
            for step in trace.steps(0):
                assert trace.step_events(step, 0) == _scanned(trace, step, 0)

    def test_corrupt_frame_falls_back_to_a_scan(self, subgraph_trace: Path,
                                                tmp_path: Path) -> None:
        """A damaged frame head inside the step's range: the scan resyncs past it."""
        with tracer.open_trace(subgraph_trace) as trace:
            entry = trace.step_entry(1, 0)
            assert entry.start is not None and entry.end is not None
        # A frame between the step's first and last (not a batch holding either).
        victim = next(f.offset for f in walk_frames(subgraph_trace.read_bytes())
                      if entry.start < f.offset and f.end <= entry.end)
        data = bytearray(subgraph_trace.read_bytes())
        data[victim] ^= 0xFF
        bad = tmp_path / "bad.stepscope"
        bad.write_bytes(bytes(data))
        with tracer.open_trace(bad) as trace:
            with pytest.raises(TraceCorruptError):
                trace.frame_offsets(entry.start, entry.end)
            events = trace.step_events(1, 0)
            assert events[0].kind == "step_start"
            assert events[-1].kind == "step_end"

    def test_frame_kinds(self, subgraph_trace: Path) -> None:
        """frame_kinds peeks each frame's kind code: the same as decoding the record."""
        with tracer.open_trace(subgraph_trace) as trace:
            entry = trace.step_entry(2, 0)
            assert entry.start is not None
            kinds = trace.frame_kinds(entry.start, entry.end)
            assert [o for o, _ in kinds] == trace.frame_offsets(entry.start, entry.end)
            assert [c for _, c in kinds] == [trace.read_record(o)[0] for o, _ in kinds]

    def test_threads_share_a_trace(self, subgraph_trace: Path) -> None:
        """Reads from several threads at once give the same answers as one thread."""
        with tracer.open_trace(subgraph_trace) as trace:
            want = {s: trace.step_events(s, 0) for s in trace.steps(0)}
            states = {s: trace.state_at(s, 0) for s in trace.steps(0)}
            errors: list[BaseException] = []

            def work() -> None:
                try:
                    for _ in range(20):
                        for s in want:
                            assert trace.step_events(s, 0) == want[s]
                            assert trace.state_at(s, 0) == states[s]
                except BaseException as exc:  # reported below
                    errors.append(exc)

            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
