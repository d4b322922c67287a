"""Each tab of the real app (120×36) on a sample trace, compared as text with expected/.

Run with STEPSCOPE_UPDATE_SNAPSHOTS=1 to rewrite the expectations after a deliberate
change to a view; read the diff of expected/*.txt before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.app import make_app

from .screen_text import SIZE, check, show

# (snapshot name, trace, step, tab, words the view must show at that step)
CASES: list[tuple[str, str, int, str, tuple[str, ...]]] = [
    ("graph_agent", "agent", 3, "graph", ("agent", "tools")),
    ("state_agent", "agent", 3, "state", ("messages", "5 items")),
    ("diff_agent", "agent", 2, "diff", ("messages",)),
    ("tasks_agent", "agent", 2, "tasks", ("tools",)),
    ("tokens_agent", "agent", 1, "tokens", ("TTFT", "20 in/9 out")),
    ("lanes_joke_poem", "joke_poem", 1, "lanes", ("write_joke", "write_poem")),
    ("custom_agent", "agent", 2, "custom", ("looking up",)),
    ("events_agent", "agent", 2, "events", ("custom",)),
]


@pytest.mark.parametrize(("name", "trace", "step", "tab", "words"), CASES,
                         ids=[c[0] for c in CASES])
async def test_view_snapshot(snapshot_traces: dict[str, Path], name: str, trace: str,
                             step: int, tab: str, words: tuple[str, ...]) -> None:
    """The tab at that step shows its key content, and the screen matches expected/."""
    app = make_app(snapshot_traces[trace])
    app.animation_level = "none"  # the tabs' underline slides otherwise
    async with app.run_test(size=SIZE) as pilot:
        text = await show(pilot, step, tab)
    lines = text.splitlines()
    assert len(lines) == SIZE[1] and max(len(line) for line in lines) == SIZE[0]
    assert f"step {step} " in text  # the header's position
    for word in words:
        assert word in text, f"{name}: {word!r} not on screen:\n{text}"
    check(name, text, tab)
