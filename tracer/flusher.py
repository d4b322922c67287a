"""One daemon thread that writes out what open trace writers have held too long.

A writer flushes on its own when the events it gets make it worthwhile (step ends, run
ends, every 50 ms while events keep coming), which costs nothing extra per event. What
it cannot do on its own is notice that no event has come for a while: the events a
node emitted before a long call (a sleep, an LLM request) would wait for the next one.
This thread covers that gap for every writer of the process: it wakes every
`INTERVAL` while any writer is open and asks each one to flush what has waited
`INTERVAL` or more, so an event reaches the file within about two intervals. It holds
writers by weak reference only, starts with the first writer, and sleeps without
waking while none is open.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from typing import Protocol

INTERVAL = 0.05


class Flushable(Protocol):
    def flush_idle(self, now: float, idle: float) -> None:
        """Flush what has waited `idle` seconds or more at `now` (monotonic); never
        raise."""


class _Flusher:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._writers: weakref.WeakSet[Flushable] = weakref.WeakSet()
        self._thread: threading.Thread | None = None

    def register(self, writer: Flushable) -> None:
        with self._cond:
            self._writers.add(writer)
            self._cond.notify()
            if self._thread is not None and self._thread.is_alive():
                return
            # Started under the lock, so two first writers cannot start two threads (start()
            # returns before the thread first takes the lock).
            self._thread = threading.Thread(target=self._run, name="stepscope-trace-flusher",
                                            daemon=True)
            self._thread.start()

    def unregister(self, writer: Flushable) -> None:
        with self._cond:
            self._writers.discard(writer)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._writers:
                    self._cond.wait()
            self._flush_all()
            time.sleep(INTERVAL)

    def _flush_all(self) -> None:
        # A function of its own: its strong references to the writers end with it, so
        # none is held while the thread sleeps, and a dropped writer can be freed.
        with self._cond:
            writers = list(self._writers)
        now = time.monotonic()
        for writer in writers:
            try:
                writer.flush_idle(now, INTERVAL)
            except Exception:  # a writer's failure is its own; keep serving the others
                pass


FLUSHER = _Flusher()

if hasattr(os, "register_at_fork"):
    # A forked child has no flusher thread and must not flush its parent's writers (their
    # buffers would reach the file twice): it starts afresh, as an empty process.
    os.register_at_fork(after_in_child=FLUSHER._reset)
