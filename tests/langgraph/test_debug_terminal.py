"""`stepscope debug` on an unmodified LangGraph program, in a real terminal (tmux)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("langgraph")

from tests.tui.app.test_terminal import TMUX, Tmux
from tracer import open_trace
from tui.target import load_target

PROGRAM = '''
import operator
from typing import Annotated, TypedDict

from langgraph.graph import START, StateGraph


class S(TypedDict):
    n: int
    log: Annotated[list, operator.add]


leaf = StateGraph(S)
leaf.add_node("work", lambda s: {"n": s["n"] + 100, "log": ["work"]})
leaf.add_edge(START, "work")
mid = StateGraph(S)
mid.add_node("pre", lambda s: {"log": ["pre"]})
mid.add_node("leaf", leaf.compile())
mid.add_edge(START, "pre")
mid.add_edge("pre", "leaf")
root = StateGraph(S)
root.add_node("start", lambda s: {"n": 1, "log": ["start"]})
root.add_node("mid", mid.compile())
root.add_edge(START, "start")
root.add_edge("start", "mid")
graph = root.compile()
inputs = {"n": 0, "log": []}
'''


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_debug_a_langgraph_program_to_a_breakpoint_three_deep(tmp_path: Path) -> None:
    (tmp_path / "nested.py").write_text(PROGRAM)
    out = tmp_path / "d.stepscope"
    command = (f"{sys.executable} -m tui.cli debug nested.py --break mid/leaf/work "
               f"--continue -o {out}")
    session = Tmux(command, tmp_path)
    try:
        screen = session.wait_for("breakpoint before:mid/leaf/work", timeout=60)
        assert "before mid/leaf work" in screen
        session.keys("c")
        session.wait_for("■ done")
        session.quit()
    finally:
        session.close()
    with open_trace(out) as trace:
        assert trace.finished
        assert trace.run_start.data["engine_version"].startswith("langgraph 1.2.")
        assert [r.ns[0].split(":")[0] for r in trace.index.runs[1:]] == ["mid", "mid"]
        # what LangGraph itself returns (a subgraph's whole state is added back to
        # the parent's `log`, so entries repeat: LangGraph's semantics, kept)
        program = load_target(str(tmp_path / "nested.py"))
        expected = program.invoke({"n": 0, "log": []})
        assert trace.state_at(trace.steps()[-1]) == expected
        assert expected["n"] == 101
