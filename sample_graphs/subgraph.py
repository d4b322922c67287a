"""A parent graph with a subgraph node (the seed's subgraph example).

Shows: a compiled graph used as a node, its own supersteps under the namespace
`node_2:<task id>`, a private key (`bar`) that never reaches the parent, and custom
data written inside the subgraph.

    stepscope run sample_graphs/subgraph.py
"""

from __future__ import annotations

from typing import TypedDict

from engine.config import get_stream_writer
from engine.graph import START, StateGraph


class SubgraphState(TypedDict):
    foo: str
    bar: str


def subgraph_node_1(state: SubgraphState) -> dict[str, str]:
    get_stream_writer()({"from": "subgraph_node_1"})
    return {"bar": "bar"}


def subgraph_node_2(state: SubgraphState) -> dict[str, str]:
    return {"foo": state["foo"] + state["bar"]}


subgraph = (
    StateGraph(SubgraphState)
    .add_node(subgraph_node_1)
    .add_node(subgraph_node_2)
    .add_edge(START, "subgraph_node_1")
    .add_edge("subgraph_node_1", "subgraph_node_2")
    .compile(name="subgraph")
)


class ParentState(TypedDict):
    foo: str


def node_1(state: ParentState) -> dict[str, str]:
    return {"foo": "hi! " + state["foo"]}


graph = (
    StateGraph(ParentState)
    .add_node("node_1", node_1)
    .add_node("node_2", subgraph)
    .add_edge(START, "node_1")
    .add_edge("node_1", "node_2")
    .compile(name="parent")
)

inputs = {"foo": "foo"}
