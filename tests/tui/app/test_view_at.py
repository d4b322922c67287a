"""`stepscope view PATH --run N --step S` (what an exported span's stepscope.view says):
the viewer opens at that run and step; one the file does not have is said, and the
nearest shown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui.app import make_app

from .conftest import SIZE, opened


def _notes(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


async def test_it_opens_at_the_run_and_step_asked_for(subgraph_trace: Path) -> None:
    app = make_app(subgraph_trace, at=(1, 2))
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        assert screen.trace is not None and screen.selection is not None
        assert (screen.selection.run, screen.selection.step) == (1, 2)
        assert screen.trace.index.runs[1].ns  # run 1 is the subgraph's run
        assert _notes(app) == []


async def test_a_step_or_run_it_lacks_is_said_and_the_nearest_shown(
        counter_trace: Path) -> None:
    app = make_app(counter_trace, at=(7, 10_000))
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        assert screen.trace is not None and screen.selection is not None
        last = screen.trace.steps(0)[-1]
        assert (screen.selection.run, screen.selection.step) == (0, last)
        notes = _notes(app)
        assert any("no run 7" in n for n in notes)
        assert any(f"no step 10000; showing step {last}" in n for n in notes)


def test_a_negative_run_is_refused_before_the_ui(counter_trace: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "tui.cli", "view", str(counter_trace),
                           "--run", "-1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--run -1: run numbers start at 0" in done.stderr
