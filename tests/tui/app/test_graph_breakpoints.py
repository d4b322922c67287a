"""The graph view's node cursor (clicks, `[` / `]`) and breakpoint marks, on real traces
of sample_graphs/subgraph.py: what `b` would toggle, and which boxes show a ●."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import TabbedContent

import tracer
from engine.graph import END, START, StateGraph
from sample_graphs import subgraph as sample_module
from tui.selection import Selection
from tui.target import load_target
from tui.widgets.graph_view import GraphView

from .conftest import SIZE, app_for, opened, wait_for

SAMPLE = "sample_graphs/subgraph.py"


def shadowed_graph() -> Any:
    """The sample's subgraph under node_2, after a root node also named subgraph_node_1."""

    def subgraph_node_1(state: sample_module.ParentState) -> dict[str, str]:
        return {"foo": state["foo"] + "!"}

    return (StateGraph(sample_module.ParentState)
            .add_node("subgraph_node_1", subgraph_node_1)
            .add_node("node_2", sample_module.subgraph)
            .add_edge(START, "subgraph_node_1").add_edge("subgraph_node_1", "node_2")
            .add_edge("node_2", END).compile())


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """'sample': sample_graphs/subgraph.py; 'shadowed': `shadowed_graph()`."""
    root = tmp_path_factory.mktemp("graph-breakpoints")
    paths = {"sample": root / "sample.stepscope", "shadowed": root / "shadowed.stepscope"}
    for name, graph in (("sample", load_target(SAMPLE)), ("shadowed", shadowed_graph())):
        with tracer.record(paths[name]):
            graph.invoke({"foo": "foo"})
    return paths


@pytest.fixture
def sample(traces: dict[str, Path]) -> Iterator[tracer.Trace]:
    with tracer.open_trace(traces["sample"]) as trace:
        yield trace


@pytest.fixture
def shadowed(traces: dict[str, Path]) -> Iterator[tracer.Trace]:
    with tracer.open_trace(traces["shadowed"]) as trace:
        yield trace


class GraphHarness(App[None]):
    """A focused GraphView alone; keeps the messages it posts."""

    def __init__(self) -> None:
        super().__init__()
        self.view = GraphView()
        self.moves: list[str | None] = []
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.view

    def on_mount(self) -> None:
        self.view.focus()

    def on_graph_view_cursor_moved(self, message: GraphView.CursorMoved) -> None:
        self.moves.append(message.path)

    def on_graph_view_node_selected(self, message: GraphView.NodeSelected) -> None:
        self.selected.append(message.name)


