"""SVG screenshots of each view on a real trace (kept in $STEPSCOPE_SCREENS if set)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import tracer
from tests.tui.visual.harness import ViewHarness
from tui.selection import Selection
from tui.widgets.graph_view import GraphView
from tui.widgets.superstep_lanes import SuperstepLanes
from tui.widgets.token_timeline import TokenTimeline

Opener = Callable[[str], tracer.Trace]
ShotView = GraphView | TokenTimeline | SuperstepLanes
SHOTS: list[tuple[str, type[ShotView], str, int, tuple[str, ...]]] = [
    ("graph_branching", GraphView, "branching", 3, ("merge", "again")),
    ("graph_agent", GraphView, "agent", 5, ("agent", "tools")),
    ("tokens_parallel", TokenTimeline, "parallel_llm", 1, ("ask_quick", "tok/s")),
    ("tokens_agent", TokenTimeline, "agent", 5, ("TTFT",)),
    ("lanes_joke_poem", SuperstepLanes, "joke_poem", 1, ("write_poem",)),
    ("lanes_branching", SuperstepLanes, "branching", 3, ("review",)),
]


class TestScreenshots:
    """Each view renders to an SVG holding what it shows."""

    @pytest.mark.parametrize(("shot", "cls", "trace_name", "step", "expect"), SHOTS,
                             ids=[s[0] for s in SHOTS])
    async def test_screenshot(self, open_trace: Opener, tmp_path: Path, shot: str,
                              cls: type[ShotView], trace_name: str, step: int,
                              expect: tuple[str, ...]) -> None:
        """Save the screenshot; the SVG contains the view's key words."""
        view = cls()
        app = ViewHarness(view)
        async with app.run_test(size=(120, 36)) as pilot:
            view.show(Selection(open_trace(trace_name), 0, step))
            await app.workers.wait_for_complete()
            await pilot.pause()
            folder = Path(os.environ.get("STEPSCOPE_SCREENS", tmp_path))
            folder.mkdir(parents=True, exist_ok=True)
            path = app.save_screenshot(filename=f"{shot}.svg", path=str(folder))
        svg = Path(path).read_text()
        for word in expect:
            assert word in svg
