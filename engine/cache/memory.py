"""`InMemoryCache`: cached values in a dict, expired by the engine's clock."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from engine.cache.base import BaseCache, FullKey, Namespace
from engine.clock import DEFAULT_CLOCK, Clock


class InMemoryCache(BaseCache):
    """Values and their expiry times (ns on the clock's wall time; None: never)."""

    def __init__(self, *, clock: Clock | None = None, **_: Any) -> None:
        self._clock = clock or DEFAULT_CLOCK
        self._lock = threading.Lock()
        self._values: dict[Namespace, dict[str, tuple[Any, int | None]]] = {}

    def get(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        now = self._clock.unix_ns()
        found: dict[FullKey, Any] = {}
        with self._lock:
            for ns, key in keys:
                entry = self._values.get(ns, {}).get(key)
                if entry is None:
                    continue
                value, expires = entry
                if expires is not None and expires <= now:
                    del self._values[ns][key]
                    continue
                found[(ns, key)] = value
        return found

    def set(self, pairs: Mapping[FullKey, tuple[Any, int | None]]) -> None:
        now = self._clock.unix_ns()
        with self._lock:
            for (ns, key), (value, ttl) in pairs.items():
                expires = now + int(ttl * 1e9) if ttl is not None else None
                self._values.setdefault(ns, {})[key] = (value, expires)

    def clear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        with self._lock:
            if namespaces is None:
                self._values.clear()
            else:
                for ns in namespaces:
                    self._values.pop(tuple(ns), None)
