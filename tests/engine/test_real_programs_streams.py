"""What `values` and `updates` show for subgraphs with an output schema and for private
channels, as measured on LangGraph 1.2.22 with the same graphs."""

from __future__ import annotations

import operator
import re
from typing import Annotated, Any, TypedDict

import pytest
from pydantic import BaseModel, Field

from engine.graph import START, StateGraph
from engine.graph.message import add_messages
from engine.messages import USES_LANGCHAIN, AIMessage, AnyMessage, HumanMessage


class SubState(TypedDict):
    a: str
    z: str
    b: str


class SubOut(TypedDict):
    b: str
    a: str


class Parent(TypedDict):
    a: str
    b: str


class Overall(TypedDict):
    x: str


class Private(TypedDict):
    secret: str


def subgraph_parent() -> Any:
    sub = StateGraph(SubState, output_schema=SubOut)
    sub.add_node("s1", lambda s: {"z": "zz", "b": "bb", "a": s["a"] + "!"})
    sub.add_edge(START, "s1")
    parent = StateGraph(Parent)
    parent.add_node("sub", sub.compile())
    parent.add_edge(START, "sub")
    return parent.compile()


def private_channel_graph() -> Any:
    def n1(state: Overall) -> Private:
        return {"secret": "s"}

    def n2(state: Private) -> Overall:
        return {"x": state["secret"] + "x"}

    builder = StateGraph(Overall)
    builder.add_node("n1", n1)
    builder.add_node("n2", n2)
    builder.add_edge(START, "n1")
    builder.add_edge("n1", "n2")
    return builder.compile()


class TestSubgraphOutputSchema:
    """A subgraph run as a node streams only its output keys, in its output order."""

    def test_subgraph_chunks_show_output_keys_only(self) -> None:
        chunks = [(re.sub(r":.*", "", ns[0]) if ns else "", mode, data) for ns, mode, data in
                  subgraph_parent().stream({"a": "x"}, stream_mode=["values", "updates"],
                                           subgraphs=True)]
        assert chunks == [
            ("", "values", {"a": "x"}),
            ("sub", "values", {"a": "x"}),
            ("sub", "updates", {"s1": {"b": "bb", "a": "x!"}}),
            ("sub", "values", {"b": "bb", "a": "x!"}),
            ("", "updates", {"sub": {"b": "bb", "a": "x!"}}),
            ("", "values", {"a": "x!", "b": "bb"}),
        ]
        assert list(chunks[3][2]) == ["b", "a"]  # the output schema's order

    def test_the_subgraph_streamed_alone_shows_every_key(self) -> None:
        """Streamed as the root, the same graph shows all its channels."""
        sub = StateGraph(SubState, output_schema=SubOut)
        sub.add_node("s1", lambda s: {"z": "zz", "b": "bb", "a": s["a"] + "!"})
        sub.add_edge(START, "s1")
        chunks = list(sub.compile().stream({"a": "x"}, stream_mode="updates"))
        assert chunks == [{"s1": {"z": "zz", "b": "bb", "a": "x!"}}]


class TestPrivateChannels:
    """A channel declared by a node's return annotation appears in `values` (not in
    `invoke`'s output)."""

    def test_values_show_the_private_channel(self) -> None:
        graph = private_channel_graph()
        assert list(graph.stream({"x": "a"}, stream_mode=["values", "updates"])) == [
            ("values", {"x": "a"}),
            ("updates", {"n1": {"secret": "s"}}),
            ("values", {"x": "a", "secret": "s"}),
            ("updates", {"n2": {"x": "sx"}}),
            ("values", {"x": "sx", "secret": "s"}),
        ]
        assert graph.invoke({"x": "a"}) == {"x": "sx"}


class TestMessagesModeDedupe:
    """`messages` mode emits a returned message once, and never one a task was given."""

    @pytest.mark.skipif(not USES_LANGCHAIN, reason="a pydantic state of messages needs "
                        "langchain-core's (pydantic) message classes")
    def test_pydantic_state_input_messages_are_not_emitted(self) -> None:
        class State(BaseModel):
            messages: Annotated[list[AnyMessage], add_messages] = Field(default_factory=list)

        def echo(state: State) -> dict[str, Any]:
            # returns the whole history again plus one new message
            return {"messages": [*state.messages, AIMessage("new", id="n")]}

        builder = StateGraph(State)
        builder.add_node("echo", echo)
        builder.add_edge(START, "echo")
        graph = builder.compile()
        emitted = [m.id for m, _ in graph.stream(
            {"messages": [HumanMessage("hi", id="h")]}, stream_mode="messages")]
        assert emitted == ["n"]


class OverallState(TypedDict):
    foo: Annotated[int, operator.add]
    bar: str


class RouterState(TypedDict):
    baz: str


class TestBranchInputSchema:
    """A path function annotated with its own state type reads that schema's keys, which
    become channels (here `baz`, written by node_1 though OverallState lacks it)."""

    def test_router_reads_its_private_key(self) -> None:
        seen: list[dict[str, Any]] = []

        def node_1(state: OverallState) -> dict[str, Any]:
            return {"foo": 1, "baz": "meow"}

        def router(state: RouterState) -> str:
            seen.append(dict(state))
            return "node_2" if state["baz"] == "meow" else "__end__"

        builder = StateGraph(OverallState)
        builder.add_node("node_1", node_1)
        builder.add_node("node_2", lambda s: {"foo": 1, "bar": "done"})
        builder.add_conditional_edges("node_1", router)
        builder.add_edge(START, "node_1")
        assert builder.compile().invoke({"foo": 0}) == {"foo": 2, "bar": "done"}
        assert seen == [{"baz": "meow"}]
