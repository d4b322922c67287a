"""A disk that is full (or a file size limit) from the file's creation on: one warning,
the program completes, and no empty or torn trace is left behind.

Two ways to fill a disk for real: RLIMIT_FSIZE in a child process (writes past the limit
fail with EFBIG; needs no privileges, so these always run), and a small tmpfs filled to
the last page (ENOSPC itself; as in test_enospc.py, skipped where mounting is not
permitted).
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import pytest

import tracer
from engine.graph import END, START, StateGraph
from tests.tmpfs import mounted

from .child_process import PYTHON, child_env
from .raw_frames import event_frames, walk_frames

STEPS = 30

PROGRAM = r'''
import resource, sys, time
from typing import TypedDict
import tracer
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

class S(TypedDict):
    n: int

def step(s):
    time.sleep(0.004)  # the writer flushes every few steps, not once at the end
    get_stream_writer()({"n": s["n"], "pad": "p" * 200})
    return {"n": s["n"] + 1}

graph = (StateGraph(S).add_node(step).add_edge(START, "step")
         .add_conditional_edges("step", lambda s: "step" if s["n"] < 30 else END, ["step", END])
         .compile())
path, how, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
if how == "record":
    with tracer.record(path):
        print(graph.invoke({"n": 0})["n"])
elif how == "env":  # STEPSCOPE_TRACE is set: the engine attaches the writer itself
    print(graph.invoke({"n": 0})["n"])
else:
    try:
        tracer.TraceWriter(path)
    except OSError as exc:
        print("raised", exc.errno)
'''


def run_limited(path: Path, how: str, limit: int) -> subprocess.CompletedProcess[str]:
    env = child_env(STEPSCOPE_TRACE=str(path)) if how == "env" else child_env()
    return subprocess.run([PYTHON, "-c", PROGRAM, str(path), how, str(limit)],
                          capture_output=True, text=True, env=env, timeout=60)


class TestFileSizeLimit:
    @pytest.mark.parametrize("how", ["record", "env"])
    def test_nothing_can_be_written(self, tmp_path: Path, how: str) -> None:
        """Not even the header: one warning, the program's output as usual, no file."""
        path = tmp_path / "t.stepscope"
        done = run_limited(path, how, 0)
        assert done.returncode == 0 and done.stdout == f"{STEPS}\n", done.stderr
        assert done.stderr.splitlines() == [
            f"stepscope: cannot create the trace {path} (File too large); "
            "running without recording"]
        assert not path.exists()

    def test_header_but_no_frame(self, tmp_path: Path) -> None:
        """The header fits, the first frame does not: the file would hold no event, so it
        is removed; one warning."""
        path = tmp_path / "t.stepscope"
        done = run_limited(path, "record", 200)
        assert done.returncode == 0 and done.stdout == f"{STEPS}\n", done.stderr
        assert done.stderr.splitlines() == [
            f"stepscope: could not write trace {path} (File too large); recording stopped, "
            "nothing was recorded"]
        assert not path.exists()

    def test_full_part_way(self, tmp_path: Path) -> None:
        """Some frames fit: the trace is cut back to its last whole frame, which the
        warning names, and reads back as an unfinished run."""
        path = tmp_path / "t.stepscope"
        done = run_limited(path, "record", 4000)
        assert done.returncode == 0 and done.stdout == f"{STEPS}\n", done.stderr
        size = path.stat().st_size
        assert done.stderr.splitlines() == [
            f"stepscope: could not write trace {path} (File too large); recording stopped, "
            f"the trace ends at byte {size}"]
        data = path.read_bytes()
        frames = walk_frames(data)
        assert frames and frames[-1].end == size
        with tracer.open_trace(path) as trace:
            assert not trace.finished and trace.errors == []
            assert sum(1 for _ in trace.events()) == len(event_frames(frames))
            assert not trace.run_complete(0) and 0 < len(trace.steps(0)) < STEPS
            for step in trace.steps(0)[:-1]:
                assert trace.state_at(step)["n"] == step

    def test_strict_writer_raises_and_leaves_nothing(self, tmp_path: Path) -> None:
        """TraceWriter(path) (strict, as `stepscope run` uses it) raises the OSError and
        removes the file it created."""
        path = tmp_path / "t.stepscope"
        done = run_limited(path, "strict", 0)
        assert done.stdout == f"raised {errno.EFBIG}\n", done.stderr
        assert done.stderr == "" and not path.exists()


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs filled to its last byte (skipped where mounting is not permitted)."""
    with mounted(tmp_path / "mnt", 64, full=True) as mnt:
        yield mnt


class S(TypedDict):
    n: int


def loop() -> Any:
    return (StateGraph(S).add_node("inc", lambda s: {"n": s["n"] + 1}).add_edge(START, "inc")
            .add_conditional_edges("inc", lambda s: "inc" if s["n"] < 5 else END, ["inc", END])
            .compile())


class TestFullDisk:
    def test_record_on_a_full_disk(self, full_disk: Path,
                                   capfd: pytest.CaptureFixture[str]) -> None:
        """record() raises nothing: one warning, the graph's result, no file."""
        path = full_disk / "t.stepscope"
        capfd.readouterr()
        with tracer.record(path) as writer:
            assert loop().invoke({"n": 0}) == {"n": 5}
        assert writer.failed and isinstance(writer.error, OSError)
        assert writer.error.errno == errno.ENOSPC
        assert capfd.readouterr().err.splitlines() == [
            f"stepscope: cannot create the trace {path} (No space left on device); "
            "running without recording"]
        assert not path.exists()

    def test_strict_writer_on_a_full_disk(self, full_disk: Path) -> None:
        path = full_disk / "t.stepscope"
        with pytest.raises(OSError) as info:
            tracer.TraceWriter(path)
        assert info.value.errno == errno.ENOSPC
        assert not path.exists()
