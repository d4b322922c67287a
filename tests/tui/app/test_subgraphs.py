"""The run tree scopes every view to a subgraph run; the breadcrumb and `u` lead back."""

from __future__ import annotations

from pathlib import Path

from tui.widgets.run_tree import RunTree
from tui.widgets.step_list import StepList
from tui.widgets.trace_header import TraceHeader

from .conftest import SIZE, app_for, opened, wait_for


class TestRunTree:
    """Choosing the subgraph's run in the tree."""

    async def test_choose_subgraph_and_go_back_up(self, subgraph_trace: Path) -> None:
        async with app_for(subgraph_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            tree = screen.query_one(RunTree)
            assert tree.display  # two runs: the tree is shown
            assert screen.rows is not None and screen.rows.steps() == [0, 1, 2, 3]
            # Click the tree's second line: the subgraph run "inner".
            await pilot.click(RunTree, offset=(4, 1))
            await wait_for(pilot, lambda: screen.selection is not None
                           and screen.selection.run == 1)
            assert screen.selection is not None
            assert screen.selection.ns[0].startswith("inner:")
            assert screen.rows.steps() == [0, 1, 2]
            assert screen.query_one(StepList).rows is screen.rows
            header = screen.query_one("#header", TraceHeader)
            assert header.crumbs[-1] == "inner" and len(header.crumbs) == 2
            await pilot.press("l")
            assert screen.selection.step == 1 and screen.selection.run == 1
            # u: back to the parent run, at the step that ran the subgraph.
            await pilot.press("u")
            assert screen.selection.run == 0 and screen.selection.step == 2
            assert len(header.crumbs) == 1
            await pilot.press("u")  # already at the top: stays
            assert screen.selection.run == 0

    async def test_single_run_hides_the_tree(self, agent_trace: Path) -> None:
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            assert not screen.query_one(RunTree).display


class TestStepListKeys:
    """With the step list focused, ↑/↓, j/k and page keys move the selection."""

    async def test_up_down_page(self, counter_trace: Path) -> None:
        async with app_for(counter_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            steps = screen.query_one(StepList)
            assert steps.has_focus
            await pilot.press("down", "down", "j")
            assert screen.selection is not None and screen.selection.step == 3
            await pilot.press("up", "k")
            assert screen.selection.step == 1
            await pilot.press("pagedown")
            page = steps.page_rows
            assert page == steps.scrollable_content_region.height - 1  # less the heading
            assert screen.selection.step == 1 + page
            await pilot.press("pageup", "pageup")
            assert screen.selection.step == 0
