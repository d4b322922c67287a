"""Family `subgraph_*` (script s02): a compiled subgraph as a node, nesting, invoke-inside."""

from __future__ import annotations

from functools import partial
from typing import Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.config import get_stream_writer
from engine.graph import START, StateGraph

from .capture import stream_items, thread
from .registry import register

FOO_INPUT = {"foo": "foo"}


class SubgraphState(TypedDict):
    foo: str  # shared with the parent
    bar: str  # private to the subgraph


class ParentState(TypedDict):
    foo: str


class GState(TypedDict):
    foo: str


def subgraph_node_1(state: SubgraphState) -> dict[str, Any]:
    get_stream_writer()({"from": "subgraph_node_1"})
    return {"bar": "bar"}


def subgraph_node_2(state: SubgraphState) -> dict[str, Any]:
    return {"foo": state["foo"] + state["bar"]}


def node_1(state: ParentState) -> dict[str, Any]:
    get_stream_writer()({"from": "node_1"})
    return {"foo": "hi! " + state["foo"]}


def gc_node(state: GState) -> dict[str, Any]:
    return {"foo": state["foo"] + "|gc"}


def build_sub() -> Any:
    """START -> subgraph_node_1 -> subgraph_node_2 over SubgraphState{foo, bar}."""
    return (
        StateGraph(SubgraphState)
        .add_node(subgraph_node_1)
        .add_node(subgraph_node_2)
        .add_edge(START, "subgraph_node_1")
        .add_edge("subgraph_node_1", "subgraph_node_2")
        .compile()
    )


def build_parent(checkpointer: Any = None) -> Any:
    """Parent START -> node_1 -> node_2, where node_2 is the compiled subgraph."""
    return (
        StateGraph(ParentState)
        .add_node("node_1", node_1)
        .add_node("node_2", build_sub())
        .add_edge(START, "node_1")
        .add_edge("node_1", "node_2")
        .compile(checkpointer=checkpointer)
    )


def build_nested() -> Any:
    """Three levels: parent_child (graph) -> child_gc (graph) -> gc_node."""
    grandchild = StateGraph(GState).add_node(gc_node).add_edge(START, "gc_node").compile()
    child = (
        StateGraph(GState).add_node("child_gc", grandchild).add_edge(START, "child_gc").compile()
    )
    return (
        StateGraph(GState).add_node("parent_child", child).add_edge(START, "parent_child").compile()
    )


def build_invoke_inside() -> Any:
    """One plain node, call_sub, that calls the subgraph's `.invoke` itself."""
    sub = build_sub()

    def call_sub(state: ParentState) -> dict[str, Any]:
        out = sub.invoke({"foo": state["foo"]})
        return {"foo": out["foo"]}

    return (
        StateGraph(ParentState).add_node("call_sub", call_sub).add_edge(START, "call_sub").compile()
    )


def _parent(**kwargs: Any) -> list[Any]:
    return stream_items(build_parent(), FOO_INPUT, **kwargs)


def _parent_saver(thread_id: str, **kwargs: Any) -> list[Any]:
    graph = build_parent(checkpointer=InMemorySaver())
    return stream_items(graph, FOO_INPUT, thread(thread_id), **kwargs)


def _nested(**kwargs: Any) -> list[Any]:
    return stream_items(build_nested(), {"foo": "x"}, **kwargs)


def _inside(**kwargs: Any) -> list[Any]:
    return stream_items(build_invoke_inside(), FOO_INPUT, **kwargs)


_mode: str | list[str]
for _mode in ("updates", "values", "custom"):
    register(f"subgraph_{_mode}_nosub", partial(_parent, stream_mode=_mode))
for _name, _mode in (
    ("updates_sub", "updates"),
    ("updates_sub_run2", "updates"),
    ("values_sub", "values"),
    ("custom_sub", "custom"),
    ("tasks_sub", "tasks"),
    ("debug_sub", "debug"),
    ("list_sub", ["updates", "custom", "values"]),
    ("list_single_sub", ["updates"]),
):
    register(f"subgraph_{_name}", partial(_parent, stream_mode=_mode, subgraphs=True))
for _name, _tid, _mode in (
    ("checkpoints_sub_saver", "s1", "checkpoints"),
    ("debug_sub_saver", "s2", "debug"),
    ("updates_sub_saver_a", "s3", "updates"),
    ("updates_sub_saver_b", "s4", "updates"),
):
    register(f"subgraph_{_name}", partial(_parent_saver, _tid, stream_mode=_mode, subgraphs=True))
register("subgraph_nested_updates", partial(_nested, stream_mode="updates", subgraphs=True))
register("subgraph_nested_values", partial(_nested, stream_mode="values", subgraphs=True))
register(
    "subgraph_nested_list", partial(_nested, stream_mode=["updates", "values"], subgraphs=True)
)
register("subgraph_invoke_inside_updates", partial(_inside, stream_mode="updates", subgraphs=True))
register(
    "subgraph_invoke_inside_custom",
    partial(_inside, stream_mode=["custom", "updates"], subgraphs=True),
)
register("subgraph_invoke_inside_nosub", partial(_inside, stream_mode=["custom", "updates"]))
