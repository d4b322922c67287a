"""A thread's step list (its runs, a marker line between them) and the Tokens tab's
usage and cost, at 120×36 compared with expected/, and at 80×24 still readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from sample_graphs import support_thread
from tracer.prices import load_prices
from tui.app import make_app

from .screen_text import SIZE, check, screen_text, settle, show

PRICES = Path(support_thread.__file__).with_name("prices.json")


@pytest.fixture(scope="module")
def thread_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("thread") / "support.stepscope"
    support_thread.record_thread(str(path))
    return path


async def test_thread_tokens_snapshot(thread_trace: Path) -> None:
    app = make_app(thread_trace, prices=load_prices(PRICES))
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        text = await show(pilot, 2, "tokens")
    for words in ("‖ run 1 · resumed: Send this reply?", "⑂ run 3 · fork of run 0 @ step 1",
                  "thread ticket-42 (4 runs)", "step 2: 655 in/160 out · $0.00114"):
        assert words in text, f"{words!r} not on screen:\n{text}"
    check("tokens_thread", text, "tokens")


async def test_thread_at_80_columns(thread_trace: Path) -> None:
    """Narrow: the markers keep their run and what happened; the usage lines wrap."""
    app = make_app(thread_trace, prices=load_prices(PRICES))
    app.animation_level = "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, 2, "tokens")
        await settle(pilot)
        text = screen_text(app)
    assert "‖ run 1 · resumed: Send" in text and "⑂ run 3 · fork of run 0 @ step" in text
    assert "step 2: 655 in/160 out · $0.00114" in text
    assert "thread ticket-42 (4 runs): 2.4k in/469 out" in text and "$0.00336" in text
