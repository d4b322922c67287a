"""FrameView: frames read by offset from any thread, as the format says, whatever the file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import tracer
from tracer import TraceChangedError, TraceCorruptError, TraceError
from tracer import frameview as frameview_module
from tracer.frameview import FrameView

from .graphs import with_subgraph
from .raw_frames import addresses, walk_frames


@pytest.fixture(scope="module", params=[True, False], ids=["bulk", "one-by-one"])
def closed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed trace: each step in a batch frame (the default), or a frame per event."""
    path = tmp_path_factory.mktemp("view") / "t.stepscope"
    writer = tracer.TraceWriter(path, bulk=request.param)
    for topic in ("x", "y"):
        with_subgraph().invoke({"topic": topic, "log": []}, sinks=[writer])
    writer.close()
    return path


def _offsets(path: Path) -> list[int]:
    """Every event's address (a frame's offset, or in a batch frame, offset + i)."""
    return addresses(walk_frames(path.read_bytes()))


class TestHopAndRecord:
    """Hopping heads and reading records agree with an independent frame walker."""

    def test_every_frame(self, closed: Path) -> None:
        """hop finds every frame the walker finds (the index frame too), and records read
        as the Trace reads them."""
        expected = _offsets(closed)
        with tracer.open_trace(closed) as trace:
            hopped = list(trace.frames.hop(trace.start))
            assert [o for o, _ in hopped] == expected
            assert [c for _, c in hopped[:-1]] == [trace.read_record(o)[0] for o, _ in hopped[:-1]]

    def test_stop_is_inclusive(self, closed: Path) -> None:
        offsets = _offsets(closed)
        with FrameView(closed) as view:
            assert [o for o, _ in view.hop(offsets[2], offsets[5])] == offsets[2:6]

    def test_small_blocks(self, closed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Frames and heads that straddle cached blocks read the same as whole ones."""
        offsets = _offsets(closed)
        with FrameView(closed) as view:
            expected = [view.record(o) for o in offsets]
        monkeypatch.setattr(frameview_module, "BLOCK_SHIFT", 6)
        monkeypatch.setattr(frameview_module, "BLOCK", 64)
        with FrameView(closed) as view:
            assert [o for o, _ in view.hop(offsets[0])] == offsets
            assert [view.record(o) for o in offsets] == expected

    def test_damaged_frames(self, closed: Path, tmp_path: Path) -> None:
        """A flipped payload byte fails the CRC; a broken head ends a hop with an error."""
        frames = walk_frames(closed.read_bytes())
        data = bytearray(closed.read_bytes())
        data[frames[3].offset + 20] ^= 0xFF
        data[frames[6].offset] = 0
        path = tmp_path / "damaged.stepscope"
        path.write_bytes(bytes(data))
        with FrameView(path) as view:
            with pytest.raises(TraceCorruptError, match="CRC"):
                view.record(frames[3].offset)
            for event in frames[3].events[1:]:  # a batch's other events: the same fault
                with pytest.raises(TraceCorruptError, match="CRC"):
                    view.record(event.offset)
            with pytest.raises(TraceCorruptError, match="not a frame head"):
                view.record(frames[6].offset)
            with pytest.raises(TraceCorruptError, match="not a frame head"):
                list(view.hop(frames[0].offset))
            assert [o for o, _ in view.hop(frames[0].offset, frames[2].events[-1].offset)] \
                == addresses(frames[:3])
            with pytest.raises(TraceCorruptError, match="truncated"):
                view.record(len(data) + 100)

    def test_a_grown_file(self, closed: Path, tmp_path: Path) -> None:
        """Frames appended after a first read are found (the last block is read again)."""
        frames = walk_frames(closed.read_bytes())
        path = tmp_path / "growing.stepscope"
        path.write_bytes(closed.read_bytes()[: frames[4].offset])
        with FrameView(path) as view:
            assert [o for o, _ in view.hop(frames[0].offset)] == addresses(frames[:4])
            shutil.copyfile(closed, path)
            assert [o for o, _ in view.hop(frames[2].offset)] == addresses(frames[2:])
            assert view.record(frames[-1].offset)


class TestNotARegularFile:
    """Paths that are not regular files are refused at once, with what they are."""

    def test_fifo(self, tmp_path: Path) -> None:
        fifo = tmp_path / "pipe.stepscope"
        os.mkfifo(fifo)
        with pytest.raises(TraceError, match="FIFO"):
            tracer.open_trace(fifo)

    def test_directory_and_device(self, tmp_path: Path) -> None:
        with pytest.raises(TraceError, match="directory"):
            tracer.open_trace(tmp_path)
        with pytest.raises(TraceError, match="device"):
            tracer.open_trace("/dev/zero")

    def test_missing(self, tmp_path: Path) -> None:
        with pytest.raises(TraceError, match="no such file"):
            tracer.open_trace(tmp_path / "nothing.stepscope")


class TestRewrittenUnderTheReader:
    """A file truncated or re-recorded while open is noticed, never a crash (no SIGBUS)."""

    def test_truncated_then_read(self, closed: Path, tmp_path: Path) -> None:
        """Reading after the file was cut short says so; a fresh process survives it."""
        path = tmp_path / "t.stepscope"
        shutil.copyfile(closed, path)
        script = (
            "import os, sys, tracer\n"
            "t = tracer.open_trace(sys.argv[1])\n"
            "offsets = [o for o, _ in t.frames.hop(t.start)]\n"
            "os.truncate(sys.argv[1], 100)\n"
            "t.frames.forget()\n"
            "bad = 0\n"
            "for o in offsets:\n"
            "    try:\n"
            "        t.read_record(o)\n"
            "    except tracer.TraceCorruptError:\n"
            "        bad += 1\n"
            "try:\n"
            "    t.check_unchanged()\n"
            "except tracer.TraceChangedError as e:\n"
            "    print('changed:', e)\n"
            "print('unreadable', bad, 'of', len(offsets))\n")
        done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr  # a SIGBUS would be -7
        assert "changed:" in done.stdout and "truncated" in done.stdout
        assert "unreadable" in done.stdout

    def test_rerecorded_while_followed(self, closed: Path, tmp_path: Path) -> None:
        """A new recording to the same path makes follow raise TraceChangedError."""
        path = tmp_path / "t.stepscope"
        shutil.copyfile(closed, path)
        with tracer.open_trace(path) as trace:
            assert list(trace.follow(stop=lambda: True)) == []
            with tracer.record(path):
                with_subgraph().invoke({"topic": "z", "log": []})
            with pytest.raises(TraceChangedError):
                list(trace.follow(stop=lambda: True))

    def test_replaced_by_rename(self, closed: Path, tmp_path: Path) -> None:
        path = tmp_path / "t.stepscope"
        shutil.copyfile(closed, path)
        with tracer.open_trace(path) as trace:
            other = tmp_path / "new.stepscope"
            shutil.copyfile(closed, other)
            os.replace(other, path)
            with pytest.raises(TraceChangedError, match="replaced"):
                trace.check_unchanged()

    def test_growing_is_not_a_change(self, closed: Path, tmp_path: Path) -> None:
        """Frames appended to a file being written are no change: follow reads them."""
        data = closed.read_bytes()
        offsets = _offsets(closed)
        path = tmp_path / "t.stepscope"
        path.write_bytes(data[: offsets[1]])
        with tracer.open_trace(path) as trace:
            with path.open("ab") as f:
                f.write(data[offsets[1]: offsets[10]])
            assert len(list(trace.follow(stop=lambda: True))) == 9


class TestNoLockForReads:
    """Reads go on while another thread replays state (the replayer's lock is held)."""

    def test_read_while_replaying(self, closed: Path) -> None:
        with tracer.open_trace(closed) as trace:
            offsets = [o for o, _ in trace.frames.hop(trace.start)][:-1]
            expected = [trace.read_record(o) for o in offsets]
            got: list[list[object]] = []
            with trace.replayer._lock:
                reader = threading.Thread(target=lambda: got.extend(
                    trace.read_record(o) for o in offsets))
                reader.start()
                reader.join(timeout=10)
                assert not reader.is_alive()
            assert got == expected



class TestAppendedAfterClose:
    """A closed trace followed while another writer appends to it (a debugger's fork)."""

    def test_follow_reads_the_appended_runs(self, tmp_path: Path) -> None:
        path = tmp_path / "t.stepscope"
        with tracer.record(path):
            with_subgraph().invoke({"topic": "x", "log": []})
        with tracer.open_trace(path) as trace:
            assert trace.finished and list(trace.follow(stop=lambda: True)) == []
            assert trace.finished  # nothing appended: still the closed file
            runs = len(trace.runs)
            with tracer.record(path, append=True):
                with_subgraph().invoke({"topic": "y", "log": []})
            new = list(trace.follow(stop=lambda: True))
            assert new and new[0].kind == "run_start" and not trace.errors
            assert len(trace.runs) == 2 * runs
        with tracer.open_trace(path) as fresh:
            assert len(fresh.runs) == 2 * runs and not fresh.errors
