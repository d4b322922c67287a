"""One writer per trace file: a second writer never touches the first one's file.

A child process holds a trace (its graph waits in a node until the test lets it go);
the test, another process, tries to write the same path in every way a program can.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import pytest

import tracer
from engine.graph import END, START, StateGraph
from tracer.writer import TraceBusyError, TraceWriter, is_being_written

from .child_process import PYTHON, child_env

HOLDER = r'''
import sys, time, pathlib
from typing import TypedDict
import tracer
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

class S(TypedDict):
    n: int

go = pathlib.Path(sys.argv[2])
def wait(state):
    get_stream_writer()({"waiting": state["n"]})
    print("running", flush=True)
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return {"n": state["n"] + 1}

graph = StateGraph(S).add_node(wait).add_edge(START, "wait").add_edge("wait", END).compile()
with tracer.record(sys.argv[1], append=sys.argv[3] == "append"):
    print(graph.invoke({"n": 1})["n"], flush=True)
'''

OTHER = r'''
import sys
from typing import TypedDict
from engine.graph import END, START, StateGraph

class S(TypedDict):
    n: int

graph = (StateGraph(S).add_node("inc", lambda s: {"n": s["n"] + 1}).add_edge(START, "inc")
         .add_edge("inc", END).compile())
print(graph.invoke({"n": 10})["n"])
'''


class S(TypedDict):
    n: int


def inc_graph() -> Any:
    return (StateGraph(S).add_node("inc", lambda s: {"n": s["n"] + 1}).add_edge(START, "inc")
            .add_edge("inc", END).compile())


class Holder:
    """A child process recording into `path`, waiting in its node until `release()`."""

    def __init__(self, path: Path, mode: str = "new") -> None:
        self.path, self.go = path, path.with_name(path.name + ".go")
        self.proc = subprocess.Popen([PYTHON, "-c", HOLDER, str(path), str(self.go), mode],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=child_env())
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line == "running\n", (line, self.proc.stderr.read() if self.proc.stderr else "")
        time.sleep(0.3)  # its flusher writes what the node emitted: the file is then still

    def release(self) -> tuple[str, str]:
        self.go.touch()
        out, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err
        return out, err


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Holder]:
    h = Holder(tmp_path / "run.stepscope")
    try:
        yield h
    finally:
        h.proc.kill()
        h.proc.communicate()


def test_a_strict_writer_is_refused_and_harms_nothing(holder: Holder) -> None:
    """TraceWriter(path), new or appending, raises TraceBusyError naming the path; the
    holder's file is byte for byte as it was, and its trace ends complete."""
    assert is_being_written(holder.path)
    before = holder.path.read_bytes()
    for append in (False, True):
        with pytest.raises(TraceBusyError) as info:
            TraceWriter(holder.path, append=append)
        assert info.value.filename == str(holder.path)
        assert "another process is writing this trace" in str(info.value)
        assert holder.path.read_bytes() == before
    out, _ = holder.release()
    assert out == "2\n"
    assert not is_being_written(holder.path)
    with tracer.open_trace(holder.path) as trace:
        assert trace.finished and trace.errors == [] and len(trace.runs) == 1
        assert trace.run_complete(0) and trace.state_at(trace.steps(0)[-1]) == {"n": 2}
        assert [e.data["payload"] for e in trace.events({"custom"})] == [{"waiting": 1}]


def test_record_writes_beside_a_busy_path(holder: Holder,
                                          capfd: pytest.CaptureFixture[str]) -> None:
    """record(path) on a busy path records to run-1.stepscope, then run-2 (an existing
    file is never reused), each with one line on stderr; nothing is raised."""
    capfd.readouterr()
    for n in (1, 2):
        with tracer.record(holder.path) as writer:
            assert inc_graph().invoke({"n": n}) == {"n": n + 1}
        beside = holder.path.with_name(f"run-{n}.stepscope")
        assert writer.path == beside and not writer.failed
        err = capfd.readouterr().err.splitlines()
        assert err == [f"stepscope: {holder.path} is being written by another process; "
                       f"recording to {beside} instead"]
        with tracer.open_trace(beside) as trace:
            assert trace.finished and trace.state_at(trace.steps(0)[-1]) == {"n": n + 1}
    holder.release()
    with tracer.open_trace(holder.path) as trace:
        assert trace.finished and len(trace.runs) == 1 and trace.run_complete(0)


