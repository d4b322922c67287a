"""The cache interface and the policy a node or `@task` is cached by.

A cached node's or task's outcome is kept under (namespace, key): the namespace names
the node, the key comes from its input through the policy's `key_func`.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Namespace = tuple[str, ...]
FullKey = tuple[Namespace, str]


def _freeze(obj: Any) -> Any:
    """A hashable, order-independent stand-in for `obj` (dicts and sets are sorted)."""
    if isinstance(obj, Mapping):
        return tuple(sorted(((k, _freeze(v)) for k, v in obj.items()), key=repr))
    if isinstance(obj, (list, tuple)):
        return tuple(_freeze(v) for v in obj)
    if isinstance(obj, (set, frozenset)):
        return tuple(sorted((_freeze(v) for v in obj), key=repr))
    return obj


def default_cache_key(*args: Any, **kwargs: Any) -> str | bytes:
    """The arguments, pickled (equal inputs give equal keys)."""
    return pickle.dumps((_freeze(args), _freeze(kwargs)), protocol=5, fix_imports=False)


@dataclass(frozen=True)
class CachePolicy:
    """Cache a node's (or task's) result: by `key_func(input)`, for `ttl` seconds
    (None: until cleared)."""

    key_func: Callable[..., str | bytes] = default_cache_key
    ttl: int | None = None


def key_text(key: str | bytes) -> str:
    return key.hex() if isinstance(key, bytes) else str(key)


class BaseCache:
    """Values under (namespace, key), with an optional time to live."""

    def get(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        raise NotImplementedError

    def set(self, pairs: Mapping[FullKey, tuple[Any, int | None]]) -> None:
        raise NotImplementedError

    def clear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        """Forget the namespaces' values (every value, without namespaces)."""
        raise NotImplementedError

    async def aget(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        return self.get(keys)

    async def aset(self, pairs: Mapping[FullKey, tuple[Any, int | None]]) -> None:
        self.set(pairs)

    async def aclear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        self.clear(namespaces)
