"""`InMemorySaver`: checkpoints kept in a dict, for interrupts and time travel in-process."""

from __future__ import annotations

import threading

from engine.checkpoint.base import BaseCheckpointSaver, CheckpointRecord


class InMemorySaver(BaseCheckpointSaver):
    """Keeps every checkpoint of every thread in memory."""

    def __init__(self) -> None:
        self._store: dict[tuple[str, str], list[CheckpointRecord]] = {}
        self._lock = threading.Lock()

    def put(self, record: CheckpointRecord) -> None:
        with self._lock:
            self._store.setdefault((record.thread_id, record.checkpoint_ns), []).append(record)

    def get(
        self, thread_id: str, ns: str, checkpoint_id: str | None = None
    ) -> CheckpointRecord | None:
        with self._lock:
            records = self._store.get((thread_id, ns))
            if not records:
                return None
            if checkpoint_id is None:
                return records[-1]
            for record in records:
                if record.id == checkpoint_id:
                    return record
            return None

    def history(self, thread_id: str, ns: str) -> list[CheckpointRecord]:
        with self._lock:
            return list(reversed(self._store.get((thread_id, ns), [])))

    def delete_thread(self, thread_id: str) -> None:
        with self._lock:
            for key in [k for k in self._store if k[0] == thread_id]:
                del self._store[key]


MemorySaver = InMemorySaver
