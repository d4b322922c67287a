"""The debug bar's text: what the session is doing and which keys apply, as Rich markup."""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape

from tui.debug.session import Status
from tui.units import duration

_STATE_STYLE = {
    "idle": ("○", "dim"), "running": ("▶", "bold green"), "paused": ("‖", "bold yellow"),
    "stopping": ("■", "bold yellow"), "interrupted": ("?", "bold magenta"),
    "done": ("■", "bold green"), "error": ("✖", "bold red"), "stopped": ("■", "yellow"),
}
_HINTS = {
    "idle": "a recorded trace: select a step, F forks from it",
    "stopping": "waiting for the running tasks to return",
    "interrupted": "r answers it",
    "done": "F forks the selected step",
    "error": "F forks the selected step",
    "stopped": "F forks the selected step",
}


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_markup(status: Status, breakpoints: int, now: float | None = None) -> str:
    """One line: state, where/why, running tasks with elapsed time, breakpoints, a hint."""
    now = status.now if now is None else now
    icon, style = _STATE_STYLE.get(status.state, ("?", "bold"))
    parts = [f"[{style}]{icon} {status.state}[/]"]
    if status.pause is not None:
        parts.append(escape(status.pause.describe()))
    if status.running:
        tasks = ", ".join(f"{'/'.join(r.path)} {duration((now - r.started) * 1e9, compact=True)}"
                          for r in sorted(status.running, key=lambda r: r.started))
        parts.append(f"running: {escape(tasks)}")
    if status.state == "interrupted":
        values = "; ".join(_short(v) for v in status.interrupts) or "interrupt_before/after"
        parts.append(f"asks: {escape(values)}")
    if status.state == "error" and status.error:
        parts.append(f"[red]{escape(status.error.splitlines()[0][:160])}[/]")
    marks = f"[red]●[/] {breakpoints} breakpoint{'s' if breakpoints != 1 else ''}"
    hint = _HINTS.get(status.state)
    tail = f"  [dim]│[/] {marks}" if breakpoints else ""
    return "  ".join(parts) + tail + (f"  [dim]· {hint}[/]" if hint else "")
