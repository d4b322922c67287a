"""Live traces: what a node emitted reaches the file while the node is still running.

The writer flushes on events; the shared flusher thread writes out what waits between
them. These tests run the graph in a child process (the writer's own process and
threads, nothing faked) and read the file from outside, with an independent frame walker.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest

import tracer
from tracer.writer import is_being_written

from .child_process import PYTHON, child_env
from .raw_frames import walk_frames

RUN_START, CUSTOM = 0, 5

SLEEPER = r'''
import sys, time
from typing import TypedDict
import tracer
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

class S(TypedDict):
    n: int

def slow(state):
    write = get_stream_writer()
    for i in range(3):
        write({"before": "sleep", "i": i, "n": state["n"]})
    print("emitted", flush=True)
    time.sleep(float(sys.argv[2]))
    return {"n": state["n"] + 1}

graph = StateGraph(S).add_node(slow).add_edge(START, "slow").add_edge("slow", END).compile()
with tracer.record(sys.argv[1]):
    graph.invoke({"n": 41})
'''


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A child recording a one-node graph that emits 3 custom events, prints `emitted`
    and sleeps 5 s (killed at the end of the test)."""
    path = tmp_path / "live.stepscope"
    proc = subprocess.Popen([PYTHON, "-c", SLEEPER, str(path), "5"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env())
    try:
        yield proc, path
    finally:
        proc.kill()
        proc.communicate()


def records(path: Path, kind: int) -> list[list[Any]]:
    """The whole frames of `kind` now in the file, decoded with plain msgpack."""
    data = path.read_bytes() if path.exists() else b""
    if not data:
        return []
    out = []
    for frame in walk_frames(data):
        if frame.kind == kind:
            payload = data[frame.offset + 11: frame.end]
            out.append(msgpack.unpackb(payload, raw=False, strict_map_key=False))
    return out


def wait_emitted(proc: subprocess.Popen[str]) -> float:
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the node prints once its events are emitted
    assert line == "emitted\n", (line, proc.stderr.read() if proc.stderr else "")
    return time.monotonic()


def test_events_reach_the_file_while_the_node_sleeps(
        sleeper: tuple[subprocess.Popen[str], Path]) -> None:
    """Events emitted just before a 5 s sleep are in the file well within 2 s, while
    the node is still sleeping (no later event, no step end, no close flushed them)."""
    proc, path = sleeper
    emitted = wait_emitted(proc)
    payloads: list[Any] = []
    while time.monotonic() - emitted < 2.0 and len(payloads) < 3:
        payloads = [r[5]["p"] for r in records(path, CUSTOM)]
        time.sleep(0.01)
    assert proc.poll() is None, "the node should still be sleeping"
    assert payloads == [{"before": "sleep", "i": i, "n": 41} for i in range(3)]
    with tracer.open_trace(path) as trace:  # the stepscope reader sees them too, live
        assert [e.data["payload"] for e in trace.events({"custom"})] == payloads
        assert not trace.finished


def test_run_start_is_on_disk_at_once(sleeper: tuple[subprocess.Popen[str], Path]) -> None:
    """A writer killed right after its run started leaves the run_start, not just a
    header: run_start is written when it is emitted."""
    proc, path = sleeper
    wait_emitted(proc)
    os.kill(proc.pid, signal.SIGKILL)  # at once: no time for the flusher's first round
    proc.wait()
    starts = records(path, RUN_START)
    assert len(starts) == 1
    assert starts[0][5]["input"] == {"n": 41}
    with tracer.open_trace(path) as trace:
        assert len(trace.runs) == 1 and not trace.run_complete(0)


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_flusher_keeps_no_writer_alive(tmp_path: Path) -> None:
    """The flusher holds writers weakly: a writer dropped without close() is freed, and
    its file (and lock) with it."""
    path = tmp_path / "dropped.stepscope"
    writer = tracer.TraceWriter(path)
    ref = weakref.ref(writer)
    assert is_being_written(path)
    del writer
    gc.collect()
    assert ref() is None and not is_being_written(path)
