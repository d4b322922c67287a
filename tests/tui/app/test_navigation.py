"""Moving through steps: arrows, h/l, home/end, go to, next error, next LLM call, mouse."""

from __future__ import annotations

from pathlib import Path

from tui.screens.prompt import PromptScreen
from tui.widgets.step_list import StepList
from tui.widgets.trace_header import TraceHeader

from .conftest import SIZE, app_for, opened, wait_for


class TestStepKeys:
    """The step keys change the selected step (and the step list's cursor)."""

    async def test_arrows_and_vi_keys(self, agent_trace: Path) -> None:
        """→ and l go forward, ← and h back, never past either end."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            assert screen.selection is not None and screen.selection.step == 0
            await pilot.press("right", "l")
            assert screen.selection.step == 2
            assert screen.query_one("#steps", StepList).cursor == 2
            await pilot.press("left")
            assert screen.selection.step == 1
            await pilot.press("h", "h", "h")
            assert screen.selection.step == 0

    async def test_home_and_end(self, counter_trace: Path) -> None:
        """end selects the last step and scrolls it into view; home the first."""
        async with app_for(counter_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("end")
            await pilot.pause()
            assert screen.selection is not None and screen.selection.step == 60
            steps = screen.query_one("#steps", StepList)
            assert steps.scroll_offset.y > 0
            await pilot.press("home")
            await pilot.pause()
            assert screen.selection.step == 0
            assert steps.scroll_offset.y == 0

    async def test_go_to_step(self, counter_trace: Path) -> None:
        """g asks for a number; the step with that number is selected."""
        async with app_for(counter_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("g")
            await pilot.pause()
            assert isinstance(pilot.app.screen, PromptScreen)
            await pilot.press(*"42", "enter")
            await pilot.pause()
            assert not isinstance(pilot.app.screen, PromptScreen)
            assert screen.selection is not None and screen.selection.step == 42

    async def test_go_to_bad_input_and_escape(self, counter_trace: Path) -> None:
        """Text that is not a number leaves the selection; escape cancels."""
        async with app_for(counter_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("right", "g", *"abc", "enter")
            await pilot.pause()
            assert screen.selection is not None and screen.selection.step == 1
            await pilot.press("g", "9", "escape")
            await pilot.pause()
            assert screen.selection.step == 1

    async def test_next_error(self, failing_trace: Path) -> None:
        """e selects the next step with a failed task; the row is marked ✗."""
        async with app_for(failing_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("e")
            assert screen.selection is not None and screen.selection.step == 2
            assert screen.rows is not None
            row = screen.rows.row(screen.cursor_index())
            assert row.errors == 1 and "✗" in row.marks
            assert row.nodes == ("boom",)
            await pilot.press("e")  # no later error: stays
            assert screen.selection.step == 2

    async def test_next_llm_call(self, agent_trace: Path) -> None:
        """t visits the steps that called the model: 1, 3, 5."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            seen = []
            for _ in range(4):
                await pilot.press("t")
                assert screen.selection is not None
                seen.append(screen.selection.step)
            assert seen == [1, 3, 5, 5]

    async def test_click_selects_a_step(self, agent_trace: Path) -> None:
        """Clicking the fourth row (below the heading line) selects step 3."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.click("#steps", offset=(3, 4))
            await wait_for(pilot, lambda: screen.selection is not None
                           and screen.selection.step == 3)
            assert screen.query_one("#steps", StepList).cursor == 3


class TestHeader:
    """The header line says where the user is."""

    async def test_header_shows_name_status_and_position(self, agent_trace: Path) -> None:
        """File name, the run's status, and `step i (k/n)`."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await pilot.press("end")
            header = screen.query_one("#header", TraceHeader)
            assert header.title == "agent.stepscope"
            assert header.status.startswith("done")
            assert header.position == "step 5 (6/6)"
