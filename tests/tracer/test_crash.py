"""SIGKILL a recording process at random moments: every file it leaves opens and reads whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

import tracer

from .child_process import PYTHON, child_env
from .raw_frames import KEYFRAME, addresses, event_frames, header_end, walk_frames

KILLS = 60
TOKEN = 7

# A fork server: it imports the engine and tracer once, then for each path read from stdin
# forks a child that records a long loop into it, prints the child's pid, and reaps it.
SERVER = r'''
import operator, os, sys, time
from typing import Annotated, TypedDict

import tracer
from engine.chat_models import ScriptedChatModel
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph
from engine.messages import HumanMessage


class S(TypedDict):
    n: int
    log: Annotated[list, operator.add]
    blob: str
    reply: str


model = ScriptedChatModel(["one two three four five six"], token_delay=0.002, cycle=True)


def tick(state: S) -> dict:
    time.sleep(0.001)
    n = state["n"] + 1
    get_stream_writer()({"tick": n})
    out = {"n": n, "blob": f"{n:08d}" * 40}
    if n % 10 == 0:
        out["log"] = [n]  # mostly rewrites, some appends: keyframes get written
    if n % 20 == 0:
        out["reply"] = model.invoke([HumanMessage(f"step {n}")]).text
    return out


graph = (StateGraph(S).add_node(tick).add_edge(START, "tick")
         .add_conditional_edges("tick", lambda s: "tick" if s["n"] < 10**6 else END,
                                ["tick", END])
         .compile())

for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        with tracer.record(line.strip()):
            graph.invoke({"n": 0, "log": [], "blob": "", "reply": ""},
                         {"recursion_limit": 10**7})
        os._exit(0)
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("reaped", flush=True)
'''


def _check(path: Path) -> tuple[int, set[int]]:
    """Everything a killed recording must satisfy; returns (steps, frame kinds)."""
    data = path.read_bytes()
    frames = walk_frames(data)
    assert all(f.crc_ok for f in frames)
    tail = data[frames[-1].end if frames else header_end(data):]
    # After the last whole frame: nothing, or the start of a frame cut by the kill.
    assert len(tail) < 11 or (tail[:2] == b"\x92\xce" and len(tail) < 11 + int.from_bytes(
        tail[7:11], "big")), tail[:16]
    with tracer.open_trace(path) as trace:
        assert not trace.finished
        assert trace.errors == []
        assert not trace.run_complete(0)
        assert list(trace.offsets()) == addresses(frames)
        assert sum(1 for _ in trace.events()) == len(event_frames(frames))
        steps = trace.steps(0)
        assert steps == list(range(len(steps)))
        # The step the kill cut, if its step_start was written, is listed without a
        # step_end: its writes never reached the barrier, so its state is the one before.
        ended = [s for s in steps if trace.step_entry(s).end is not None]
        assert ended == steps or ended == steps[:-1]
        for step in steps:
            state = trace.state_at(step)
            n = step if step in ended else step - 1
            assert state["n"] == n and state["log"] == list(range(10, n + 1, 10))
            if n:
                assert state["blob"] == f"{n:08d}" * 40
        for step in ended[10:40:20]:
            (task,) = trace.diff(step)
            assert {w.key: w.op for w in task.writes} == {"n": "set", "blob": "set",
                                                          "log": "append"}
    return len(steps), {e.kind for f in frames for e in f.events}


class TestKilled:
    """A recording process killed with SIGKILL leaves a trace that reads cleanly to its end."""

    def test_random_kills(self, tmp_path: Path) -> None:
        script = tmp_path / "server.py"
        script.write_text(SERVER)
        rng = random.Random(20240611)
        proc = subprocess.Popen([PYTHON, str(script)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, env=child_env())
        assert proc.stdin is not None and proc.stdout is not None
        kinds: set[int] = set()
        total_steps = 0
        try:
            for i in range(KILLS):
                path = tmp_path / f"crash{i}.stepscope"
                proc.stdin.write(f"{path}\n")
                proc.stdin.flush()
                pid = int(proc.stdout.readline())
                deadline = time.monotonic() + 20
                while not path.exists():
                    assert time.monotonic() < deadline, "the child never created its trace"
                    time.sleep(0.001)
                time.sleep(rng.uniform(0.05, 0.4))
                os.kill(pid, signal.SIGKILL)
                assert proc.stdout.readline().strip() == "reaped"
                steps, found = _check(path)
                total_steps += steps
                kinds |= found
                path.unlink()
        finally:
            proc.stdin.close()
            proc.wait(timeout=10)
        assert TOKEN in kinds and KEYFRAME in kinds  # token and keyframe frames were cut too
        assert total_steps > KILLS * 10

    def test_nothing_but_a_header(self, tmp_path: Path) -> None:
        """Killed right after creating the file: a header and no run is still a trace."""
        path = tmp_path / "early.stepscope"
        code = (f"import os, tracer; w = tracer.TraceWriter({str(path)!r}); "
                "os.kill(os.getpid(), 9)")
        proc = subprocess.run([PYTHON, "-c", code], env=child_env(), timeout=60)
        assert proc.returncode == -signal.SIGKILL
        with tracer.open_trace(path) as trace:
            assert not trace.finished and trace.runs == [] and list(trace.events()) == []
            assert not trace.run_complete(0)
            with pytest.raises(tracer.TraceError):
                trace.topology  # noqa: B018
