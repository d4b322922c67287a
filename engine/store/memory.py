"""`InMemoryStore`: a store kept in a dict, for tests and in-process memory.

Search matches a namespace prefix and an optional `filter` on the value's keys (a value,
or an operator dict with `$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`); there is no vector
index, so a `query` does not rank results and every score is None.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from engine.clock import DEFAULT_CLOCK, Clock
from engine.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    SearchItem,
    SearchOp,
)

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": operator.eq, "$ne": operator.ne, "$gt": operator.gt,
    "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le,
}


def matches(value: dict[str, Any], filter: dict[str, Any]) -> bool:
    """Whether a stored value passes a search filter."""
    for key, wanted in filter.items():
        actual = value.get(key)
        if isinstance(wanted, dict) and wanted and all(str(k).startswith("$") for k in wanted):
            for op, arg in wanted.items():
                compare = _OPERATORS.get(op)
                if compare is None:
                    raise ValueError(f"Unsupported operator: {op}")
                try:
                    if not compare(actual, arg):
                        return False
                except TypeError:
                    return False
        elif actual != wanted:
            return False
    return True


class InMemoryStore(BaseStore):
    """Every item of every namespace in one dict, guarded by a lock (nodes run in threads)."""

    def __init__(self, *, clock: Clock | None = None, **_: Any) -> None:
        self._items: dict[tuple[str, ...], dict[str, Item]] = {}
        self._lock = threading.Lock()
        self._clock = clock or DEFAULT_CLOCK

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.unix_ns() / 1e9, tz=UTC)

    def batch(self, ops: Iterable[Op]) -> list[Any]:
        with self._lock:
            return [self._apply(op) for op in ops]

    def _apply(self, op: Op) -> Any:
        if isinstance(op, GetOp):
            return self._items.get(op.namespace, {}).get(op.key)
        if isinstance(op, PutOp):
            return self._put(op)
        if isinstance(op, SearchOp):
            return self._search(op)
        return self._list_namespaces(op)

    def _put(self, op: PutOp) -> None:
        items = self._items.setdefault(op.namespace, {})
        if op.value is None:
            items.pop(op.key, None)
            if not items:
                del self._items[op.namespace]
            return
        now = self._now()
        old = items.get(op.key)
        items[op.key] = Item(value=op.value, key=op.key, namespace=op.namespace,
                             created_at=old.created_at if old else now, updated_at=now)

    def _search(self, op: SearchOp) -> list[SearchItem]:
        prefix = op.namespace_prefix
        found = [
            SearchItem(item.namespace, item.key, item.value, item.created_at, item.updated_at)
            for ns, items in self._items.items() if ns[:len(prefix)] == prefix
            for item in items.values()
            if op.filter is None or matches(item.value, op.filter)
        ]
        return found[op.offset:op.offset + op.limit]

    def _list_namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        out: set[tuple[str, ...]] = set()
        for ns in self._items:
            if op.prefix is not None and ns[:len(op.prefix)] != tuple(op.prefix):
                continue
            if op.suffix is not None and (len(ns) < len(op.suffix)
                                          or ns[len(ns) - len(op.suffix):] != tuple(op.suffix)):
                continue
            out.add(ns[:op.max_depth] if op.max_depth is not None else ns)
        return sorted(out)[op.offset:op.offset + op.limit]
