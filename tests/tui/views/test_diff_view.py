"""DiffView in a running app: per-task writes, coloured by what happened."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from tests.tui.views.harness import SIZE, ViewApp, settle
from tracer import Trace
from tui.selection import Selection
from tui.widgets.diff_view import DiffView


def style_of(text: Text, fragment: str) -> str:
    """The style of the span covering `fragment`'s start."""
    at = text.plain.index(fragment)
    return str(next(s.style for s in text.spans if s.start <= at < s.end))


class TestDiffView:
    """show() renders each task's writes; colours follow the line kind."""

    async def test_appends_and_changes(self, open_scenario: Callable[[str], Trace]) -> None:
        """Appends are green additions, a last-value change yellow, keys name reducers."""
        view = DiffView()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("notes"), 0, 1))
            await settle(pilot)
            text = view.text
            assert "▌ write" in text.plain and "notes  (operator.add)" in text.plain
            assert style_of(text, "+ 1 item: 'w'") == str(
                view.get_component_rich_style("diff-view--add"))
            assert style_of(text, "~ 'cats' → 'cats!'") == str(
                view.get_component_rich_style("diff-view--change"))
            assert style_of(text, "+ 1 item") != style_of(text, "~ 'cats'")

    async def test_messages_replaced_and_removed(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """add_messages: the replaced message by id, the removed one in red."""
        view = DiffView()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("chat"), 0, 2))
            await settle(pilot)
            plain = view.text.plain
            assert "~ AIMessage: hi → AIMessage: hello again  (id m1)" in plain
            assert style_of(view.text, "- HumanMessage: hey") == str(
                view.get_component_rich_style("diff-view--remove"))

    async def test_error_and_step_changes(self, open_scenario: Callable[[str], Trace]) -> None:
        """A failing step shows the exception line; moving to step 1 replaces it."""
        view = DiffView()
        trace = open_scenario("failing")
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(trace, 0, 2))
            await settle(pilot)
            assert "✗ ValueError: boom: the answer was 42" in view.text.plain
            view.show(Selection(trace, 0, 1))
            await settle(pilot)
            assert "boom" not in view.text.plain and "+ 1 item: 'pre'" in view.text.plain

    async def test_step_zero_shows_the_input(self, open_scenario: Callable[[str], Trace]) -> None:
        """Step 0 lists the input keys."""
        view = DiffView()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("send"), 0, 0))
            await settle(pilot)
            assert "+ items = [1, 2, 3]" in view.text.plain