async def click_node(pilot: Pilot[None], view: GraphView, name: str) -> None:
    assert view.canvas is not None
    box = view.canvas.layout.boxes[name]
    x = box.x + view._pad() + box.w // 2 - view.scroll_offset.x
    await pilot.click(GraphView, offset=(x, box.y + box.h // 2 - view.scroll_offset.y))
    await pilot.pause()


def line_with(view: GraphView, name: str) -> str:
    """The rendered line holding `name`'s box label."""
    assert view.canvas is not None
    box = view.canvas.layout.boxes[name]
    return view.render_line(box.y + box.h // 2 - view.scroll_offset.y).text


class TestCursor:
    """Clicks and bracket keys move the cursor; it names the breakpoint target."""

    async def test_click_root_and_subgraph_run(self, sample: tracer.Trace) -> None:
        """A click sets the cursor (and still selects); START is not a cursor stop; in
        the subgraph run the path is node_2/…."""
        app = GraphHarness()
        async with app.run_test(size=SIZE) as pilot:
            view = app.view
            view.show(Selection(sample, 0, 1))
            await pilot.pause()
            assert view.cursor is None and view.cursor_path() is None
            await click_node(pilot, view, "node_1")
            assert view.cursor == "node_1" and view.cursor_path() == "node_1"
            await click_node(pilot, view, "__start__")
            assert view.cursor == "node_1"
            assert app.selected == ["node_1", "__start__"]
            view.show(Selection(sample, 1, 0))  # no node_1 in the subgraph run: reset
            await pilot.pause()
            assert view.cursor is None
            await click_node(pilot, view, "subgraph_node_2")
            assert view.cursor_path() == "node_2/subgraph_node_2"
            assert app.moves == ["node_1", None, "node_2/subgraph_node_2"]

    async def test_brackets_cycle_in_layout_order(self, sample: tracer.Trace) -> None:
        """] starts at the top and wraps around; [ goes back (and starts at the bottom)."""
        app = GraphHarness()
        async with app.run_test(size=SIZE) as pilot:
            view = app.view
            view.show(Selection(sample, 1, 0))
            await pilot.pause()
            await pilot.press("left_square_bracket")
            assert view.cursor == "subgraph_node_2"
            await pilot.press("right_square_bracket")
            assert view.cursor == "subgraph_node_1"
            await pilot.press("right_square_bracket")
            assert view.cursor == "subgraph_node_2"
            await pilot.press("left_square_bracket", "left_square_bracket")
            assert view.cursor == "subgraph_node_2"
            assert app.moves[-1] == "node_2/subgraph_node_2"

    async def test_run_change_keeps_a_same_named_node(self, shadowed: tracer.Trace) -> None:
        """The cursor stays on a name both runs have, and its new path is posted."""
        app = GraphHarness()
        async with app.run_test(size=SIZE) as pilot:
            view = app.view
            view.show(Selection(shadowed, 0, 1))
            await pilot.press("right_square_bracket")
            assert view.cursor_path() == "subgraph_node_1"
            view.show(Selection(shadowed, 1, 0))
            await pilot.pause()
            assert view.cursor_path() == "node_2/subgraph_node_1"
            assert app.moves == ["subgraph_node_1", "node_2/subgraph_node_1"]

    async def test_enter_opens_the_cursor_node(self, sample: tracer.Trace) -> None:
        """With a cursor, enter selects its node rather than the step's."""
        app = GraphHarness()
        async with app.run_test(size=SIZE) as pilot:
            app.view.show(Selection(sample, 0, 1))  # step 1 ran node_1
            await pilot.press("right_square_bracket", "right_square_bracket", "enter")
            await pilot.pause()
            assert app.selected == ["node_2"]


class TestBreakpointMarks:
    """set_breakpoints marks boxes with a ● by full path or bare name."""

    async def test_path_marks_only_inside_the_subgraph(self, shadowed: tracer.Trace) -> None:
        """node_2/subgraph_node_1 marks the subgraph's node, not the root's namesake; the
        bare name marks both."""
        app = GraphHarness()
        async with app.run_test(size=SIZE) as pilot:
            view = app.view
            view.set_breakpoints({"node_2/subgraph_node_1"})
            view.show(Selection(shadowed, 0, 1))
            await pilot.pause()
            assert "●" not in line_with(view, "subgraph_node_1")
            view.show(Selection(shadowed, 1, 0))
            await pilot.pause()
            assert "●subgraph_node_1" in line_with(view, "subgraph_node_1")
            assert "●" not in line_with(view, "subgraph_node_2")
            view.set_breakpoints({"subgraph_node_1"})
            await pilot.pause()
            assert "●subgraph_node_1" in line_with(view, "subgraph_node_1")
            view.show(Selection(shadowed, 0, 1))
            await pilot.pause()
            assert "●subgraph_node_1" in line_with(view, "subgraph_node_1")
            view.set_breakpoints(())
            await pilot.pause()
            assert "●" not in line_with(view, "subgraph_node_1")

    async def test_compact_boxes(self, sample: tracer.Trace) -> None:
        """In a view too short for full boxes the ● and cursor still show, and the text
        only differs from the unmarked drawing by the ●."""
        app = GraphHarness()
        async with app.run_test(size=(40, 6)) as pilot:
            view = app.view
            view.show(Selection(sample, 0, 1))
            await pilot.pause()
            assert view.canvas is not None and view.canvas.layout.boxes["node_1"].h == 1
            before = [view.render_line(y).text for y in range(view.size.height)]
            view.set_breakpoints({"node_1", "node_2"})
            await pilot.press("right_square_bracket")
            after = [view.render_line(y).text for y in range(view.size.height)]
            assert "●node_1" in line_with(view, "node_1")
            assert "●node_2" in line_with(view, "node_2")
            assert [line.replace("●", " ") for line in after] == before


class TestInTheApp:
    """The real app's graph tab, scoped to the subgraph run with choose_run."""

    async def test_choose_run_then_click(self, traces: dict[str, Path]) -> None:
        """After choose_run(1), a click names node_2/subgraph_node_1; breakpoints mark it."""
        async with app_for(traces["sample"]).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            view = screen.query_one("#view-graph", GraphView)
            screen.choose_run(1)
            await wait_for(pilot, lambda: view.canvas is not None
                           and "subgraph_node_1" in view.canvas.layout.boxes)
            await click_node(pilot, view, "subgraph_node_1")
            assert view.cursor_path() == "node_2/subgraph_node_1"
            view.set_breakpoints({"node_2/subgraph_node_1", "node_1"})
            await pilot.pause()
            assert "●subgraph_node_1" in line_with(view, "subgraph_node_1")
            assert "●" not in line_with(view, "subgraph_node_2")


class TestEnterInTheApp:
    """In the app, Enter on a node of the Graph view does what the footer says."""

    async def test_enter_on_a_subgraph_node_opens_its_run(self, traces: dict[str, Path]) -> None:
        async with app_for(traces["sample"]).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            screen.go_to(2)  # node_2, the subgraph node, ran in step 2
            await pilot.press("1")
            view = screen.query_one(GraphView)
            await wait_for(pilot, lambda: view.canvas is not None)
            view.focus()
            while view.cursor != "node_2":
                await pilot.press("right_square_bracket")
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.selection is not None
                           and screen.selection.run == 1)
            assert screen.trace is not None
            assert screen.trace.index.runs[1].ns[0].startswith("node_2:")

    async def test_enter_on_a_node_shows_its_task(self, traces: dict[str, Path]) -> None:
        async with app_for(traces["sample"]).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            screen.go_to(2)
            await pilot.press("1")
            view = screen.query_one(GraphView)
            await wait_for(pilot, lambda: view.canvas is not None)
            view.focus()
            while view.cursor != "node_1":
                await pilot.press("right_square_bracket")
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "tasks")
            assert screen.selection is not None and screen.selection.step == 1
