"""RawEvents in a running app: the run's events, filter line, search and keys."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Input, Label

from tests.tui.views.harness import SIZE, ViewApp, settle
from tracer import Trace
from tui.selection import Selection
from tui.views.event_source import step_range
from tui.views.raw_index import scan_run
from tui.widgets.raw_events import RawEvents


def kinds(view: RawEvents) -> list[str]:
    assert view.source is not None
    return [view.source.read(o).kind for o in view.lines.rows]


class TestRawEvents:
    """show(), filtering, searching and moving the cursor."""

    async def test_show_lists_the_run_and_goes_to_the_step(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """Every event of the run is listed; the cursor sits on the step's step_start."""
        trace = open_scenario("agent")
        view = RawEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(trace, 0, 3))
            await settle(pilot)
            assert len(view.lines.rows) == sum(1 for _ in trace.events())
            assert " step_start " in view.lines.line(view.lines.cursor)
            assert " s3 " in view.lines.line(view.lines.cursor)
            assert str(view.query_one("#raw-status", Label).render()).endswith(" events")
            view.show(Selection(trace, 0, 1))
            await pilot.pause()
            assert " s1 " in view.lines.line(view.lines.cursor)

    async def test_rendered_lines(self, open_scenario: Callable[[str], Trace]) -> None:
        """Only the visible lines are drawn, the cursor's among them."""
        view = RawEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("send"), 0, 0))
            await settle(pilot)
            first = view.lines.render_line(0).text
            assert " run_start " in first and "graph LangGraph" in first

    async def test_filter_typed_in_the_input(self, open_scenario: Callable[[str], Trace]) -> None:
        """Typing `kind:token node:agent` keeps only the agent's tokens."""
        view = RawEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("agent"), 0, 1))
            await settle(pilot)
            view.query_one(Input).focus()
            await pilot.press(*"kind:task_end node:tools")
            await settle(pilot)
            assert kinds(view) == ["task_end", "task_end"]
            status = str(view.query_one("#raw-status", Label).render())
            assert status.startswith("2 of ")

    async def test_bad_filter_is_reported(self, open_scenario: Callable[[str], Trace]) -> None:
        """An unknown kind is named in the status line."""
        view = RawEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("send"), 0, 1))
            await settle(pilot)
            view.set_filter("kind:tokn")
            await settle(pilot)
            assert view.lines.rows == view.lines.rows[:0]
            assert "not understood: kind:tokn" in str(view.query_one("#raw-status").render())

    async def test_search_next_and_previous(self, open_scenario: Callable[[str], Trace]) -> None:
        """search() lands on the first match after the cursor; next/previous move and wrap,
        each posting MatchFound with the step."""
        trace = open_scenario("send")
        view = RawEvents()
        app = ViewApp(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(trace, 0, 0))
            await settle(pilot)
            view.search("task_end")
            await settle(pilot)
            first = view.lines.cursor
            assert " task_end " in view.lines.line(first)
            view.next_match()
            await settle(pilot)
            assert view.lines.cursor > first
            view.previous_match()
            await settle(pilot)
            assert view.lines.cursor == first
            view.previous_match()
            await settle(pilot)
            assert " total " in view.lines.line(view.lines.cursor)  # wrapped to the last
            steps = [m.step for m in app.received_as(RawEvents.MatchFound)]
            assert steps == [1, 1, 1, 2]
            assert view.lines.needle == "task_end"

    async def test_keys_move_the_cursor(self, open_scenario: Callable[[str], Trace]) -> None:
        """down/end/home move the cursor through the list."""
        view = RawEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("agent"), 0, 0))
            await settle(pilot)
            view.lines.focus()
            await pilot.press("down", "down")
            assert view.lines.cursor == 2
            await pilot.press("end")
            assert view.lines.cursor == len(view.lines.rows) - 1
            assert " run_end " in view.lines.line(view.lines.cursor)
            assert view.lines.scroll_offset.y > 0
            await pilot.press("home")
            assert view.lines.cursor == 0 and view.lines.scroll_offset.y == 0

    async def test_a_move_during_the_scan_waits_for_its_batch(
            self, open_scenario: Callable[[str], Trace],
            monkeypatch: pytest.MonkeyPatch) -> None:
        """A step not read yet gets the cursor from the batch that holds it, before the
        scan ends; later batches leave a cursor the user has moved since."""
        trace = open_scenario("agent")
        monkeypatch.setattr(RawEvents, "_scan", lambda *args: None)  # batches come by hand
        view = RawEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(trace, 0, 3))
            ((offsets, codes),) = scan_run(trace, 0)
            start, _ = step_range(trace, 0, 3)
            cut = offsets.index(start)
            key = (id(trace), 0)
            view.post_message(RawEvents.Scanned(key, offsets[:cut], codes[:cut], False))
            await pilot.pause()
            assert view.lines.cursor == 0 and len(view.lines.rows) == cut
            view.post_message(RawEvents.Scanned(key, offsets[cut:cut + 5], codes[cut:cut + 5],
                                                False))
            await pilot.pause()
            assert view.lines.cursor == cut and " s3 " in view.lines.line(cut)
            view.lines.cursor = 2
            view.post_message(RawEvents.Scanned(key, offsets[cut + 5:], codes[cut + 5:], False))
            await pilot.pause()
            assert view.lines.cursor == 2 and len(view.lines.rows) == len(offsets)
