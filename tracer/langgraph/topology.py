"""A LangGraph compiled graph's topology as the map FORMAT.md §4 describes.

Built from LangGraph's public drawing API (`get_graph()`), which covers StateGraph,
prebuilt agents and the functional API alike, plus the compiled channels for the
reducers. Computed once per graph object, when the first recorded run of it starts.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from engine.graph.topology import reducer_name

_cache: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def channel_reducer(channel: Any) -> str | None:
    """A state channel's reducer, named as the trace format names it: None for a
    last-value channel, the operator's dotted name for a binary-operator channel, the
    channel class otherwise (a name the reader cannot replay, so such a key is always
    written as its new value)."""
    kind = type(channel).__name__
    if kind == "LastValue":
        return None
    operator = getattr(channel, "operator", None)
    if kind == "BinaryOperatorAggregate" and operator is not None:
        return reducer_name(operator)
    cls = type(channel)
    return f"{cls.__module__}.{cls.__qualname__}"


def state_keys(graph: Any) -> list[str]:
    keys = getattr(graph, "stream_channels_list", None)
    return list(keys) if keys is not None else []


class Topology:
    """What a run_start's `graph` must be: an object whose `describe()` is the map."""

    __slots__ = ("_graph",)

    def __init__(self, graph: Any) -> None:
        self._graph = graph

    def describe(self) -> dict[str, Any]:
        return describe(self._graph)


def describe(graph: Any) -> dict[str, Any]:
    """The topology map of a compiled LangGraph graph (cached per graph object)."""
    try:
        cached = _cache.get(graph)
    except TypeError:  # not weak-referenceable: compute each time
        return _describe(graph)
    if cached is None:
        cached = _describe(graph)
        with _lock:
            _cache[graph] = cached
    return cached


def _describe(graph: Any) -> dict[str, Any]:
    keys = state_keys(graph)
    channels = getattr(graph, "channels", {}) or {}
    builder = getattr(graph, "builder", None)
    interrupt_before = getattr(graph, "interrupt_before_nodes", ()) or ()
    interrupt_after = getattr(graph, "interrupt_after_nodes", ()) or ()
    out: dict[str, Any] = {
        "name": str(getattr(graph, "name", None) or "LangGraph"),
        "nodes": [], "edges": [], "state_keys": keys,
        "channels": {k: {"reducer": channel_reducer(channels[k])} for k in keys
                     if k in channels},
        # "*" (all nodes) is kept as LangGraph spells it.
        "interrupt_before": list(interrupt_before) if interrupt_before != "*" else ["*"],
        "interrupt_after": list(interrupt_after) if interrupt_after != "*" else ["*"],
    }
    try:
        drawn = graph.get_graph()
    except Exception:  # a graph LangGraph cannot draw still records; nodes only
        drawn = None
    pregel_nodes = getattr(graph, "nodes", {}) or {}
    names = list(drawn.nodes) if drawn is not None else ["__start__", *pregel_nodes, "__end__"]
    for name in names:
        entry: dict[str, Any] = {"name": name, "kind": "node"}
        if name == "__start__":
            entry["kind"] = "start"
        elif name == "__end__":
            entry["kind"] = "end"
        else:
            node = pregel_nodes.get(name)
            subgraphs = getattr(node, "subgraphs", None) if node is not None else None
            if subgraphs:
                entry["kind"] = "subgraph"
                entry["subgraph"] = describe(subgraphs[0])
        out["nodes"].append(entry)
    joins = {(s, t) for sources, t in getattr(builder, "waiting_edges", ()) for s in sources}
    for edge in drawn.edges if drawn is not None else ():
        item: dict[str, Any] = {"source": edge.source, "target": edge.target,
                                "conditional": bool(edge.conditional),
                                "label": None if edge.data is None else str(edge.data)}
        if (edge.source, edge.target) in joins:
            item["join"] = True
        out["edges"].append(item)
    return out


def needs_async(graph: Any) -> bool:
    """Whether a LangGraph graph must run with `ainvoke`/`astream`: one of its nodes has
    only an async function."""
    return any(getattr(node.bound, "func", True) is None
               and getattr(node.bound, "afunc", None) is not None
               for node in (getattr(graph, "nodes", None) or {}).values()
               if hasattr(node, "bound"))
