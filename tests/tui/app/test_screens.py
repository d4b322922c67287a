"""View tabs (keys 1-8), the help screen (?), the command palette (ctrl+p), quitting."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.command import CommandList, CommandPalette
from textual.widgets import TabbedContent

from tui.bindings import ACTIONS, VIEWS
from tui.screens.help import HelpScreen, help_table, key_text, view_keys_table
from tui.selection import Selection
from tui.widgets.custom_events import CustomEvents
from tui.widgets.raw_events import RawEvents
from tui.widgets.step_list import StepList
from tui.widgets.tasks_view import TasksView
from tui.widgets.token_timeline import TokenTimeline

from .conftest import SIZE, app_for, opened, wait_for


class TestViewTabs:
    """Each number key shows its view, and the view is given the selection."""

    async def test_number_keys_switch_views(self, agent_trace: Path) -> None:
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            tabs = screen.query_one(TabbedContent)
            assert tabs.active == "graph"
            for number, (view, _) in reversed(list(enumerate(VIEWS, 1))):
                await pilot.press(str(number))
                await pilot.pause()
                assert tabs.active == view

    async def test_the_active_view_follows_the_selection(self, agent_trace: Path) -> None:
        """Switching tab, and then moving, hands the view the current selection."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("right", "right", "4")
            await pilot.pause()
            shown: list[int] = []
            view = screen.query_one("#view-tasks", TasksView)
            original = view.show

            def spy(sel: Selection) -> None:
                shown.append(sel.step)
                original(sel)

            view.show = spy  # type: ignore[method-assign,assignment]  # a spy on this instance
            await pilot.press("right")
            assert shown == [3]


class TestViewScope:
    """w switches the visible view between its step and the whole run, with the step
    list keeping focus (so ←/→ still move steps)."""

    async def test_w_from_the_step_list(self, agent_trace: Path) -> None:
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            custom = screen.query_one(CustomEvents)
            tokens = screen.query_one(TokenTimeline)
            await pilot.press("7", "w")
            focused = screen.focused  # 1-8 focus the view (its list of events)
            assert custom.whole_run and focused is not None and custom in focused.ancestors
            await pilot.press("w", "5", "w")
            assert not custom.whole_run and tokens.scope == "run"
            screen.query_one(StepList).focus()  # ← / → are the Tokens view's own keys
            await pilot.press("right")
            await wait_for(pilot, lambda: screen.selection is not None
                           and screen.selection.step == 1)
            notes: list[str] = []
            screen.notify = lambda message, **_: notes.append(message)
            await pilot.press("1", "w")  # the Graph view has no whole-run mode: a notice
            assert notes == ["only the Custom and Tokens views show a step or the whole run"]
            assert tokens.scope == "run" and not custom.whole_run


class TestEventsEnter:
    """Enter on the Events list selects the step of the event under the cursor, and the
    cursor stays on that event (not the step's first)."""

    async def test_enter_selects_the_event_s_step(self, agent_trace: Path) -> None:
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("8")
            raw = screen.query_one(RawEvents)
            await wait_for(pilot, lambda: raw.scanned)
            raw.lines.focus()
            assert raw.source is not None and screen.selection is not None
            rows = raw.lines.rows
            target = next(i for i, o in enumerate(rows)
                          if raw.source.read(o).kind == "task_end"
                          and raw.source.read(o).step == 2)
            raw.lines.cursor = target
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.selection is not None
                           and screen.selection.step == 2)
            await pilot.pause()
            assert raw.lines.cursor == target


class TestHelp:
    """? shows every key; escape or ? closes it."""

    async def test_help_lists_every_action(self, agent_trace: Path) -> None:
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            await opened(pilot)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(pilot.app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(pilot.app.screen, HelpScreen)
            await pilot.press("question_mark", "question_mark")
            assert not isinstance(pilot.app.screen, HelpScreen)

    def test_help_table_has_every_key(self) -> None:
        """Every action's keys and palette title are in the help table."""
        console = Console(width=160, record=True, file=io.StringIO())
        console.print(help_table())
        text = console.export_text()
        for spec in ACTIONS:
            assert spec.title in text
            assert key_text(spec.keys) in text
        assert "ctrl+p" in text

    def test_help_lists_each_view_s_own_keys(self) -> None:
        """The views' own keys (from their widgets' bindings) follow, per view."""
        console = Console(width=160, record=True, file=io.StringIO())
        console.print(view_keys_table())
        lines = console.export_text().splitlines()

        def row(view: str, key: str) -> str:
            return next(line for line in lines if line.split()[:2] == [view, key])

        assert "whole text" in row("State", "a").lower()
        assert "scaled" in row("Lanes", "v").lower()
        assert "previous node" in next(line for line in lines if " [ " in line)
        assert any(line.split()[:2] == ["w", "Show"] for line in lines)  # Tokens, 2nd row
        assert "Go to step" in " ".join(lines)


class TestPalette:
    """ctrl+p lists every action by title and runs the one chosen."""

    async def test_palette_lists_actions(self, agent_trace: Path) -> None:
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            await opened(pilot)
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
            commands = pilot.app.screen.query_one(CommandList)
            await wait_for(pilot, lambda: commands.option_count >= len(ACTIONS))
            titles = {str(commands.get_option_at_index(i).prompt).split("\n")[0]
                      for i in range(commands.option_count)}
            for wanted in ("step: go to…", "view: state", "follow: toggle", "search: find…"):
                assert any(t.startswith(wanted) for t in titles), (wanted, titles)

    async def test_palette_runs_an_action(self, agent_trace: Path) -> None:
        """Typing "view: diff" and enter switches to the Diff tab."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
            await pilot.press(*"view: diff")
            commands = pilot.app.screen.query_one(CommandList)
            await wait_for(pilot, lambda: commands.option_count > 0
                           and "view: diff" in str(commands.get_option_at_index(0).prompt))
            await pilot.press("enter")
            tabs = screen.query_one(TabbedContent)
            await wait_for(pilot, lambda: tabs.active == "diff")

    async def test_palette_follow_toggle(self, agent_trace: Path) -> None:
        """"follow: toggle" from the palette sets the follow flag."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
            await pilot.press(*"follow: toggle")
            commands = pilot.app.screen.query_one(CommandList)
            await wait_for(pilot, lambda: commands.option_count > 0 and "follow"
                           in str(commands.get_option_at_index(0).prompt))
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.following)


class TestQuit:
    """q quits."""

    async def test_q_quits(self, agent_trace: Path) -> None:
        app = app_for(agent_trace)
        async with app.run_test(size=SIZE) as pilot:
            await opened(pilot)
            await pilot.press("q")
            await pilot.pause()
            assert app._exit or not app.is_running


async def test_the_palettes_screenshot_lands_in_the_current_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ~/Downloads (a server, a container) the screenshot is saved where the
    app was started, and the notice says where."""
    from tests.tui.app.conftest import SIZE, app_for, opened
    from tests.tui.app.traces import record_agent

    trace = record_agent(tmp_path / "t.stepscope")
    monkeypatch.setenv("HOME", str(tmp_path / "no-home"))
    monkeypatch.chdir(tmp_path)
    app = app_for(trace)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        app.deliver_screenshot()  # what the palette's "Screenshot" calls
        await pilot.pause()
        shots = list(tmp_path.glob("*.svg"))
        assert len(shots) == 1 and shots[0].read_text().startswith("<svg")
        assert any(str(shots[0]) in str(n.message) for n in app._notifications)
