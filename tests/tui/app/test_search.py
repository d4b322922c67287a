"""`/` searches the events' text; n and N walk the matching steps."""

from __future__ import annotations

from pathlib import Path

from tui.screens.prompt import PromptScreen

from .conftest import SIZE, app_for, opened, wait_for


class TestSearch:
    """Search results are steps; the selection moves to them."""

    async def test_search_then_next_and_previous(self, agent_trace: Path) -> None:
        """"weather" is in the tools steps' tool calls and results: 1, 2 and 3, 4..."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("slash")
            await pilot.pause()
            assert isinstance(pilot.app.screen, PromptScreen)
            await pilot.press(*"get_weather", "enter")
            await wait_for(pilot, lambda: bool(screen.matches))
            assert screen.search_text == "get_weather"
            matches = list(screen.matches)
            assert matches[0] >= 1 and len(matches) >= 2
            assert screen.selection is not None and screen.selection.step == matches[0]
            await pilot.press("n")
            assert screen.selection.step == matches[1]
            await pilot.press("N")
            assert screen.selection.step == matches[0]
            await pilot.press("N")  # wraps to the last match
            assert screen.selection.step == matches[-1]

    async def test_search_is_case_insensitive_and_exact(self, agent_trace: Path) -> None:
        """The final answer's words match only the step that streamed them."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("slash", *"TOKYO IS WARMER", "enter")
            await wait_for(pilot, lambda: bool(screen.matches))
            assert screen.matches == [5]
            assert screen.selection is not None and screen.selection.step == 5

    async def test_no_match(self, agent_trace: Path) -> None:
        """Text found nowhere leaves the selection and no matches; n does nothing."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("right", "slash", *"zebra-crossing", "enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.matches == []
            await pilot.press("n")
            assert screen.selection is not None and screen.selection.step == 1
