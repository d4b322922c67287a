"""Node and task result caches (`langgraph.cache`): `BaseCache`, `InMemoryCache`, and the
`CachePolicy` a node or task opts in with."""

from engine.cache.base import BaseCache, CachePolicy, FullKey, Namespace, default_cache_key

__all__ = ["BaseCache", "CachePolicy", "FullKey", "Namespace", "default_cache_key"]
