"""The store interface: items under namespaces (tuples of labels), read and written by key.

A store implements one method, `batch(ops)`; every other verb (get, put, search, delete,
list_namespaces and their async twins) is one operation handed to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple


class InvalidNamespaceError(ValueError):
    """A namespace that is empty, has an empty or dotted label, or starts with "langgraph"."""


class Item:
    """A stored value with its key, namespace and timestamps."""

    __slots__ = ("created_at", "key", "namespace", "updated_at", "value")

    def __init__(self, *, value: dict[str, Any], key: str, namespace: tuple[str, ...],
                 created_at: datetime, updated_at: datetime) -> None:
        self.value = value
        self.key = key
        self.namespace = tuple(namespace)
        self.created_at = created_at
        self.updated_at = updated_at

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Item):
            return NotImplemented
        return self.dict() == other.dict()

    def __hash__(self) -> int:
        return hash((self.namespace, self.key))

    def dict(self) -> dict[str, Any]:
        return {"namespace": list(self.namespace), "key": self.key, "value": self.value,
                "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat()}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.dict().items())
        return f"{type(self).__name__}({fields})"


class SearchItem(Item):
    """An item found by `search`, with its relevance `score` (None without a query index)."""

    __slots__ = ("score",)

    def __init__(self, namespace: tuple[str, ...], key: str, value: dict[str, Any],
                 created_at: datetime, updated_at: datetime,
                 score: float | None = None) -> None:
        super().__init__(value=value, key=key, namespace=namespace, created_at=created_at,
                         updated_at=updated_at)
        self.score = score

    def dict(self) -> dict[str, Any]:
        return {**super().dict(), "score": self.score}


class GetOp(NamedTuple):
    namespace: tuple[str, ...]
    key: str
    refresh_ttl: bool = True


class SearchOp(NamedTuple):
    namespace_prefix: tuple[str, ...]
    filter: dict[str, Any] | None = None
    limit: int = 10
    offset: int = 0
    query: str | None = None
    refresh_ttl: bool = True


class PutOp(NamedTuple):
    """A write; `value=None` deletes the item."""

    namespace: tuple[str, ...]
    key: str
    value: dict[str, Any] | None
    index: Any = None
    ttl: float | None = None


class ListNamespacesOp(NamedTuple):
    prefix: tuple[str, ...] | None = None
    suffix: tuple[str, ...] | None = None
    max_depth: int | None = None
    limit: int = 100
    offset: int = 0


Op = GetOp | SearchOp | PutOp | ListNamespacesOp


def validate_namespace(namespace: tuple[str, ...]) -> None:
    """Raise InvalidNamespaceError with LangGraph's messages for a namespace one may not write."""
    if not namespace:
        raise InvalidNamespaceError("Namespace cannot be empty.")
    for label in namespace:
        if not isinstance(label, str):
            raise InvalidNamespaceError(
                f"Namespace labels must be strings, but got {type(label).__name__}.")
        if "." in label:
            raise InvalidNamespaceError(
                f"Invalid namespace label '{label}' found in {namespace}. Namespace labels "
                "cannot contain periods ('.').")
        if not label:
            raise InvalidNamespaceError(
                f"Namespace labels cannot be empty strings. Got {label} in {namespace}")
    if namespace[0] == "langgraph":
        raise InvalidNamespaceError(
            f'Root label for namespace cannot be "langgraph". Got: {namespace}')


class BaseStore:
    """A key-value store with namespaces; subclasses implement `batch`."""

    supports_ttl: bool = False

    def batch(self, ops: Iterable[Op]) -> list[Any]:
        raise NotImplementedError

    async def abatch(self, ops: Iterable[Op]) -> list[Any]:
        return await asyncio.to_thread(self.batch, list(ops))

    # -- sync verbs ----------------------------------------------------------------------
    def get(self, namespace: tuple[str, ...], key: str, *,
            refresh_ttl: bool | None = None) -> Item | None:
        result: Item | None = self.batch([GetOp(tuple(namespace), str(key))])[0]
        return result

    def search(self, namespace_prefix: tuple[str, ...], /, *, query: str | None = None,
               filter: dict[str, Any] | None = None, limit: int = 10, offset: int = 0,
               refresh_ttl: bool | None = None) -> list[SearchItem]:
        op = SearchOp(tuple(namespace_prefix), filter, limit, offset, query)
        result: list[SearchItem] = self.batch([op])[0]
        return result

    def put(self, namespace: tuple[str, ...], key: str, value: Mapping[str, Any],
            index: Any = None, *, ttl: float | None = None) -> None:
        validate_namespace(tuple(namespace))
        self.batch([PutOp(tuple(namespace), str(key), dict(value), index, ttl)])

    def delete(self, namespace: tuple[str, ...], key: str) -> None:
        self.batch([PutOp(tuple(namespace), str(key), None)])

    def list_namespaces(self, *, prefix: tuple[str, ...] | None = None,
                        suffix: tuple[str, ...] | None = None, max_depth: int | None = None,
                        limit: int = 100, offset: int = 0) -> list[tuple[str, ...]]:
        op = ListNamespacesOp(prefix, suffix, max_depth, limit, offset)
        result: list[tuple[str, ...]] = self.batch([op])[0]
        return result

    # -- async verbs ---------------------------------------------------------------------
    async def aget(self, namespace: tuple[str, ...], key: str, *,
                   refresh_ttl: bool | None = None) -> Item | None:
        return self.get(namespace, key)

    async def asearch(self, namespace_prefix: tuple[str, ...], /, *, query: str | None = None,
                      filter: dict[str, Any] | None = None, limit: int = 10, offset: int = 0,
                      refresh_ttl: bool | None = None) -> list[SearchItem]:
        return self.search(namespace_prefix, query=query, filter=filter, limit=limit,
                           offset=offset)

    async def aput(self, namespace: tuple[str, ...], key: str, value: Mapping[str, Any],
                   index: Any = None, *, ttl: float | None = None) -> None:
        self.put(namespace, key, value, index, ttl=ttl)

    async def adelete(self, namespace: tuple[str, ...], key: str) -> None:
        self.delete(namespace, key)

    async def alist_namespaces(self, *, prefix: tuple[str, ...] | None = None,
                               suffix: tuple[str, ...] | None = None,
                               max_depth: int | None = None, limit: int = 100,
                               offset: int = 0) -> list[tuple[str, ...]]:
        return self.list_namespaces(prefix=prefix, suffix=suffix, max_depth=max_depth,
                                    limit=limit, offset=offset)
