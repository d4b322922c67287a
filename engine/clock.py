"""The clock a run reads time through; inject a `FixedClock` for byte-identical traces."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What a run reads time through (`invoke(..., clock=...)`): `SystemClock`, `FixedClock`
    or your own. A clock may also have `sleep(seconds)` and `async asleep(seconds)` for
    retry backoffs; without them, retries wait with `time.sleep` / `asyncio.sleep`."""

    def monotonic_ns(self) -> int:
        """Nanoseconds from an arbitrary start, never going back (durations)."""
        ...

    def unix_ns(self) -> int:
        """Nanoseconds since the Unix epoch (wall time, for timestamps and ids)."""
        ...


class SystemClock:
    """Real time: monotonic nanoseconds for durations, Unix nanoseconds for wall time."""

    def monotonic_ns(self) -> int:
        return time.perf_counter_ns()

    def unix_ns(self) -> int:
        return time.time_ns()

    def sleep(self, seconds: float) -> None:
        """Wait (a retry's backoff) in a sync task's thread."""
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        """Wait (a retry's backoff) in an async task."""
        await asyncio.sleep(seconds)


class FixedClock:
    """A deterministic clock: starts at `start_unix_ns` and advances `tick_ns` per reading.

    It never sleeps: a wait is recorded in `sleeps` and returns at once, without moving
    the clock (a jittered backoff would make the trace differ from run to run).
    """

    def __init__(self, start_unix_ns: int = 1_767_225_600_000_000_000, tick_ns: int = 1000):
        self._now = 0
        self._start = start_unix_ns
        self._tick = tick_ns
        self.sleeps: list[float] = []
        """Every wait asked for, in seconds, in order."""

    def monotonic_ns(self) -> int:
        self._now += self._tick
        return self._now

    def unix_ns(self) -> int:
        return self._start + self.monotonic_ns()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)  # still a suspension point, as a real wait is


class PausableClock(SystemClock):
    """Real time that stands still while a debugger holds the run (`pause`/`resume`):
    durations, token times and timestamps measure the run, not the person reading it.
    Wall time (`unix_ns`) goes on; sleeps are real (the system clock's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: tuple[int | None, int] = (None, 0)
        """(when the pause began, or None; nanoseconds paused before it), replaced as
        one tuple so a reader in another thread never sees half an update."""

    def monotonic_ns(self) -> int:
        paused_at, held = self._state
        return (time.perf_counter_ns() if paused_at is None else paused_at) - held

    def pause(self) -> None:
        with self._lock:
            paused_at, held = self._state
            if paused_at is None:
                self._state = (time.perf_counter_ns(), held)

    def resume(self) -> None:
        with self._lock:
            paused_at, held = self._state
            if paused_at is not None:
                self._state = (None, held + time.perf_counter_ns() - paused_at)

    @property
    def paused(self) -> bool:
        return self._state[0] is not None


def iso_from_unix_ns(unix_ns: int) -> str:
    """ISO-8601 UTC with microseconds, as LangGraph's timestamps."""
    return datetime.fromtimestamp(unix_ns / 1e9, tz=UTC).isoformat()


DEFAULT_CLOCK = SystemClock()
