"""The clock a run reads time through; inject a `FixedClock` for byte-identical traces."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SystemClock:
    """Real time: monotonic nanoseconds for durations, Unix nanoseconds for wall time."""

    def monotonic_ns(self) -> int:
        return time.perf_counter_ns()

    def unix_ns(self) -> int:
        return time.time_ns()


class FixedClock:
    """A deterministic clock: starts at `start_unix_ns` and advances `tick_ns` per reading."""

    def __init__(self, start_unix_ns: int = 1_767_225_600_000_000_000, tick_ns: int = 1000):
        self._now = 0
        self._start = start_unix_ns
        self._tick = tick_ns

    def monotonic_ns(self) -> int:
        self._now += self._tick
        return self._now

    def unix_ns(self) -> int:
        return self._start + self.monotonic_ns()


def iso_from_unix_ns(unix_ns: int) -> str:
    """ISO-8601 UTC with microseconds, as LangGraph's timestamps."""
    return datetime.fromtimestamp(unix_ns / 1e9, tz=UTC).isoformat()


DEFAULT_CLOCK = SystemClock()
