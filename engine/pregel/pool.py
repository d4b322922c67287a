"""A process-wide pool of worker threads for sync tasks, grown on demand.

Threads are reused across runs (starting one per task would cost more than a trivial
node). Each idle worker waits on its own queue and a submit hands the job to one idle
worker directly: no queue ever has more than one waiting thread. (With one queue shared
by many waiting workers, a burst of puts was seen to leave jobs queued while every
worker stayed blocked.) With no idle worker a new one starts, up to `MAX_WORKERS`;
past that `submit` returns False and the caller runs the job itself, so nested
subgraphs that wait on their own tasks can never starve the pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any

MAX_WORKERS = 256


class _Worker:
    __slots__ = ("inbox",)

    def __init__(self) -> None:
        self.inbox: SimpleQueue[Callable[[], Any]] = SimpleQueue()


class WorkerPool:
    """Idle workers on a stack; a job is a no-argument callable that records its outcome."""

    def __init__(self, max_workers: int = MAX_WORKERS) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._threads = 0
        self._max = max_workers

    def submit(self, job: Callable[[], Any]) -> bool:
        """Run `job` on a worker; False if every worker is busy and none may be added."""
        with self._lock:
            if self._idle:
                worker = self._idle.pop()
            elif self._threads >= self._max:
                return False
            else:
                self._threads += 1
                worker = None
        if worker is not None:
            worker.inbox.put(job)
            return True
        thread = threading.Thread(target=self._work, args=(_Worker(), job),
                                  name=f"stepscope-worker-{self._threads}", daemon=True)
        thread.start()
        return True

    def _work(self, worker: _Worker, job: Callable[[], Any]) -> None:
        while True:
            try:
                job()
            except BaseException:  # jobs record their own outcome; never kill a worker
                pass
            del job  # drop the reference while idle
            with self._lock:
                self._idle.append(worker)
            job = worker.inbox.get()


POOL = WorkerPool()
