"""Family `subgraph_messages_*` (script s09): messages mode across subgraph levels."""

from __future__ import annotations

from functools import partial
from typing import Any

from engine.graph import START, StateGraph

from .capture import stream_items
from .chat import MessagesState, generic, human_input
from .registry import CHAT, register


def sub_llm(state: MessagesState) -> dict[str, Any]:
    model = generic("sub says hi").with_config(tags=["sub_tag"])
    return {"messages": [model.invoke(state["messages"])]}


def parent_llm(state: MessagesState) -> dict[str, Any]:
    return {"messages": [generic("parent ok").invoke(state["messages"])]}


def _leaf_graph() -> Any:
    return StateGraph(MessagesState).add_node(sub_llm).add_edge(START, "sub_llm").compile()


def build_two_levels() -> Any:
    """START -> parent_llm -> child, where child is a graph START -> sub_llm."""
    return (
        StateGraph(MessagesState)
        .add_node(parent_llm)
        .add_node("child", _leaf_graph())
        .add_edge(START, "parent_llm")
        .add_edge("parent_llm", "child")
        .compile()
    )


def build_three_levels() -> Any:
    """top node 'mid' = graph whose node 'inner' = graph whose node sub_llm calls the model."""
    mid = StateGraph(MessagesState).add_node("inner", _leaf_graph()).add_edge(START, "inner")
    return StateGraph(MessagesState).add_node("mid", mid.compile()).add_edge(START, "mid").compile()


def _run(factory: Any, **kwargs: Any) -> list[Any]:
    return stream_items(factory(), human_input("h1"), **kwargs)


for _name, _factory, _kwargs in (
    ("subgraph_messages_sub", build_two_levels, {"stream_mode": "messages", "subgraphs": True}),
    ("subgraph_messages_nosub", build_two_levels, {"stream_mode": "messages"}),
    (
        "subgraph_messages_updates_sub",
        build_two_levels,
        {"stream_mode": ["messages", "updates"], "subgraphs": True},
    ),
    (
        "subgraph_messages_3levels",
        build_three_levels,
        {"stream_mode": "messages", "subgraphs": True},
    ),
    ("subgraph_messages_3levels_nosub", build_three_levels, {"stream_mode": "messages"}),
):
    register(_name, partial(_run, _factory, **_kwargs), needs=CHAT)
