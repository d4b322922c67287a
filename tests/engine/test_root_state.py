"""Single-value (`__root__`) states, lists of updates, async path functions: expected
values are what LangGraph 1.2.22 does in the same cases (observed with small graphs;
LangGraph is not imported here)."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, Literal, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig
from engine.graph import START, StateGraph
from engine.types import Command, Send

from .graphs import model_in_model


def a_then_b() -> Any:
    def node_a(state: str) -> list[Command[Any]]:
        return [Command(update="a1"), Command(update="a2")]

    def node_b(state: str) -> str:
        return "b"

    return (StateGraph(Annotated[str, operator.add]).add_sequence([node_a, node_b])
            .add_edge(START, "node_a"))


class TestRootState:
    """The whole state is one value: nodes get it and return it, invoke returns it."""

    def test_invoke_and_streams(self) -> None:
        """invoke, values and updates show the value itself; several updates of one
        node show as a list; task results name the `__root__` key."""
        graph = a_then_b().compile()
        assert graph.invoke("x") == "xa1a2b"
        assert list(graph.stream("x", stream_mode="values")) == ["x", "xa1a2", "xa1a2b"]
        assert list(graph.stream("x", stream_mode="updates")) == [
            {"node_a": ["a1", "a2"]}, {"node_b": "b"}]
        results = [c["result"] for c in graph.stream("x", stream_mode="tasks")
                   if "result" in c]
        assert results == [{"__root__": {"$writes": ["a1", "a2"]}}, {"__root__": "b"}]

    def test_state_snapshot(self) -> None:
        """get_state's values are the value; its tasks' results too."""
        graph = a_then_b().compile(checkpointer=InMemorySaver())
        config: RunnableConfig = {"configurable": {"thread_id": "r"}}
        graph.invoke("x", config)
        assert graph.get_state(config).values == "xa1a2b"
        history = list(graph.get_state_history(config))
        assert [h.values for h in history] == ["xa1a2b", "xa1a2", "x", ""]
        assert [t.result for t in history[2].tasks] == [{"$writes": ["a1", "a2"]}]

    def test_last_value_root_and_none(self) -> None:
        """Without a reducer the value is replaced; a None return writes nothing."""
        graph = (StateGraph(str).add_node("shout", lambda s: s + "!")
                 .add_node("quiet", lambda s: None).add_edge(START, "shout")
                 .add_edge("shout", "quiet").compile())
        assert graph.invoke("hi") == "hi!"

    def test_sends_and_branches_on_a_list_state(self) -> None:
        """Sends carry the value; a Literal-typed branch routes after them."""

        def named(name: str) -> Any:
            def node(state: list[str]) -> list[str]:
                return [name]
            node.__name__ = name
            return node

        def fan(state: list[str]) -> list[Send]:
            return [Send("two", state), Send("two", state)]

        def to_three(state: list[str]) -> Literal["three"]:
            return "three"

        graph = (StateGraph(Annotated[list, operator.add])
                 .add_node(named("one")).add_node(named("two")).add_node(named("three"))
                 .add_edge(START, "one").add_conditional_edges("one", fan)
                 .add_conditional_edges("two", to_three).compile())
        assert graph.invoke(["0"]) == ["0", "one", "two", "two", "three"]


class TestUpdateLists:
    """A node may return a list holding Commands: each item is one update."""

    class S(TypedDict):
        foo: Annotated[str, operator.add]

    def test_commands_and_dicts_mixed(self) -> None:
        """Items apply in order; updates show each item's dict."""

        def node(state: Any) -> list[Any]:
            return [Command(update={"foo": "a"}), {"foo": "b"}]

        graph = StateGraph(self.S).add_node("n", node).add_edge(START, "n").compile()
        assert graph.invoke({"foo": ""}) == {"foo": "ab"}
        assert list(graph.stream({"foo": ""}, stream_mode="updates")) == [
            {"n": [{"foo": "a"}, {"foo": "b"}]}]

    def test_gotos_of_every_command(self) -> None:
        """Each Command's goto routes."""

        def node(state: Any) -> list[Any]:
            return [Command(goto="x"), Command(update={"foo": "n"}, goto="y")]

        graph = (StateGraph(self.S).add_node("n", node)
                 .add_node("x", lambda s: {"foo": "x"}).add_node("y", lambda s: {"foo": "y"})
                 .add_edge(START, "n").compile())
        assert graph.invoke({"foo": ""}) == {"foo": "nxy"}


class TestAsyncPathFunctions:
    """An async path function is awaited (async runs) or run to completion (sync)."""

    class S(TypedDict, total=False):
        log: Annotated[list[str], operator.add]

    def graph(self) -> Any:
        async def route(state: Any) -> str:
            await asyncio.sleep(0)
            return "b"

        return (StateGraph(self.S).add_node("a", lambda s: {"log": ["a"]})
                .add_node("b", lambda s: {"log": ["b"]})
                .add_conditional_edges(START, route, ["a", "b"])
                .add_conditional_edges("b", route, ["a", "b"]).compile())

    def test_async_run(self) -> None:
        """ainvoke awaits the path function: START → b, then b → b again."""
        chunks: list[Any] = []

        async def first_two() -> None:
            async for chunk in self.graph().astream({}, stream_mode="updates"):
                chunks.append(chunk)
                if len(chunks) == 2:
                    break

        asyncio.run(first_two())
        assert chunks == [{"b": {"log": ["b"]}}, {"b": {"log": ["b"]}}]

    def test_sync_run(self) -> None:
        """A sync run runs the coroutine to completion and routes alike."""
        chunks = []
        for chunk in self.graph().stream({}, stream_mode="updates"):
            chunks.append(chunk)
            if len(chunks) == 2:
                break
        assert chunks == [{"b": {"log": ["b"]}}, {"b": {"log": ["b"]}}]


class TestPydanticUpdates:
    """A node may return a pydantic model as its update."""

    def test_none_defaults_are_not_updates(self) -> None:
        """A field left at its None default writes nothing; a set one, or a non-None
        default, writes."""
        from pydantic import BaseModel

        class Update(BaseModel):
            a: str | None = None
            b: list[str] | None = None
            c: list[str] = ["c"]

        class T(TypedDict, total=False):
            a: str
            b: Annotated[list[str], operator.add]
            c: Annotated[list[str], operator.add]

        graph = (StateGraph(T).add_node("n", lambda s: Update(a="x"))
                 .add_edge(START, "n").compile())
        assert graph.invoke({"b": ["in"]}) == {"a": "x", "b": ["in"], "c": ["c"]}

    def test_subgraph_of_another_model(self) -> None:
        """A subgraph whose state is another pydantic model reads the parent's state
        object by its field names."""
        outer, _, _ = model_in_model()
        assert outer.invoke({"value": "x"}) == {"value": "x_out_in"}
