"""A real `TraceWriter` fed a recorded run one event at a time, for tests of live traces.

The run is captured first (`record_events`), so what a reader sees at each point is
decided by the test, not by thread timing: after `feed_until` returns, the file holds
exactly the events fed so far, flushed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import capture_events
from engine.clock import FixedClock
from engine.events import Event
from tracer import TraceWriter


def record_events(run: Callable[[FixedClock], Any]) -> list[Event]:
    """Every event of the runs `run(clock)` starts (a raised ValueError is the run's end)."""
    with capture_events() as events:
        try:
            run(FixedClock())
        except ValueError:
            pass
    return list(events)


class LiveWriter:
    """Writes `events` to `path` through a TraceWriter, as far as the test asks."""

    def __init__(self, path: Path, events: list[Event]) -> None:
        self.writer = TraceWriter(path)
        self.events = events
        self.fed = 0

    def feed_until(self, kind: str, step: int | None = None,
                   ns: tuple[str, ...] | None = ()) -> Event:
        """Write events up to and including the next one of `kind` (in `step` and `ns`
        when given; ns=None: any namespace), then flush; return that event."""
        while self.fed < len(self.events):
            event = self.events[self.fed]
            self.fed += 1
            self.writer(event)
            if event.kind == kind and (step is None or event.step == step) and (
                    ns is None or event.ns == ns):
                self.writer.flush()
                return event
        raise AssertionError(f"no {kind} event (step {step}, ns {ns}) left to write")

    def feed(self, events: list[Event]) -> None:
        """Write other events (another run into the same file), then flush."""
        for event in events:
            self.writer(event)
        self.writer.flush()

    def finish(self) -> None:
        """Write the rest of the run and close the file (index and footer)."""
        for event in self.events[self.fed:]:
            self.writer(event)
        self.fed = len(self.events)
        self.writer.close()