def test_stepscope_trace_writes_beside_a_busy_path(holder: Holder) -> None:
    """STEPSCOPE_TRACE=path while another process writes it: the program runs, its
    runs go to run-1.stepscope, one notice."""
    done = subprocess.run([PYTHON, "-c", OTHER], capture_output=True, text=True, timeout=60,
                          env=child_env(STEPSCOPE_TRACE=str(holder.path)))
    assert done.returncode == 0 and done.stdout == "11\n", done.stderr
    beside = holder.path.with_name("run-1.stepscope")
    assert done.stderr.splitlines() == [
        f"stepscope: {holder.path} is being written by another process; "
        f"recording to {beside} instead"]
    with tracer.open_trace(beside) as trace:
        assert trace.finished and trace.state_at(trace.steps(0)[-1]) == {"n": 11}
    holder.release()


def test_an_appending_writer_holds_the_lock(tmp_path: Path) -> None:
    """record(path, append=True) (the debugger's forks) locks the file too: another
    writer is refused, and the appended run and the first one both read back."""
    path = tmp_path / "run.stepscope"
    with tracer.record(path):
        inc_graph().invoke({"n": 0})
    appender = Holder(path, "append")
    try:
        assert is_being_written(path)
        with pytest.raises(TraceBusyError):
            TraceWriter(path)
        with pytest.raises(TraceBusyError):
            TraceWriter(path, append=True)
        appender.release()
    finally:
        appender.proc.kill()
        appender.proc.communicate()
    with tracer.open_trace(path) as trace:
        assert trace.finished and len(trace.runs) == 2
        assert trace.state_at(trace.steps(1)[-1], 1) == {"n": 2}


def test_record_append_on_a_busy_path_records_nothing(holder: Holder,
                                                      capfd: pytest.CaptureFixture[str]
                                                      ) -> None:
    """Appending cannot go to another file: one warning, the program runs unrecorded."""
    before = holder.path.read_bytes()
    capfd.readouterr()
    with tracer.record(holder.path, append=True) as writer:
        assert inc_graph().invoke({"n": 1}) == {"n": 2}
    assert writer.failed and isinstance(writer.error, TraceBusyError)
    err = capfd.readouterr().err.splitlines()
    assert len(err) == 1 and str(holder.path) in err[0] and "another process" in err[0]
    assert holder.path.read_bytes() == before
    holder.release()


def test_a_killed_writer_releases_the_file(holder: Holder) -> None:
    """is_being_written tells a live writer from a dead one: after SIGKILL the file is
    free, and a new writer may take it."""
    assert is_being_written(holder.path)
    os.kill(holder.proc.pid, signal.SIGKILL)
    holder.proc.wait()
    assert not is_being_written(holder.path)
    with tracer.open_trace(holder.path) as trace:  # what the killed writer left
        assert len(trace.runs) == 1 and not trace.run_complete(0)
    with TraceWriter(holder.path) as writer:
        assert is_being_written(holder.path)
    assert not writer.failed and not is_being_written(holder.path)


def test_is_being_written_in_one_process(tmp_path: Path) -> None:
    """The probe works within the writer's own process too (a follower thread), and for
    a path with no file."""
    path = tmp_path / "t.stepscope"
    assert not is_being_written(path)
    writer = TraceWriter(path)
    assert is_being_written(path)
    writer.close()
    assert not is_being_written(path) and path.exists()
