"""The views' own map of a trace file: frames read as the tracer reads them, without its lock."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tracer import Trace, TraceCorruptError, open_trace
from tui.views import frame_map as frame_map_module
from tui.views.event_source import EventSource
from tui.views.frame_map import FrameMap, frame_map
from tui.views.step_timing import RunSteps, read_step


def _while_locked(trace: Trace, read: Callable[[], Any]) -> Any:
    """Run `read` in another thread while this one holds the trace's own lock."""
    with trace._lock, ThreadPoolExecutor(1) as pool:
        return pool.submit(read).result(timeout=5)


class TestFrameMap:
    """Hopping and reading frames through the map."""

    def test_records_and_kinds_match_the_tracer(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """Every frame's record and kind code are the tracer's (the index frame too)."""
        trace = open_scenario("agent")
        fmap = frame_map(trace)
        assert frame_map(trace) is fmap  # one per trace
        hopped = list(fmap.hop(trace.start))
        assert [o for o, _ in hopped] == list(trace.offsets())
        kinds = trace.frame_kinds(trace.start)  # up to the index frame
        assert hopped[: len(kinds)] == kinds and len(hopped) == len(kinds) + 1
        assert [fmap.record(o) for o, _ in hopped] == [trace.read_record(o) for o, _ in hopped]

    def test_stop_is_inclusive(self, open_scenario: Callable[[str], Trace]) -> None:
        """hop(start, stop) ends with the frame that starts at `stop`."""
        trace = open_scenario("notes")
        offsets = [o for o, _ in frame_map(trace).hop(trace.start)]
        assert [o for o, _ in frame_map(trace).hop(offsets[2], offsets[5])] == offsets[2:6]

    def test_frames_bigger_than_a_chunk(self, open_scenario: Callable[[str], Trace],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
        """Long hops read the file in chunks; a frame longer than one is read whole."""
        trace = open_scenario("agent")
        expected = list(frame_map(trace).hop(trace.start))
        monkeypatch.setattr(frame_map_module, "_CHUNK", 64)
        assert list(FrameMap(trace.path).hop(trace.start)) == expected
        assert list(FrameMap(trace.path).hop(trace.start, expected[-1][0])) == expected
        assert list(FrameMap(trace.path).hop(expected[3][0], expected[9][0])) == expected[3:10]

    def test_damaged_frame(self, open_scenario: Callable[[str], Trace], tmp_path: Path) -> None:
        """A flipped payload byte fails the CRC; a broken head ends the hop there."""
        trace = open_scenario("notes")
        offsets = [o for o, _ in frame_map(trace).hop(trace.start)]
        data = bytearray(trace.path.read_bytes())
        data[offsets[3] + 20] ^= 0xFF
        data[offsets[6]] = 0
        path = tmp_path / "damaged.stepscope"
        path.write_bytes(bytes(data))
        fmap = FrameMap(path)
        with pytest.raises(TraceCorruptError, match="CRC"):
            fmap.record(offsets[3])
        with pytest.raises(TraceCorruptError, match="not a frame head"):
            fmap.record(offsets[6])
        assert [o for o, _ in fmap.hop(offsets[0])] == offsets[:6]  # read in chunks
        assert [o for o, _ in fmap.hop(offsets[0], offsets[-1])] == offsets[:6]  # mapped
        with pytest.raises(TraceCorruptError, match="truncated"):
            fmap.record(len(data) + 100)

    def test_a_grown_file_is_mapped_again(
            self, trace_paths: dict[str, Path], tmp_path: Path) -> None:
        """Frames appended after the first read are found (a followed trace)."""
        source = trace_paths["notes"]
        whole = source.read_bytes()
        with open_trace(source) as trace:
            offsets = [o for o, _ in frame_map(trace).hop(trace.start)]
        path = tmp_path / "growing.stepscope"
        path.write_bytes(whole[: offsets[4]])
        fmap = FrameMap(path)
        assert [o for o, _ in fmap.hop(offsets[0])] == offsets[:4]
        shutil.copyfile(source, path)
        assert [o for o, _ in fmap.hop(offsets[2], offsets[-1])] == offsets[2:]
        assert fmap.record(offsets[-1])
        assert [o for o, _ in fmap.hop(offsets[0])] == offsets


class TestNoTraceLock:
    """The views' reads go on while another thread holds the trace's lock (state replay)."""

    def test_event_source(self, open_scenario: Callable[[str], Trace]) -> None:
        trace = open_scenario("agent")
        offsets = [o for o, _ in frame_map(trace).hop(trace.start)]
        expected = [trace.read(o) for o in offsets[:30]]
        source = EventSource(trace)
        assert _while_locked(trace, lambda: [source.event(o) for o in offsets[:30]]) == expected

    def test_step_timing(self, open_scenario: Callable[[str], Trace]) -> None:
        """RunSteps reads what read_step through the tracer reads, without the lock."""
        trace = open_scenario("agent")
        expected = [read_step(trace, e) for e in trace.index.steps if e[0] == 0]
        steps = RunSteps(trace, 0)
        timings = _while_locked(trace, lambda: [steps.timing(i)
                                                for i in range(len(steps.entries))])
        assert timings == expected and len(timings) > 2
