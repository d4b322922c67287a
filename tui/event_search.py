"""Searching a run's events for text, step by step, without Textual."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracer import Trace, TraceCorruptError


def event_text(kind: str, data: dict[str, Any]) -> str:
    """What a search matches against: the kind, the node name and the data's repr."""
    return f"{kind} {data.get('name') or ''} {data!r}"


def search_steps(trace: Trace, run: int, text: str,
                 cancelled: Callable[[], bool] = lambda: False) -> list[int]:
    """Steps of run `run` with an event whose text contains `text` (case-insensitive)."""
    needle = text.lower()
    found: list[int] = []
    if not needle:
        return found
    for step in trace.steps(run):
        if cancelled():
            break
        try:
            events = trace.step_events(step, run)
        except (TraceCorruptError, KeyError):
            continue
        if any(needle in event_text(e.kind, e.data).lower() for e in events):
            found.append(step)
    return found
