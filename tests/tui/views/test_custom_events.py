"""CustomEvents in a running app: the step's rows, the run toggle, choosing a row."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from textual.pilot import Pilot
from textual.widgets import Label

from tests.tui.views.harness import SIZE, ViewApp, settle
from tracer import Trace
from tui.selection import Selection
from tui.views.custom_data import custom_list
from tui.widgets.custom_events import CustomEvents


def title(view: CustomEvents) -> str:
    return str(view.query_one("#custom-title", Label).render())


@asynccontextmanager
async def shown(trace: Trace, step: int, size: tuple[int, int] = SIZE
                ) -> AsyncIterator[tuple[CustomEvents, Pilot[None]]]:
    """A running app showing run 0's step `step` in a CustomEvents view, settled."""
    view = CustomEvents()
    async with ViewApp(view).run_test(size=size) as pilot:
        view.show(Selection(trace, 0, step))
        await settle(pilot)
        yield view, pilot


def screen_lines(view: CustomEvents) -> list[str]:
    """The list's lines as drawn (header first), trailing spaces cut."""
    lines = view.lines
    return [lines.render_line(y).text.rstrip() for y in range(lines.size.height)]


class TestCustomEvents:
    """show(), `w`, enter and clicks."""

    async def test_step_rows(self, open_scenario: Callable[[str], Trace]) -> None:
        """The step's custom events are listed under a header: time, step, node, payload."""
        async with shown(open_scenario("agent"), 2) as (view, _):
            drawn = screen_lines(view)
            assert drawn[0].split() == ["time", "step", "node", "payload"]
            assert drawn[1].split()[2:4] == ["2", "tools"] and "looking up Paris" in drawn[1]
            assert "looking up Tokyo" in drawn[2] and drawn[3] == ""
            assert "step 2: 2" in title(view)

    async def test_step_without_events(self, open_scenario: Callable[[str], Trace]) -> None:
        """A step without custom events: a count of 0 and the header alone."""
        async with shown(open_scenario("agent"), 1) as (view, _):
            assert "step 1: 0" in title(view)
            assert screen_lines(view)[:2] == [" time  step  node  payload", ""]

    async def test_subgraph_run(self, open_scenario: Callable[[str], Trace]) -> None:
        """A subgraph's custom events are listed in its own run, not in its parent's."""
        trace = open_scenario("subgraph")
        view = CustomEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            await pilot.press("w")  # nothing shown yet: only the mode changes
            view.show(Selection(trace, 0, 1))
            await settle(pilot)
            assert "of the whole run: 0" in title(view)
            view.show(Selection(trace, 1, 1))
            await settle(pilot)
            assert "of the whole run: 1" in title(view) and "{'in': 'sub'}" in view.lines.line(0)

    async def test_w_toggles_the_whole_run(self, open_scenario: Callable[[str], Trace]) -> None:
        """`w` lists the run's events, with the cursor at the selected step's first."""
        async with shown(open_scenario("notes"), 2) as (view, pilot):
            assert list(view.found.steps) == [2]
            view.lines.focus()
            await pilot.press("w")
            await settle(pilot)
            assert view.whole_run and list(view.found.steps) == [1, 2]
            assert " write " in view.lines.line(0) and view.lines.cursor == 1
            assert view.selection is not None
            view.show(Selection(view.selection.trace, 0, 1))
            await pilot.pause()
            assert view.lines.cursor == 0  # same run: the cursor moves, nothing is read
            await pilot.press("w")
            await settle(pilot)
            assert list(view.found.steps) == [1] and "step 1: 1" in title(view)

    async def test_enter_posts_the_step(self, open_scenario: Callable[[str], Trace]) -> None:
        """Enter on a row posts EventChosen with its step and row."""
        async with shown(open_scenario("notes"), 1) as (view, pilot):
            app = pilot.app
            assert isinstance(app, ViewApp)
            view.lines.focus()
            await pilot.press("enter")
            await pilot.pause()
            chosen = app.received_as(CustomEvents.EventChosen)
            assert [m.step for m in chosen] == [1]
            assert chosen[0].row.node == "write"

    async def test_click_moves_then_chooses(self, open_scenario: Callable[[str], Trace]) -> None:
        """A click puts the cursor on a row; a click on the cursor's row chooses it."""
        async with shown(open_scenario("agent"), 2) as (view, pilot):
            app = pilot.app
            assert isinstance(app, ViewApp)
            await pilot.click(view.lines, offset=(5, 2))  # header, row 0, row 1
            await pilot.pause()
            assert view.lines.cursor == 1 and app.received == []
            await pilot.click(view.lines, offset=(5, 2))
            await pilot.pause()
            assert [m.step for m in app.received_as(CustomEvents.EventChosen)] == [2]

    async def test_long_payload_scrolls_sideways(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """Lines wider than the view are cut; → scrolls to the rest (header along)."""
        async with shown(open_scenario("agent"), 2, (40, 12)) as (view, pilot):
            view.lines.focus()
            before = screen_lines(view)
            assert "Paris" not in before[1]
            for _ in range(6):
                await pilot.press("right")
            await pilot.pause()
            after = screen_lines(view)
            assert view.lines.scroll_x == 6
            assert after[0] == before[0][6:] and after[1].startswith(before[1][6:])
            view.lines.scroll_to(x=view.lines.max_scroll_x, animate=False)
            await pilot.pause()
            assert screen_lines(view)[1].endswith("'looking up Paris'}")


class TestCustomEventsLateResults:
    """Which worker results are shown when the selection moved while they were read."""

    async def test_step_move_while_the_run_loads(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """A same-run step move while the whole run is read: the run is listed, the cursor
        on the new step (the result was once dropped as stale, leaving the step's list)."""
        async with shown(open_scenario("notes"), 1) as (view, pilot):
            assert view.selection is not None
            trace = view.selection.trace
            view.whole_run = True  # starts reading the whole run
            view.show(Selection(trace, 0, 2))  # before its result is handled
            await settle(pilot)
            assert "of the whole run: 2" in title(view) and list(view.found.steps) == [1, 2]
            assert view.lines.cursor == 1

    async def test_stale_step_dropped(self, open_scenario: Callable[[str], Trace]) -> None:
        """In step mode, a result for a step no longer selected is not shown."""
        async with shown(open_scenario("agent"), 1) as (view, pilot):
            assert view.selection is not None
            trace = view.selection.trace
            step_2 = custom_list(trace, 0, 2)
            view.post_message(CustomEvents.RowsLoaded(Selection(trace, 0, 2), False, step_2))
            await pilot.pause()
            assert "step 1: 0" in title(view) and list(view.found.steps) == []

    async def test_other_run_dropped(self, open_scenario: Callable[[str], Trace]) -> None:
        """In run mode, a result for a run no longer selected is not shown."""
        trace = open_scenario("subgraph")
        view = CustomEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.whole_run = True
            view.show(Selection(trace, 0, 1))
            await settle(pilot)
            run_1 = custom_list(trace, 1, None)
            view.post_message(CustomEvents.RowsLoaded(Selection(trace, 1, 1), True, run_1))
            await pilot.pause()
            assert "of the whole run: 0" in title(view) and list(view.found.steps) == []
