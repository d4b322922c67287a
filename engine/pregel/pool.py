"""A process-wide pool of worker threads for sync tasks, grown on demand.

Threads are reused across runs (starting one per task would cost more than a trivial
node). A submit with no idle worker starts a new one, up to `MAX_WORKERS`; past that
`submit` returns False and the caller runs the job itself, so nested subgraphs that
wait on their own tasks can never starve the pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any

MAX_WORKERS = 256


class WorkerPool:
    """Idle workers wait on one job queue; a job is a no-argument callable."""

    def __init__(self, max_workers: int = MAX_WORKERS) -> None:
        self._jobs: SimpleQueue[Callable[[], Any]] = SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._threads = 0
        self._max = max_workers

    def submit(self, job: Callable[[], Any]) -> bool:
        """Run `job` on a worker; False if every worker is busy and none may be added."""
        with self._lock:
            if self._idle > 0:
                self._idle -= 1
                self._jobs.put(job)
                return True
            if self._threads >= self._max:
                return False
            self._threads += 1
        thread = threading.Thread(
            target=self._work, args=(job,), name=f"stepscope-worker-{self._threads}", daemon=True
        )
        thread.start()
        return True

    def _work(self, job: Callable[[], Any]) -> None:
        while True:
            try:
                job()
            except BaseException:  # jobs record their own outcome; never kill a worker
                pass
            with self._lock:
                self._idle += 1
            job = self._jobs.get()


POOL = WorkerPool()
