"""Supersteps: concurrency, deterministic write order, context access, bad input."""

from __future__ import annotations

import asyncio
import operator
import time
from typing import Annotated, TypedDict

import pytest

from engine.config import get_config, get_stream_writer
from engine.errors import InvalidUpdateError
from engine.graph import END, START, StateGraph

from .graphs import Joke, linear, sleepers


class TestConcurrency:
    """Tasks of one step run at the same time, in threads or asyncio tasks."""

    def test_sync_tasks_overlap(self) -> None:
        """Three 0.2 s nodes in one step take about 0.2 s, not 0.6 s."""
        graph = sleepers(0.2, 0.2, 0.2)
        start = time.perf_counter()
        out = graph.invoke({"log": []})
        assert time.perf_counter() - start < 0.45
        assert out["log"] == ["s0", "s1", "s2"]

    def test_write_order_is_path_order_not_completion(self) -> None:
        """The slowest node finishing first or last never changes the reducer's order."""
        out = sleepers(0.15, 0.0, 0.05).invoke({"log": []})
        assert out["log"] == ["s0", "s1", "s2"]

    def test_updates_come_in_completion_order(self) -> None:
        """`updates` chunks follow completion: the fast node's chunk comes first."""
        chunks = list(sleepers(0.2, 0.0).stream({"log": []}, stream_mode="updates"))
        assert [next(iter(c)) for c in chunks] == ["s1", "s0"]

    async def test_async_tasks_overlap(self) -> None:
        """Async nodes of one step run concurrently on the event loop."""

        class S(TypedDict):
            log: Annotated[list, operator.add]

        async def a(state: S) -> dict[str, list[str]]:
            await asyncio.sleep(0.2)
            return {"log": ["a"]}

        async def b(state: S) -> dict[str, list[str]]:
            await asyncio.sleep(0.2)
            return {"log": ["b"]}

        graph = (StateGraph(S).add_node(a).add_node(b)
                 .add_edge(START, "a").add_edge(START, "b").compile())
        start = time.perf_counter()
        out = await graph.ainvoke({"log": []})
        assert time.perf_counter() - start < 0.35
        assert out == {"log": ["a", "b"]}


class TestContext:
    """get_config and get_stream_writer work in nodes and in functions nodes call."""

    def test_helper_function_sees_the_task(self) -> None:
        """A helper called by a sync node reads the node's config and writes custom data."""

        def helper() -> str:
            get_stream_writer()({"from": "helper"})
            return str(get_config()["metadata"]["langgraph_node"])

        def node(state: Joke) -> dict[str, str]:
            return {"joke": helper()}

        graph = StateGraph(Joke).add_node(node).add_edge(START, "node").compile()
        chunks = list(graph.stream({"topic": "t"}, stream_mode=["custom", "values"]))
        assert ("custom", {"from": "helper"}) in chunks
        assert chunks[-1] == ("values", {"topic": "t", "joke": "node"})

    async def test_async_helper_sees_the_task(self) -> None:
        """The same from an async node, with no config passed by hand."""

        async def helper() -> str:
            await asyncio.sleep(0)
            get_stream_writer()("async-progress")
            return str(get_config()["metadata"]["langgraph_step"])

        async def node(state: Joke) -> dict[str, str]:
            return {"joke": await helper()}

        graph = StateGraph(Joke).add_node(node).add_edge(START, "node").compile()
        chunks = [c async for c in graph.astream({"topic": "t"}, stream_mode=["custom", "updates"])]
        assert chunks == [("custom", "async-progress"), ("updates", {"node": {"joke": "1"}})]

    def test_outside_a_run(self) -> None:
        """Outside a run both raise RuntimeError, as LangGraph does."""
        with pytest.raises(RuntimeError, match="outside of a runnable context"):
            get_stream_writer()
        with pytest.raises(RuntimeError, match="outside of a runnable context"):
            get_config()


class TestBadInput:
    """Bad graphs and bad values fail clearly, naming the problem."""

    def test_non_dict_return_names_node_and_value(self) -> None:
        """A node returning a list raises InvalidUpdateError showing the value and node."""

        def bad(state: Joke) -> list[int]:
            return [1, 2]

        graph = StateGraph(Joke).add_node(bad).add_edge(START, "bad").compile()
        with pytest.raises(InvalidUpdateError, match=r"Expected dict, got \[1, 2\]") as info:
            graph.invoke({"topic": "t"})
        assert "During task with name 'bad'" in info.value.__notes__[0]

    def test_unknown_stream_mode_lists_valid_ones(self) -> None:
        """An unknown stream_mode is a ValueError naming the valid modes."""
        with pytest.raises(ValueError, match="values, updates, checkpoints, tasks, debug"):
            list(linear().stream({"topic": "t"}, stream_mode="everything"))

    def test_reserved_characters_refused_at_build(self) -> None:
        """Node names with '|' or ':' are refused by add_node."""
        for name in ("a|b", "a:b"):
            with pytest.raises(ValueError, match="reserved character"):
                StateGraph(Joke).add_node(name, lambda s: s)

    def test_subgraph_cycle_refused(self) -> None:
        """A graph that contains itself (through a subgraph) is refused at compile."""
        builder = StateGraph(Joke).add_node("a", lambda s: {}).add_edge(START, "a")
        inner = builder.compile()
        builder.add_node("again", inner).add_edge("a", "again")
        with pytest.raises(ValueError, match="cannot contain itself"):
            builder.compile()

    def test_edge_to_unknown_node(self) -> None:
        """Compile names the unknown edge target."""
        builder = StateGraph(Joke).add_node("a", lambda s: {}).add_edge(START, "a")
        builder.add_edge("a", "ghost")
        with pytest.raises(ValueError, match="unknown node `ghost`"):
            builder.compile()

    def test_recursion_limit_zero(self) -> None:
        """recursion_limit below 1 is refused before the run starts."""
        with pytest.raises(ValueError, match="at least 1"):
            linear().invoke({"topic": "t"}, {"recursion_limit": 0})

    def test_end_edge_optional(self) -> None:
        """A node with no outgoing edge simply ends the run."""
        graph = (StateGraph(Joke).add_node("a", lambda s: {"joke": "j"})
                 .add_edge(START, "a").compile())
        assert graph.invoke({"topic": "t"}) == {"topic": "t", "joke": "j"}
        assert END == "__end__"
