"""One key model: 1-8 open a view and focus it (the footer lists its keys), text fields
take every printable key, Tab never lands on the tab bar, the debugger's keys work
whatever has focus."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, TabbedContent, Tabs

from tests.debug.conftest import sample
from tests.tui.app.traces import record_agent
from tui.app import DebugApp
from tui.debug.session import DebugSession
from tui.widgets.state_tree import StateTree

from .conftest import SIZE, app_for, opened, wait_for


async def test_the_events_filter_takes_every_letter(tmp_path: Path) -> None:
    """8, ctrl+f, then u and t: they go into the filter (before, they ran 'up' and
    'next LLM call')."""
    app = app_for(record_agent(tmp_path / "a.stepscope"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        before = screen.selection
        await pilot.press("8", "ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await pilot.press("u", "t", "c", "1")
        await pilot.pause()
        field = app.focused
        assert isinstance(field, Input) and field.value == "utc1"
        assert screen.selection == before
        assert screen.query_one(TabbedContent).active == "events"


async def test_tab_never_focuses_the_tab_bar(tmp_path: Path) -> None:
    app = app_for(record_agent(tmp_path / "a.stepscope"))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        for _ in range(6):
            await pilot.press("tab")
            await pilot.pause()
            assert not isinstance(app.focused, Tabs)


async def test_debugger_keys_work_with_the_state_tree_focused(tmp_path: Path) -> None:
    """c continues the run even with the State tree focused (its collapse-all is C)."""
    session = DebugSession(sample("topic_joke"), tmp_path / "d.stepscope")
    app = DebugApp(session, input={"topic": "cats"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: session.status().state == "paused", timeout=10)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.focused, StateTree))
        await pilot.press("c")
        await wait_for(pilot, lambda: session.status().state == "done", timeout=10)


async def test_the_events_view_shows_the_cursors_event_whole(tmp_path: Path) -> None:
    """A line of the Events list is cut at the view's width; the pane under it holds the
    event under the cursor, whole."""
    from textual.widgets import Static

    from tui.widgets.event_lines import EventLines

    app = app_for(record_agent(tmp_path / "a.stepscope"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        screen.go_to(1)
        await pilot.press("8")
        lines = screen.query_one("#raw-lines", EventLines)
        await wait_for(pilot, lambda: len(lines.rows) > 3)
        detail = screen.query_one("#raw-detail", Static)
        seen: set[str] = set()
        for _ in range(12):
            await pilot.press("down")
            await pilot.pause()
            text = str(detail.render())
            seen.add(text.split(" · ", 1)[0])
            if text.startswith("llm_start"):
                assert '"prompt"' in text and "seq" in text
                break
        else:
            raise AssertionError(f"no llm_start reached: {sorted(seen)}")


async def test_the_footer_tells_what_left_and_right_do_in_the_tokens_view(
        tmp_path: Path) -> None:
    """With the Tokens view focused, ← moves its token cursor: the footer says so, and
    offers "h prev" instead of "←/h prev" (h and l still change the step)."""
    from tests.tui.snapshots.screen_text import screen_text
    from tui.widgets.token_timeline import TokenTimeline

    app = app_for(record_agent(tmp_path / "a.stepscope"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "←/h prev" in footer and "Token ←" not in footer
        screen.go_to(1)
        await pilot.press("5")
        await wait_for(pilot, lambda: isinstance(app.focused, TokenTimeline))
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "Token ←" in footer and "←/h" not in footer and "h prev" in footer
        assert screen.selection is not None
        step = screen.selection.step
        await pilot.press("l")  # the alias still steps
        await wait_for(pilot, lambda: screen.selection is not None
                       and screen.selection.step == step + 1)
