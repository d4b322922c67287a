"""Damaged traces: bit flips are reported where they are and skipped; non-traces are refused."""

from __future__ import annotations

import json
import random
from pathlib import Path

import msgpack
import pytest

import tracer
from tracer import TraceCorruptError, TraceError

from .graphs import with_subgraph
from .raw_frames import RawFrame, addresses, event_frames, header_end, walk_frames

TRIALS = 400


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("corrupt") / "t.stepscope"
    with tracer.record(path):
        for topic in ("x", "y"):
            with_subgraph().invoke({"topic": topic, "log": []})
    return path.read_bytes()


def _flip_trials(data: bytes, frames: list[RawFrame], seed: int,
                 tmp_path: Path) -> tuple[int, int]:
    """Flip one random bit per trial; check the reader. Returns (trials, flips in heads)."""
    rng = random.Random(seed)
    path = tmp_path / "flipped.stepscope"
    lo, hi = frames[0].offset, frames[-1].end
    in_heads = 0
    for _ in range(TRIALS):
        pos = rng.randrange(lo, hi)
        damaged = next(f for f in frames if f.offset <= pos < f.end)
        in_heads += pos < damaged.offset + 11
        buf = bytearray(data)
        buf[pos] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(buf))
        where = (pos, damaged)
        trace = tracer.open_trace(path)  # opening never raises on damaged frames
        try:
            others = [f for f in frames if f is not damaged]
            assert list(trace.offsets()) == addresses(others), where
            events = list(trace.events())
            assert len(events) == len(event_frames(others)), where
            # The frames after the damaged one are read (the reader resynced).
            after = [f for f in others if f.offset > damaged.offset]
            assert [e.seq for e in events[len(events) - len(event_frames(after)):]] == [
                trace.read(e.offset).seq for e in event_frames(after)]
            if damaged is frames[-1] and not trace.errors:
                # A last frame whose length now runs past EOF is a torn tail: nothing
                # follows it to tell the two apart.
                assert damaged.offset + 7 <= pos < damaged.offset + 11, where
                assert trace.index.torn and not trace.finished, where
            else:
                assert trace.errors, where
            for err in trace.errors:
                assert isinstance(err, TraceCorruptError)
                assert damaged.offset <= err.offset < damaged.end, (where, err)
                assert f"offset {err.offset}" in str(err)
            for run in trace.runs:
                for step in trace.steps(run.number):
                    try:
                        trace.state_at(step, run.number)
                        trace.diff(step, run.number)
                    except TraceCorruptError as err:
                        assert err.offset == damaged.offset, (where, err)
        finally:
            trace.close()
    return TRIALS, in_heads


class TestBitFlips:
    """One flipped bit: only TraceCorruptError, naming the damaged frame; the rest is read."""

    def test_finished_trace(self, finished: bytes, tmp_path: Path) -> None:
        frames = walk_frames(finished)
        assert frames[-1].end == len(finished) - 16  # the index frame, then the footer
        trials, in_heads = _flip_trials(finished, frames, 1, tmp_path)
        assert in_heads > 0 and trials == TRIALS

    def test_unfinished_trace(self, finished: bytes, tmp_path: Path) -> None:
        data = finished[:-16]  # footer removed: read by scanning
        trials, in_heads = _flip_trials(data, walk_frames(data), 2, tmp_path)
        assert in_heads > 0 and trials == TRIALS

    def test_crashed_trace(self, finished: bytes, tmp_path: Path) -> None:
        """Index and footer gone and the last frame torn, as after a crash."""
        frames = walk_frames(finished)
        data = finished[: frames[-2].end - 5]
        _flip_trials(data, walk_frames(data), 3, tmp_path)

    def test_length_past_the_end(self, finished: bytes, tmp_path: Path) -> None:
        """A length field damaged to point past EOF is corruption, not a torn tail."""
        data = bytearray(finished[:-16])
        frames = walk_frames(bytes(data))
        victim = frames[3]
        data[victim.offset + 7] = 0x10  # length ≈ 256 MiB, well past the end
        path = tmp_path / "long.stepscope"
        path.write_bytes(bytes(data))
        with tracer.open_trace(path) as trace:
            assert [e.offset for e in trace.errors] == [victim.offset]
            assert list(trace.offsets()) == addresses([f for f in frames if f is not victim])

    def test_zeroed_region(self, finished: bytes, tmp_path: Path) -> None:
        """A run of zero bytes over several frames: one error, reading resumes after it."""
        data = bytearray(finished[:-16])
        frames = walk_frames(bytes(data))
        start, end = frames[4].offset + 20, frames[7].offset + 3
        data[start:end] = bytes(end - start)
        path = tmp_path / "zeros.stepscope"
        path.write_bytes(bytes(data))
        with tracer.open_trace(path) as trace:
            assert [e.offset for e in trace.errors] == [frames[4].offset]
            assert list(trace.offsets()) == addresses(frames[:4] + frames[8:])


class TestNotATrace:
    """Files that are not readable traces give a TraceError that says why."""

    def _error(self, path: Path) -> str:
        with pytest.raises(TraceError) as info:
            tracer.open_trace(path)
        assert not isinstance(info.value, TraceCorruptError)
        return str(info.value)

    def test_empty(self, tmp_path: Path) -> None:
        (tmp_path / "e.stepscope").write_bytes(b"")
        assert "is empty" in self._error(tmp_path / "e.stepscope")

    def test_missing_and_directory(self, tmp_path: Path) -> None:
        assert "no such file" in self._error(tmp_path / "nope.stepscope")
        assert "directory" in self._error(tmp_path)

    @pytest.mark.parametrize("seed", range(8))
    def test_random_bytes(self, tmp_path: Path, seed: int) -> None:
        rng = random.Random(seed)
        path = tmp_path / "r.bin"
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.choice((40, 600, 9000)))))
        assert "not a stepscope trace" in self._error(path)

    def test_json(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        path.write_text(json.dumps({"magic": "stepscope-trace", "format": 1, "events": []}))
        assert "not a stepscope trace" in self._error(path)

    def test_other_msgpack(self, tmp_path: Path) -> None:
        path = tmp_path / "m.bin"
        path.write_bytes(msgpack.packb({"hello": "world"}) + b"\x00" * 50)
        assert "not a stepscope trace" in self._error(path)

    def test_newer_format(self, finished: bytes, tmp_path: Path) -> None:
        header = msgpack.packb({"magic": "stepscope-trace", "format": 99, "writer": "future",
                                "created": "2030", "schema": 9})
        path = tmp_path / "new.stepscope"
        path.write_bytes(header + finished[header_end(finished):])
        message = self._error(path)
        assert "format 99" in message and "upgrade" in message
