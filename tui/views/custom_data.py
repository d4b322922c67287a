"""The custom events view's model: what nodes wrote with their stream writer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.events import Event
from tui.views.values import inline


@dataclass(frozen=True)
class CustomRow:
    """One custom event: when (ns since the run started), in which step and node."""

    t: int
    step: int
    node: str
    task_id: str
    payload: Any

    @property
    def text(self) -> str:
        return inline(self.payload, 200)


def custom_rows(events: Iterable[Event]) -> list[CustomRow]:
    """The custom events among `events`, in seq order."""
    rows = [(e.seq, CustomRow(e.t, e.step, e.data.get("name") or "?",
                              e.data.get("task_id") or "", e.data.get("payload")))
            for e in events if e.kind == "custom"]
    return [row for _, row in sorted(rows, key=lambda r: r[0])]


def clock(t: int) -> str:
    """ns since the run started as seconds with millisecond precision: `+1.234 s`."""
    return f"+{t / 1e9:.3f} s"
