"""`InMemoryStore` and its injection into nodes and tasks; the expected values are what
LangGraph 1.2.22's InMemoryStore returns for the same calls (observed on it)."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig, get_store
from engine.func import entrypoint, task
from engine.graph import START, StateGraph
from engine.store import BaseStore, InMemoryStore, InvalidNamespaceError


def filled() -> InMemoryStore:
    store = InMemoryStore()
    store.put(("a", "b"), "k1", {"x": 1})
    store.put(("a", "c"), "k2", {"x": 2, "y": "z"})
    store.put(("a",), "k3", {"x": 3})
    return store


class TestInMemoryStore:
    """The verbs, on namespaces given as tuples of labels."""

    def test_get_returns_the_item_or_none(self) -> None:
        store = filled()
        item = store.get(("a", "b"), "k1")
        assert item is not None
        assert (item.namespace, item.key, item.value) == (("a", "b"), "k1", {"x": 1})
        assert item.created_at <= item.updated_at
        assert store.get(("a", "b"), "nope") is None

    def test_search_by_prefix_in_insertion_order(self) -> None:
        found = filled().search(("a",))
        assert [(i.namespace, i.key, i.score) for i in found] == [
            (("a", "b"), "k1", None), (("a", "c"), "k2", None), (("a",), "k3", None)]

    def test_search_filters_limit_offset(self) -> None:
        store = filled()
        assert [i.key for i in store.search(("a",), filter={"x": 2})] == ["k2"]
        assert [i.key for i in store.search(("a",), filter={"x": {"$gt": 1}})] == ["k2", "k3"]
        assert [i.key for i in store.search(("a",), limit=1, offset=1)] == ["k2"]

    def test_an_unknown_filter_operator_is_an_error(self) -> None:
        with pytest.raises(ValueError, match=r"Unsupported operator: \$in"):
            filled().search(("a",), filter={"x": {"$in": [1]}})

    def test_a_query_without_an_index_ranks_nothing(self) -> None:
        assert [(i.key, i.score) for i in filled().search(("a",), query="x")] == [
            ("k1", None), ("k2", None), ("k3", None)]

    def test_list_namespaces(self) -> None:
        store = filled()
        assert store.list_namespaces() == [("a",), ("a", "b"), ("a", "c")]
        assert store.list_namespaces(prefix=("a",), max_depth=1) == [("a",)]

    def test_overwrite_keeps_created_at_and_delete_removes(self) -> None:
        store = filled()
        first = store.get(("a", "b"), "k1")
        store.put(("a", "b"), "k1", {"x": 9})
        again = store.get(("a", "b"), "k1")
        assert first is not None and again is not None
        assert again.value == {"x": 9} and again.created_at == first.created_at
        store.delete(("a", "b"), "k1")
        assert store.get(("a", "b"), "k1") is None

    @pytest.mark.parametrize("namespace", [(), ("a.b",), ("langgraph",), ("",)])
    def test_invalid_namespaces(self, namespace: tuple[str, ...]) -> None:
        with pytest.raises(InvalidNamespaceError):
            InMemoryStore().put(namespace, "k", {})

    def test_async_verbs(self) -> None:
        async def main() -> Any:
            store = InMemoryStore()
            await store.aput(("n",), "k", {"v": 1})
            item = await store.aget(("n",), "k")
            return item.value if item else None, len(await store.asearch(("n",)))

        assert asyncio.run(main()) == ({"v": 1}, 1)


class Count(TypedDict):
    count: Annotated[int, operator.add]


class TestInjection:
    """A graph's store reaches the nodes and tasks that ask for it."""

    def test_node_gets_the_store_by_parameter_and_get_store(self) -> None:
        store = InMemoryStore()

        def node(state: Count, store: BaseStore) -> dict[str, int]:
            store.put(("seen",), "n", {"count": state["count"]})
            assert get_store() is store
            return {"count": 1}

        graph = (StateGraph(Count).add_node("node", node).add_edge(START, "node")
                 .compile(store=store))
        assert graph.invoke({"count": 4}) == {"count": 5}
        item = store.get(("seen",), "n")
        assert item is not None and item.value == {"count": 4}

    def test_one_store_across_threads_in_a_batch(self) -> None:
        """`batch` runs each input with its own config; the store is shared by all."""
        store = InMemoryStore()

        def node(state: Count, config: RunnableConfig, store: BaseStore) -> dict[str, int]:
            thread_id = config["configurable"]["thread_id"]
            store.put(("threads",), thread_id, {"count": state["count"]})
            return {"count": 1}

        graph = (StateGraph(Count).add_node("node", node).add_edge(START, "node")
                 .compile(store=store, checkpointer=InMemorySaver()))
        configs: list[RunnableConfig] = [{"configurable": {"thread_id": t}} for t in "ab"]
        assert graph.batch([{"count": 1}, {"count": 2}], configs) == [{"count": 2},
                                                                      {"count": 3}]
        assert sorted((i.key, i.value["count"]) for i in store.search(("threads",))) == [
            ("a", 1), ("b", 2)]
        assert asyncio.run(graph.abatch([{"count": 0}], configs[0])) == [{"count": 3}]

    def test_task_gets_the_entrypoint_store_unless_passed(self) -> None:
        store = InMemoryStore()
        seen = []

        @task
        def probe(store: BaseStore | None = None) -> None:
            seen.append(store)

        @entrypoint(store=store)
        def main(_: Any, store: BaseStore) -> str:
            assert store is not None
            probe().result()
            probe(store=None).result()
            return "ok"

        assert main.invoke({}) == "ok"
        assert seen == [store, None]
