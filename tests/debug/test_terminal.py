"""`stepscope debug` in a real terminal (tmux): set a breakpoint, run to it, step, read."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.debug.conftest import ROOT
from tests.tui.app.test_terminal import TMUX, Tmux
from tracer import open_trace


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_debug_a_subgraph_to_a_breakpoint_and_step(tmp_path: Path) -> None:
    out = tmp_path / "d.stepscope"
    command = (f"{sys.executable} -m tui.cli debug {ROOT / 'sample_graphs' / 'subgraph.py'} "
               f"-o {out}")
    session = Tmux(command, tmp_path)
    try:
        session.wait_for("before step 1 (node_1)", timeout=60)  # start-up, on a busy machine
        screen = session.wait_for("c continue")  # the footer: the debugger's keys
        assert "‖ paused" in screen and "s step" in screen and "x stop" in screen
        session.keys("B")
        session.wait_for("Breakpoints")
        session.keys("node_2/subgraph_node_2", "Enter")
        session.wait_for("before node node_2/subgraph_node_2")
        session.keys("Escape")
        time.sleep(0.3)  # a lone Escape, not the start of an escape sequence
        session.wait_for("1 breakpoint")
        session.keys("c")
        screen = session.wait_for("breakpoint before:node_2/subgraph_node_2")
        assert "before node_2 subgraph_node_2 (step 2)" in screen
        # The bar changes as the run pauses; the run tree and the step list once the
        # follower has read the trace up to the pause, a moment later (it was asserted
        # on the bar's screen, which failed on a busy machine).
        session.wait_for("node_2 (subgraph)")  # the run tree, scoped to the subgraph
        session.wait_for("subgraph_node_1")  # its finished step is listed
        session.keys("s")
        screen = session.wait_for("■ done")
        session.quit()
    finally:
        session.close()
    with open_trace(out) as trace:
        assert trace.finished
        assert trace.read(trace.index.run_ends[0]).data["status"] == "done"


STUCK = '''
import threading
from typing import TypedDict

from engine.graph import START, StateGraph


class S(TypedDict):
    n: int


def stuck(s):
    threading.Event().wait()  # never returns


graph = (StateGraph(S).add_node("first", lambda s: {"n": 1}).add_node("stuck", stuck)
         .add_edge(START, "first").add_edge("first", "stuck").compile())
inputs = {"n": 0}
'''


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_quit_while_a_node_never_returns(tmp_path: Path) -> None:
    """`q` while a node is blocked: the app quits at once, says the node was abandoned,
    and the trace is closed (index and footer written)."""
    (tmp_path / "stuck.py").write_text(STUCK)
    out = tmp_path / "s.stepscope"
    session = Tmux(f"{sys.executable} -m tui.cli debug stuck.py -o {out}; echo EXIT=$?; "
                   "sleep 30", tmp_path)
    try:
        session.wait_for("before step 1 (first)", timeout=60)
        session.keys("c")
        session.wait_for("running: stuck")
        started = time.monotonic()
        session.keys("q")
        screen = session.wait_for("EXIT=0", timeout=10)
        assert time.monotonic() - started < 5  # at once (tmux polling adds its own)
        assert "stuck did not return and was abandoned" in screen
    finally:
        session.close()
    with open_trace(out) as trace:
        assert trace.finished
        assert [e.data["name"] for e in trace.events({"task_end"})] == ["first"]
