"""space plays the steps one after another; + and - change the speed; f toggles follow."""

from __future__ import annotations

from pathlib import Path

from tui.navigation import SPEEDS
from tui.widgets.trace_header import TraceHeader

from .conftest import SIZE, app_for, opened, wait_for


class TestReplay:
    """The playing flag, the speed, and the selection moving by itself."""

    async def test_space_plays_and_pauses(self, counter_trace: Path) -> None:
        """While playing the selection advances; after space again it stays."""
        async with app_for(counter_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            for _ in range(2):  # 8 steps/s: 60 steps last 7.5 s, past any busy machine's lag
                await pilot.press("plus")
            assert screen.speed == 8.0
            await pilot.press("space")
            assert screen.playing
            assert "playing" in screen.query_one("#header", TraceHeader).status
            await wait_for(pilot, lambda: screen.selection is not None
                           and screen.selection.step >= 3)
            await pilot.press("space")
            assert not screen.playing
            # A step the last tick chose may still be on its way to the list (a message):
            # let it land, then nothing moves (playing on, at 8/s, would move 2-3 steps).
            await pilot.pause(0.1)
            assert screen.selection is not None
            stopped = screen.selection.step
            await pilot.pause(0.3)
            assert screen.selection.step == stopped

    async def test_plays_to_the_end_and_stops(self, agent_trace: Path) -> None:
        """At the last step the replay stops by itself; space there restarts from 0."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            screen.speed = SPEEDS[-1]
            await pilot.press("space")
            await wait_for(pilot, lambda: not screen.playing)
            assert screen.selection is not None and screen.selection.step == 5
            screen.speed = SPEEDS[0]  # one step per 2 s: nothing moves before the assert
            await pilot.press("space")
            assert screen.playing and screen.selection.step == 0

    async def test_speed_keys(self, agent_trace: Path) -> None:
        """+ doubles the speed, - halves it, within SPEEDS."""
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            assert screen.speed == 2.0
            await pilot.press("plus")
            assert screen.speed == 4.0
            await pilot.press("minus", "minus")
            assert screen.speed == 1.0
            for _ in range(5):
                await pilot.press("minus")
            assert screen.speed == SPEEDS[0]


class TestFollowKey:
    """f turns follow mode on (jumping to the end) and off."""

    async def test_f_toggles_follow(self, agent_trace: Path) -> None:
        async with app_for(agent_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            assert not screen.following
            await pilot.press("f")
            assert screen.following
            assert screen.selection is not None and screen.selection.step == 5
            assert "following" in screen.query_one("#header", TraceHeader).status
            assert screen.workers  # the follow worker runs
            await pilot.press("f")
            assert not screen.following
            await wait_for(pilot, lambda: not [w for w in screen.workers
                                               if w.group == "follow" and w.is_running])
