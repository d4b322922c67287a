"""Text from a trace is shown as written: markup in node names and state values neither
crashes the viewer nor styles the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

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
