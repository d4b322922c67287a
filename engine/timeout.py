"""Node timeouts: `TimeoutPolicy` and the watch that enforces it on an async attempt.

Behaviour follows LangGraph 1.2.22 (observed, see tests/engine/test_node_timeout.py):

- `run_timeout` caps one attempt's wall-clock time; `idle_timeout` caps the time an
  attempt goes without progress. Progress is a custom-stream write, a model token or a
  `runtime.heartbeat()` (`refresh_on="auto"`), or the heartbeat alone
  (`refresh_on="heartbeat"`);
- a timed-out attempt is cancelled and fails with `NodeTimeoutError`, which the default
  retry policy retries; what the attempt wrote is dropped with it;
- only async nodes (and subgraphs) can be timed: sync Python cannot be cancelled, so a
  timeout on a sync node is refused when the graph compiles.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, TypeVar

from engine.errors import NodeTimeoutError

T = TypeVar("T")

RefreshOn = Literal["auto", "heartbeat"]

_SYNC_PREFIX = ("Node timeouts are only supported for async nodes because sync Python "
                "execution cannot be safely cancelled in-process.")


def _seconds(value: float | timedelta | None, field: str) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds <= 0:
        raise ValueError(f"{field} must be greater than 0")
    return seconds


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeoutPolicy:
    """How long one attempt of a node may run (`run_timeout`) and may go without
    progress (`idle_timeout`), in seconds or as timedeltas."""

    run_timeout: float | timedelta | None = None
    idle_timeout: float | timedelta | None = None
    refresh_on: RefreshOn = "auto"
    """What counts as progress for `idle_timeout`: any signal, or heartbeats only."""

    @classmethod
    def coerce(cls, value: float | timedelta | TimeoutPolicy | None) -> TimeoutPolicy | None:
        """A policy with positive float seconds (a number or timedelta is a
        `run_timeout`), None for no timeout; ValueError for a non-positive one."""
        if value is None:
            return None
        policy = value if isinstance(value, TimeoutPolicy) else cls(run_timeout=value)
        if policy.refresh_on not in ("auto", "heartbeat"):
            raise ValueError("refresh_on must be 'auto' or 'heartbeat'")
        run = _seconds(policy.run_timeout, "run_timeout")
        idle = _seconds(policy.idle_timeout, "idle_timeout")
        if run is None and idle is None:
            return None
        return cls(run_timeout=run, idle_timeout=idle, refresh_on=policy.refresh_on)


def sync_timeout_unsupported(name: str, kind: str = "Node") -> ValueError:
    """The error for a timeout on something that runs synchronously."""
    return ValueError(f"{_SYNC_PREFIX} {kind} {name!r} is sync.")


class AttemptClock:
    """The progress marks of one timed attempt (what `heartbeat` and writes touch)."""

    __slots__ = ("heartbeats_only", "last_progress")

    def __init__(self, policy: TimeoutPolicy) -> None:
        self.last_progress = time.monotonic()
        self.heartbeats_only = policy.refresh_on == "heartbeat"

    def progress(self) -> None:
        """A progress signal other than a heartbeat (a write, a token)."""
        if not self.heartbeats_only:
            self.last_progress = time.monotonic()

    def heartbeat(self) -> None:
        self.last_progress = time.monotonic()


async def run_timed(node: str, policy: TimeoutPolicy, marks: AttemptClock,
                    start: Callable[[], Awaitable[T]]) -> T:
    """Await `start()` as its own asyncio task; cancel it and raise NodeTimeoutError when
    it runs past `policy`. Real time is used: an injected clock may stand still."""
    job: asyncio.Future[T] = asyncio.ensure_future(start())
    began = time.monotonic()
    run = _float(policy.run_timeout)
    idle = _float(policy.idle_timeout)
    try:
        while True:
            now = time.monotonic()
            deadlines = []
            if run is not None:
                deadlines.append(began + run)
            if idle is not None:
                deadlines.append(marks.last_progress + idle)
            wait = max(0.0, min(deadlines) - now)
            done, _ = await asyncio.wait({job}, timeout=wait)
            if done:
                return job.result()
            now = time.monotonic()
            if run is not None and now - began >= run:
                raise NodeTimeoutError(node, now - began, kind="run", run_timeout=run,
                                       idle_timeout=idle)
            if idle is not None and now - marks.last_progress >= idle:
                raise NodeTimeoutError(node, now - began, kind="idle", run_timeout=run,
                                       idle_timeout=idle)
    finally:
        if not job.done():
            job.cancel()
            await asyncio.wait({job})


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
