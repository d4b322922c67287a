"""The loop's side of caching: a cached node's or call's outcome is looked up before it
runs and kept after it succeeds. Costs nothing for a node without a `CachePolicy`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.cache.base import BaseCache, CachePolicy, Namespace, key_text

if TYPE_CHECKING:
    from engine.pregel.task import Task

CACHE_NS = "__pregel_ns_writes"
"""The first label of every node's cache namespace."""


def namespace(name: str) -> Namespace:
    """The cache namespace of the node or task called `name`."""
    return (CACHE_NS, name)


def node_key(task: Task) -> tuple[Namespace, str]:
    policy: CachePolicy = task.node.cache_policy
    return namespace(task.name), key_text(policy.key_func(task.input))


def lookup(cache: BaseCache, task: Task) -> bool:
    """Give `task` its cached outcome, if the cache has one; True on a hit."""
    full = node_key(task)
    found = cache.get([full])
    if full not in found:
        return False
    writes, routes, result = found[full]
    task.writes = list(writes)
    task.routes = list(routes)
    task.result = result
    task.returned = True
    task.cached = True
    return True


def keep(cache: BaseCache, task: Task) -> None:
    """Cache a finished task's outcome (its writes, routes and reported result)."""
    policy: CachePolicy = task.node.cache_policy
    cache.set({node_key(task): ((list(task.writes), list(task.routes), task.result),
                                policy.ttl)})


def clear(cache: BaseCache | None, names: list[str]) -> None:
    if cache is not None:
        cache.clear([namespace(n) for n in names])
