"""The debug bar's text for each session state."""

from __future__ import annotations

from typing import Any

from tui.debug.controller import Pause, Running
from tui.debug.session import Status
from tui.debug.status_text import status_markup


def _status(state: str, **kw: Any) -> Status:
    fields: dict[str, Any] = {"pause": None, "running": (), "interrupts": (), "error": None}
    fields.update(kw)
    return Status(state, **fields)


def test_paused_says_where_and_why() -> None:
    pause = Pause("task", ("sub:1234",), 2, "breakpoint before:sub/inner", "inner")
    text = status_markup(_status("paused", pause=pause), 1, now=0)
    assert "‖ paused" in text
    assert "before sub inner (step 2) · breakpoint before:sub/inner" in text
    assert "1 breakpoint" in text and "breakpoints" not in text


def test_running_tasks_show_their_elapsed_time() -> None:
    running = (Running(("agent",), 1, 10.0), Running(("sub", "inner"), 1, 12.5))
    text = status_markup(_status("running", running=running), 0, now=13.0)
    assert "running: agent 3.00s, sub/inner 500ms" in text


def test_interrupted_and_error_explain_themselves() -> None:
    text = status_markup(_status("interrupted", interrupts=({"question": "ok?"},)), 0)
    assert 'asks: {"question": "ok?"}' in text and "r answers it" in text
    text = status_markup(_status("error", error="ValueError: bad\nTraceback…"), 0)
    assert "ValueError: bad" in text and "Traceback" not in text
