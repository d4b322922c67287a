"""`get_graph()`: the drawable topology of a compiled graph, as LangGraph draws it.

Edges (observed on LangGraph 1.2.22): every edge found (static edges, joins, branch
targets from the path_map or a Literal hint, Command destinations, conditional edges to
END) sorted by (source, target, conditional, label); then an edge to END from each node
that something leads to but that leads nowhere, sorted by name (an explicit edge to END
is drawn only that way). A branch whose targets are unknown is drawn as an edge to END.

With `xray`, a subgraph node is replaced by the subgraph's own drawing: its nodes get the
ids and names `<node>:<id>`, its START and END are trimmed when it has one entry and one exit, and
the parent's edges to and from the node lead to that entry and exit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from engine.constants import END, START
from engine.graph import mermaid
from engine.graph.spec import GraphSpec, NodeSpec

_CALLABLE_ID = ["langgraph", "_internal", "_runnable", "RunnableCallable"]
_GRAPH_ID = ["langgraph", "graph", "state", "CompiledStateGraph"]
"""The class paths LangGraph's `to_json` names a node's runnable by."""


class Edge(NamedTuple):
    source: str
    target: str
    data: Any = None
    conditional: bool = False


@dataclass
class Node:
    id: str
    name: str
    data: Any = None
    metadata: dict[str, Any] | None = None


def _found_edges(spec: GraphSpec) -> list[Edge]:
    found: set[Edge] = set()
    for node in (spec.start, *spec.nodes.values()):
        src = node.name
        found.update(Edge(src, t) for t in node.edges if t != END)
        for joined, target in spec.waiting_edges:
            if src in joined and target != END:
                found.add(Edge(src, target))
        for branch in node.branches:
            if branch.path_map is not None:
                for key, target in branch.path_map.items():
                    label = None if str(key) == target else str(key)
                    found.add(Edge(src, target, label, True))
            elif branch.ends:
                found.update(Edge(src, t, None, True) for t in branch.ends)
            else:
                found.add(Edge(src, END))
        if node.destinations:
            found.update(Edge(src, t, _label(node.destinations, t), True)
                         for t in node.destinations)
    edges = sorted(found, key=lambda e: (e.source, e.target, e.conditional,
                                         "" if e.data is None else str(e.data)))
    sources = {e.source for e in edges}
    termini = {e.target for e in edges if e.target != END} - sources
    edges.extend(Edge(name, END) for name in sorted(termini))
    if not termini and not any(e.target == END for e in edges):
        # A graph that only loops: as LangGraph, a conditional way out from the one node
        # whose step last reached an edge not walked yet, when it is one node.
        last = _last_step_sources(edges)
        if len(last) == 1:
            edges.append(Edge(last.pop(), END, None, True))
    return edges


def _last_step_sources(edges: list[Edge]) -> set[str]:
    """Walk the edges step by step from START (each step: every edge out of the nodes
    the step before reached); the nodes of the last step that walked a new edge."""
    out: dict[str, list[str]] = {}
    for edge in edges:
        out.setdefault(edge.source, []).append(edge.target)
    walked: set[tuple[str, str]] = set()
    frontier: set[str] = {START}
    last: set[str] = set()
    while True:
        new = {(s, t) for s in frontier for t in out.get(s, ())} - walked
        if not new:
            return last
        walked |= new
        if START not in frontier:
            last = frontier
        frontier = {t for _, t in new}


def _metadata(spec: GraphSpec, node: NodeSpec) -> dict[str, Any] | None:
    metadata = dict(node.metadata or {})
    if node.defer:
        metadata["defer"] = True
    before, after = node.name in spec.interrupt_before, node.name in spec.interrupt_after
    if before or after:
        metadata["__interrupt"] = ("before,after" if before and after
                                   else "before" if before else "after")
    return metadata or None


class DrawableGraph:
    """Nodes and edges of a compiled graph, with `draw_mermaid()` and `to_json()`."""

    def __init__(self, nodes: dict[str, Node], edges: list[Edge]) -> None:
        self.nodes = nodes
        self.edges = edges

    @classmethod
    def from_spec(cls, spec: GraphSpec, *, xray: int | bool = False) -> DrawableGraph:
        nodes = {START: Node(START, START, spec.start)}
        for name, node in spec.nodes.items():
            nodes[name] = Node(name, name, node.subgraph or node.call, _metadata(spec, node))
        edges = _found_edges(spec)
        if any(e.target == END for e in edges):
            nodes[END] = Node(END, END)
        graph = cls(nodes, edges)
        if xray:
            deeper = xray - 1 if type(xray) is int else xray
            for name, node in spec.nodes.items():
                if node.subgraph is not None:
                    graph._expand(name, cls.from_spec(node.subgraph.spec, xray=deeper))
        return graph

    def _expand(self, name: str, sub: DrawableGraph) -> None:
        """Put `sub`'s nodes in the place of node `name` (see the module docstring)."""
        if len(sub.nodes) <= 1 or name not in self.nodes:
            return
        if sub.first_node() is None or sub.last_node() is None:
            return
        sub.trim_first_node()
        sub.trim_last_node()
        first, last = sub.first_node(), sub.last_node()
        del self.nodes[name]
        for key, node in sub.nodes.items():
            self.nodes[f"{name}:{key}"] = replace(node, id=f"{name}:{key}",
                                                  name=f"{name}:{node.name}")
        entry, exit_ = f"{name}:{first}", f"{name}:{last}"
        self.edges = [e._replace(source=exit_ if e.source == name else e.source,
                                 target=entry if e.target == name else e.target)
                      for e in self.edges]
        self.edges.extend(e._replace(source=f"{name}:{e.source}", target=f"{name}:{e.target}")
                          for e in sub.edges)

    # -- ends (LangGraph's first/last node rules) ------------------------------------------
    def _first(self, exclude: str | None = None) -> str | None:
        targets = {e.target for e in self.edges if e.source != exclude}
        found = [k for k in self.nodes if k != exclude and k not in targets]
        return found[0] if len(found) == 1 else None

    def _last(self, exclude: str | None = None) -> str | None:
        sources = {e.source for e in self.edges if e.target != exclude}
        found = [k for k in self.nodes if k != exclude and k not in sources]
        return found[0] if len(found) == 1 else None

    def first_node(self) -> str | None:
        """The one node nothing leads to, if there is exactly one."""
        return self._first()

    def last_node(self) -> str | None:
        """The one node that leads nowhere, if there is exactly one."""
        return self._last()

    def trim_first_node(self) -> None:
        """Drop the first node when it has one edge out and another node is then first."""
        first = self._first()
        if first and self._first(first) and sum(e.source == first for e in self.edges) == 1:
            self._remove(first)

    def trim_last_node(self) -> None:
        """Drop the last node when it has one edge in and another node is then last."""
        last = self._last()
        if last and self._last(last) and sum(e.target == last for e in self.edges) == 1:
            self._remove(last)

    def _remove(self, key: str) -> None:
        del self.nodes[key]
        self.edges = [e for e in self.edges if key not in (e.source, e.target)]

    # -- renderings -------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        nodes: list[dict[str, Any]] = []
        for n in self.nodes.values():
            if n.data is None:  # END (a subgraph's too, drawn with xray)
                nodes.append({"id": n.id})
                continue
            runnable = _GRAPH_ID if hasattr(n.data, "spec") else _CALLABLE_ID
            item: dict[str, Any] = {"id": n.id, "type": "runnable",
                                    "data": {"id": list(runnable), "name": n.name}}
            if n.metadata:
                item["metadata"] = n.metadata
            nodes.append(item)
        edges: list[dict[str, Any]] = []
        for e in self.edges:
            edge: dict[str, Any] = {"source": e.source, "target": e.target}
            if e.data is not None:
                edge["data"] = e.data
            if e.conditional:
                edge["conditional"] = True
            edges.append(edge)
        return {"nodes": nodes, "edges": edges}

    def draw_ascii(self) -> str:
        raise ImportError("Install grandalf to draw graphs: `pip install grandalf`.")

    def print_ascii(self) -> None:
        print(self.draw_ascii())

    def draw_mermaid(self, *, with_styles: bool = True, **_: Any) -> str:
        """Mermaid flowchart text, as LangGraph renders it; `with_styles=False` leaves
        out the front matter, the node declarations and the class definitions (other
        options of LangChain's renderer are accepted and ignored)."""
        return mermaid.render(self, with_styles=with_styles)


def _label(destinations: tuple[str, ...] | dict[str, str], target: str) -> str | None:
    """A Command destination's edge label (given as `destinations={target: label}`)."""
    return destinations.get(target) if isinstance(destinations, dict) else None
