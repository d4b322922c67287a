"""CustomEvents in a running app: the step's rows, the run toggle, choosing a row."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, Label

from tests.tui.views.harness import SIZE, ViewApp, settle
from tracer import Trace
from tui.selection import Selection
from tui.widgets.custom_events import CustomEvents


class TestCustomEvents:
    """show(), `r` and enter."""

    async def test_step_rows(self, open_scenario: Callable[[str], Trace]) -> None:
        """The step's custom events fill the table: time, step, node, payload."""
        view = CustomEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("agent"), 0, 2))
            await settle(pilot)
            table = view.query_one(DataTable)
            assert table.row_count == 2
            row = table.get_row_at(0)
            assert row[1:3] == ["2", "tools"] and "looking up Paris" in row[3]
            assert "step 2: 2" in str(view.query_one("#custom-title", Label).render())

    async def test_r_toggles_the_whole_run(self, open_scenario: Callable[[str], Trace]) -> None:
        """`r` lists the run's events, with the cursor at the selected step's first."""
        view = CustomEvents()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("notes"), 0, 2))
            await settle(pilot)
            assert [r.node for r in view.rows] == ["a"]
            view.query_one(DataTable).focus()
            await pilot.press("r")
            await settle(pilot)
            assert view.whole_run and [r.node for r in view.rows] == ["write", "a"]
            assert view.query_one(DataTable).cursor_row == 1
            await pilot.press("r")
            await settle(pilot)
            assert [r.node for r in view.rows] == ["a"]

    async def test_enter_posts_the_step(self, open_scenario: Callable[[str], Trace]) -> None:
        """Choosing a row posts EventChosen with its step."""
        view = CustomEvents()
        app = ViewApp(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("notes"), 0, 1))
            await settle(pilot)
            view.query_one(DataTable).focus()
            await pilot.press("enter")
            await pilot.pause()
            assert [m.step for m in app.received] == [1]  # type: ignore[attr-defined]
