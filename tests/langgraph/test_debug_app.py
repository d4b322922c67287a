"""`stepscope debug` on real LangGraph under Pilot: the keys drive a LangGraph run, the
views follow it, and what LangGraph's loop does not allow is said, not faked."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("langgraph")

from textual.widgets import Static

from tests.debug.test_app import until
from tests.langgraph import agents, graphs
from tui.app import DebugApp
from tui.debug.session import DebugSession
from tui.screens.debug import DebugScreen
from tui.screens.help import HelpScreen

SIZE = (120, 36)


def _bar(app: DebugApp) -> str:
    return str(app.main.query_one("#debug-bar").render())


async def test_step_and_continue_an_agent_on_langgraph(tmp_path: Path) -> None:
    app = DebugApp(DebugSession(agents.langchain_agent(), tmp_path / "a.stepscope"),
                   input=agents.QUESTION)
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "paused")
        assert "before step 1 (model)" in _bar(app)
        notes = [str(n.message) for n in app._notifications]
        assert any(n.startswith("On real LangGraph, a step's tasks start together")
                   for n in notes)
        await pilot.press("s")
        await until(pilot, lambda: (p := s.status().pause) is not None and p.step == 2)
        assert "before step 2 (tools)" in _bar(app)
        await pilot.press("c")
        await until(pilot, lambda: s.status().state == "done")
        screen = app.main
        assert isinstance(screen, DebugScreen)
        await until(pilot, lambda: screen.trace is not None and screen.trace.steps() == [
            0, 1, 2, 3])
        assert screen.trace is not None
        assert [c.node for c in screen.trace.llm_calls()] == ["model", "model"]
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        note = str(app.screen.query_one("#help-note", Static).render())
        assert "retries inside a task are not paused" in note


async def test_answer_an_interrupt_on_langgraph(tmp_path: Path) -> None:
    app = DebugApp(DebugSession(graphs.asks_human(), tmp_path / "h.stepscope"),
                   input={"n": 0, "log": []}, mode="continue")
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "interrupted")
        await pilot.press("r")
        for key in '"Ada"':
            await pilot.press(key)
        await pilot.press("enter")
        await until(pilot, lambda: s.status().state == "done")
        assert s.graph.get_state(s.config).values["log"] == ["prep", "answer:Ada"]
