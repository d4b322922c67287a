"""Node and task caching (`compile(cache=)`, `CachePolicy`); the expected streams are
LangGraph 1.2.22's for the same graphs (observed on it)."""

from __future__ import annotations

from typing import Any, TypedDict

from engine.cache.memory import InMemoryCache
from engine.checkpoint.memory import InMemorySaver
from engine.func import entrypoint, task
from engine.graph import START, StateGraph
from engine.types import CachePolicy


class S(TypedDict):
    x: int


class ManualClock:
    """Wall time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now_ns = 1_767_225_600_000_000_000

    def monotonic_ns(self) -> int:
        return self.now_ns

    def unix_ns(self) -> int:
        return self.now_ns


def counting_graph(policy: CachePolicy | None, cache: InMemoryCache) -> tuple[Any, list[int]]:
    calls: list[int] = []

    def double(state: S) -> S:
        calls.append(state["x"])
        return {"x": state["x"] * 2}

    builder = StateGraph(S).add_node("double", double, cache_policy=policy)
    return builder.add_edge(START, "double").compile(cache=cache), calls


class TestNodeCache:
    def test_a_hit_skips_the_node_and_is_marked_in_updates(self) -> None:
        graph, calls = counting_graph(CachePolicy(), InMemoryCache())
        assert list(graph.stream({"x": 2})) == [{"double": {"x": 4}}]
        assert list(graph.stream({"x": 2})) == [
            {"double": {"x": 4}, "__metadata__": {"cached": True}}]
        assert graph.invoke({"x": 3}) == {"x": 6}
        assert calls == [2, 3]

    def test_clear_cache_runs_the_node_again(self) -> None:
        graph, calls = counting_graph(CachePolicy(), InMemoryCache())
        graph.invoke({"x": 1})
        graph.clear_cache()
        graph.invoke({"x": 1})
        assert calls == [1, 1]

    def test_key_func_and_ttl(self) -> None:
        clock = ManualClock()
        cache = InMemoryCache(clock=clock)
        policy = CachePolicy(key_func=lambda state: str(state["x"] % 2), ttl=10)
        graph, calls = counting_graph(policy, cache)
        assert graph.invoke({"x": 1}) == {"x": 2}
        assert graph.invoke({"x": 3}) == {"x": 2}  # same key: the cached outcome
        clock.now_ns += 11 * 10**9
        assert graph.invoke({"x": 3}) == {"x": 6}
        assert calls == [1, 3]

    def test_without_a_policy_nothing_is_cached(self) -> None:
        graph, calls = counting_graph(None, InMemoryCache())
        graph.invoke({"x": 1})
        graph.invoke({"x": 1})
        assert calls == [1, 1]


class TestTaskCache:
    def test_cached_calls_across_threads_and_clear(self) -> None:
        cache = InMemoryCache()
        calls: list[int] = []

        @task(cache_policy=CachePolicy())
        def double(x: int) -> int:
            calls.append(x)
            return 2 * x

        @entrypoint(checkpointer=InMemorySaver(), cache=cache)
        def wf(xs: list[int]) -> list[int]:
            return [double(x).result() for x in xs]

        assert wf.invoke([1, 1, 2], {"configurable": {"thread_id": "a"}}) == [2, 2, 4]
        assert list(wf.stream([2], {"configurable": {"thread_id": "b"}})) == [
            {"double": 4, "__metadata__": {"cached": True}}, {"wf": [4]}]
        assert calls == [1, 2]
        double.clear_cache(cache)
        wf.invoke([1], {"configurable": {"thread_id": "c"}})
        assert calls == [1, 2, 1]
