"""Two `stepscope run -o same.stepscope` at once: the second is refused before its graph
runs, and the first one's trace is exactly its own run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.runner import ROOT, Cli
from tests.cli.test_run import summary_of
from tracer import open_trace
from tracer.writer import is_being_written

STEPS = 40

WAITING_LOOP = '''
import pathlib, time
from typing import TypedDict
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

GO = pathlib.Path({go!r})


class S(TypedDict):
    n: int


def step(s: S) -> dict:
    if s["n"] == 0:
        print("node ran", flush=True)
        deadline = time.monotonic() + 60
        while not GO.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    get_stream_writer()({{"n": s["n"]}})
    return {{"n": s["n"] + 1}}


graph = (StateGraph(S).add_node(step).add_edge(START, "step")
         .add_conditional_edges("step", lambda s: "step" if s["n"] < {steps} else END,
                                ["step", END])
         .compile())
inputs = {{"n": 0}}
config = {{"recursion_limit": 1000}}
'''


def test_second_run_on_the_same_path_is_refused(cli: Cli, tmp_path: Path) -> None:
    go = tmp_path / "go"
    (tmp_path / "loop.py").write_text(WAITING_LOOP.format(go=str(go), steps=STEPS))
    path = tmp_path / "same.stepscope"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("STEPSCOPE_TRACE", None)
    first = subprocess.Popen([sys.executable, "-m", "tui.cli", "run", "loop.py", "-o",
                              "same.stepscope"], cwd=tmp_path, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert first.stdout is not None
        assert first.stdout.readline() == "node ran\n"
        time.sleep(0.3)  # what the node emitted is flushed; the file is still from here on
        assert is_being_written(path)
        before = path.read_bytes()

        second = cli("run", "loop.py", "-o", "same.stepscope")
        assert second.returncode == 1, second.stderr
        assert second.stdout == ""  # its graph never ran, no trace line
        assert "Traceback" not in second.stderr
        assert second.stderr.strip().splitlines()[-1] == (
            "stepscope: run: -o same.stepscope: another process is writing this trace; "
            "wait for it to finish or choose another path")
        assert path.read_bytes() == before  # not truncated, not appended to

        go.touch()
        out, err = first.communicate(timeout=60)
    finally:
        first.kill()
        first.communicate()
    assert first.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == "trace: same.stepscope"
    match = summary_of("\n".join(lines))
    assert match.group(1) == "done"
    assert match.group(3, 4) == (str(STEPS), str(STEPS))
    with open_trace(path) as trace:
        assert trace.finished and trace.errors == [] and len(trace.runs) == 1
        assert int(match.group(7)) == sum(1 for _ in trace.events())
        assert [e.data["payload"] for e in trace.events({"custom"})] == [
            {"n": n} for n in range(STEPS)]
        assert trace.state_at(trace.steps(0)[-1]) == {"n": STEPS}
