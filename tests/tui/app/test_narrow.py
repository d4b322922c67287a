"""At 80×24 everything stays reachable: every tab's label, the help and quit keys, a
readable step list, and a debug bar that says it was cut."""

from __future__ import annotations

from pathlib import Path

from tests.debug.conftest import sample
from tests.tui.app.traces import record_agent
from tests.tui.snapshots.screen_text import screen_text
from tui.app import DebugApp
from tui.debug.session import DebugSession

from .conftest import app_for, opened, wait_for

NARROW = (80, 24)


async def test_the_viewer_at_80_columns(tmp_path: Path) -> None:
    path = record_agent(tmp_path / "a.stepscope")
    app = app_for(path)
    async with app.run_test(size=NARROW) as pilot:
        await opened(pilot)
        await pilot.pause(0.2)
        text = screen_text(app)
        lines = text.splitlines()
        tabs = next(line for line in lines if "Grph" in line)
        for label in ("Grph", "Stat", "Diff", "Task", "Tok", "Lane", "Cust", "Evt"):
            assert label in tabs
        footer = lines[-1]
        assert "? help" in footer and "q quit" in footer
        assert any(" input " in line for line in lines)  # the step list's nodes column


async def test_wide_again_the_labels_come_back(tmp_path: Path) -> None:
    path = record_agent(tmp_path / "a.stepscope")
    app = app_for(path)
    async with app.run_test(size=NARROW) as pilot:
        await opened(pilot)
        await pilot.resize_terminal(120, 36)
        await pilot.pause(0.2)
        text = screen_text(app)
        assert "Graph" in text and "Tokens" in text and "Events" in text


async def test_a_long_interrupt_payload_is_cut_with_an_ellipsis(tmp_path: Path) -> None:
    session = DebugSession(sample("interrupt"), tmp_path / "i.stepscope")
    app = DebugApp(session, input={"draft": "", "approved": False}, mode="continue")
    async with app.run_test(size=NARROW) as pilot:
        await wait_for(pilot, lambda: session.status().state == "interrupted", timeout=10)
        await wait_for(pilot, lambda: "asks:" in screen_text(app), timeout=5)
        bar = next(line for line in screen_text(app).splitlines() if "asks:" in line)
        assert bar.rstrip().endswith("…")
