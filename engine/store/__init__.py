"""Long-term memory shared across threads (`langgraph.store`): `BaseStore`, `InMemoryStore`.

A graph compiled with `store=` hands it to every node and task that asks for a `store`
parameter (or reads `runtime.store`, or calls `get_store()`).
"""

from engine.store.base import (
    BaseStore,
    GetOp,
    InvalidNamespaceError,
    Item,
    ListNamespacesOp,
    PutOp,
    SearchItem,
    SearchOp,
)
from engine.store.memory import InMemoryStore

__all__ = [
    "BaseStore",
    "GetOp",
    "InMemoryStore",
    "InvalidNamespaceError",
    "Item",
    "ListNamespacesOp",
    "PutOp",
    "SearchItem",
    "SearchOp",
]
