"""Text from a trace is shown as written: markup in node names and state values neither
crashes the viewer nor styles the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

import pytest

import tracer
from engine.graph import END, START, StateGraph
from tui.widgets.run_tree import RunTree
from tui.widgets.state_tree import StateTree

from .conftest import SIZE, app_for, opened, wait_for

NODE = "a[/x]"
VALUE = "[/x] [bold]boom[/] [link=http://example.com]click[/link]"


class S(TypedDict):
    text: str


def _record(path: Path) -> Path:
    def node(state: S) -> dict[str, Any]:
        return {"text": VALUE}

    graph = (StateGraph(S).add_node(NODE, node).add_edge(START, NODE).add_edge(NODE, END)
             .compile())
    with tracer.record(path):
        graph.invoke({"text": "[red]input"})
    return path


class TestMarkupInTheTrace:
    """Every view opens on a trace whose strings look like Rich markup."""

    async def test_every_view(self, tmp_path: Path) -> None:
        path = _record(tmp_path / "markup.stepscope")
        app = app_for(path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            screen.go_to(1)
            for key in "12345678":
                await pilot.press(key)
                await pilot.pause(0.05)
            await pilot.press("2")
            tree = screen.query_one(StateTree)
            await wait_for(pilot, lambda: any(
                VALUE in str(node.label) for node in tree.root.children))
            assert screen.query_one(RunTree) is not None
            app.notify(f"node {NODE} said {VALUE}")  # notices quote trace text too
            await pilot.pause()
            assert app.is_running


ESCAPES = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x9b2J"
"""An SGR colour, an OSC window-title set ended by BEL, and a C1 CSI clearing the screen."""


def _record_escapes(path: Path) -> Path:
    graph = (StateGraph(S).add_node("agent[v2]", lambda s: {"text": ESCAPES})
             .add_edge(START, "agent[v2]").add_edge("agent[v2]", END).compile(name="a[/x]"))
    with tracer.record(path):
        graph.invoke({"text": "in"})
    return path


class TestControlSequencesInTheTrace:
    """Terminal control sequences in trace strings are shown as escapes, never sent."""

    def test_inspect(self, tmp_path: Path) -> None:
        """The graph's and node's names as written; an error message carrying escape
        sequences printed as escapes (inspect passed them to the terminal)."""
        from tests.cli.runner import run_cli

        def fail(state: S) -> dict[str, Any]:
            raise ValueError(ESCAPES)

        graph = (StateGraph(S).add_node("agent[v2]", fail).add_edge(START, "agent[v2]")
                 .compile(name="a[/x]"))
        path = tmp_path / "esc.stepscope"
        with tracer.record(path), pytest.raises(ValueError):
            graph.invoke({"text": "in"})
        result = run_cli("inspect", str(path), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "a[/x]" in result.stdout and "agent[v2]" in result.stdout
        assert "\\x1b[31mred\\x1b[0m" in result.stdout and "\\x9b2J" in result.stdout
        assert "\x1b" not in result.stdout and "\x9b" not in result.stdout

    async def test_viewer(self, tmp_path: Path) -> None:
        from tests.tui.snapshots.screen_text import screen_text

        path = _record_escapes(tmp_path / "esc.stepscope")
        app = app_for(path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            screen.go_to(1)
            await pilot.press("3")  # Diff: the new value of `text`
            await pilot.pause(0.3)
            text = screen_text(app)
            assert "\\x1b[31mred\\x1b[0m" in text and "\\x07" in text and "\\x9b2J" in text
            assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
            assert "agent[v2]" in text
