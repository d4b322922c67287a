"""Extras (script s13): Command.PARENT, interrupts inside a subgraph, message ids, add_sequence."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, StateGraph
from engine.types import Command, interrupt

from .capture import stream_items, thread
from .chat import MessagesState, human_input
from .registry import MESSAGES, register

UPDATES_VALUES = ["updates", "values"]


class S(TypedDict):
    log: Annotated[list, operator.add]


def sub_node(state: S):
    return Command(graph=Command.PARENT, goto="other", update={"log": ["from_sub"]})


def other(state: S) -> dict[str, Any]:
    return {"log": ["other"]}


def ask(state: S) -> dict[str, Any]:
    answer = interrupt("sub question")
    return {"log": [f"ans={answer}"]}


def s1(state: S) -> dict[str, Any]:
    return {"log": ["s1"]}


def s2(state: S) -> dict[str, Any]:
    return {"log": ["s2"]}


def build_parent_command() -> Any:
    """Parent START -> child (subgraph whose sub_node jumps to the parent's `other`)."""
    sub = StateGraph(S).add_node(sub_node).add_edge(START, "sub_node").compile()
    return StateGraph(S).add_node("child", sub).add_node(other).add_edge(START, "child").compile()


def build_sub_interrupt() -> Any:
    """Parent START -> child (subgraph START -> ask, which interrupts); InMemorySaver."""
    sub = StateGraph(S).add_node(ask).add_edge(START, "ask").compile()
    return (
        StateGraph(S)
        .add_node("child", sub)
        .add_edge(START, "child")
        .compile(checkpointer=InMemorySaver())
    )


def respond(state: MessagesState) -> dict[str, Any]:
    from engine.messages import AIMessage

    return {"messages": [AIMessage(content="no id")]}


def command_parent_from_subgraph() -> list[Any]:
    return stream_items(
        build_parent_command(),
        {"log": []},
        stream_mode=["updates", "values", "tasks"],
        subgraphs=True,
    )


def _sub_interrupt_run1(graph: Any) -> list[Any]:
    return stream_items(
        graph, {"log": []}, thread("si"), stream_mode=UPDATES_VALUES, subgraphs=True
    )


def subgraph_interrupt_run1() -> list[Any]:
    return _sub_interrupt_run1(build_sub_interrupt())


def subgraph_interrupt_state() -> list[Any]:
    graph = build_sub_interrupt()
    _sub_interrupt_run1(graph)
    return [graph.get_state(thread("si"), subgraphs=True)]


def subgraph_interrupt_resume() -> list[Any]:
    graph = build_sub_interrupt()
    _sub_interrupt_run1(graph)
    return stream_items(
        graph, Command(resume="42"), thread("si"), stream_mode=UPDATES_VALUES, subgraphs=True
    )


def subgraph_interrupt_nosub() -> list[Any]:
    graph = build_sub_interrupt()
    return stream_items(graph, {"log": []}, thread("si2"), stream_mode=UPDATES_VALUES)


def messages_id_assignment() -> list[Any]:
    graph = StateGraph(MessagesState).add_node(respond).add_edge(START, "respond").compile()
    return stream_items(graph, human_input("h1"), stream_mode=["messages", "values"])


def add_sequence() -> list[Any]:
    graph = StateGraph(S).add_sequence([s1, s2]).add_edge(START, "s1").compile()
    return stream_items(graph, {"log": []}, stream_mode="updates")


for _fn in (
    command_parent_from_subgraph,
    subgraph_interrupt_run1,
    subgraph_interrupt_state,
    subgraph_interrupt_resume,
    subgraph_interrupt_nosub,
    add_sequence,
):
    register(_fn.__name__, _fn)
register("messages_id_assignment", messages_id_assignment, needs=MESSAGES)
