"""`get_graph()`: the drawable topology, and its Mermaid rendering (LangGraph's text).

Edges are grouped by source in node order (START first, then insertion order). A node
that something leads to but that leads nowhere is drawn with an edge to END; a branch
whose targets are unknown (no path_map, no Literal hint) is drawn as an edge to END.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from engine.constants import END, START
from engine.graph.spec import GraphSpec


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


def _edges_of(spec: GraphSpec) -> list[Edge]:
    out: list[Edge] = []
    for node in (spec.start, *spec.nodes.values()):
        src = node.name
        out.extend(Edge(src, t) for t in node.edges)
        for sources, target in spec.waiting_edges:
            if src in sources:
                out.append(Edge(src, target))
        for branch in node.branches:
            if branch.path_map is not None:
                for key, target in branch.path_map.items():
                    label = None if str(key) == target else str(key)
                    out.append(Edge(src, target, label, True))
            elif branch.ends:
                out.extend(Edge(src, t, None, True) for t in branch.ends)
            else:
                out.append(Edge(src, END))
        if node.destinations:
            out.extend(Edge(src, t, None, True) for t in node.destinations)
    has_out = {e.source for e in out}
    has_in = {e.target for e in out}
    for name in spec.nodes:
        if name in has_in and name not in has_out:
            out.append(Edge(name, END))
    return out


class DrawableGraph:
    """Nodes and edges of a compiled graph, with `draw_mermaid()` and `to_json()`."""

    def __init__(self, nodes: dict[str, Node], edges: list[Edge],
                 subgraphs: dict[str, DrawableGraph] | None = None) -> None:
        self.nodes = nodes
        self.edges = edges
        self.subgraphs = subgraphs or {}

    @classmethod
    def from_spec(cls, spec: GraphSpec, *, xray: int | bool = False) -> DrawableGraph:
        nodes = {START: Node(START, START)}
        subgraphs: dict[str, DrawableGraph] = {}
        for name, node in spec.nodes.items():
            nodes[name] = Node(name, name, node.subgraph or node.call, node.metadata)
            if xray and node.subgraph is not None:
                depth = xray - 1 if isinstance(xray, int) and xray is not True else True
                subgraphs[name] = cls.from_spec(node.subgraph.spec, xray=depth or False)
        nodes[END] = Node(END, END)
        return cls(nodes, _edges_of(spec), subgraphs)

    def first_node(self) -> str | None:
        targets = {e.target for e in self.edges}
        found = [n for n in self.nodes if n not in targets]
        return found[0] if len(found) == 1 else None

    def last_node(self) -> str | None:
        sources = {e.source for e in self.edges}
        found = [n for n in self.nodes if n not in sources]
        return found[0] if len(found) == 1 else None

    def to_json(self) -> dict[str, Any]:
        nodes: list[dict[str, Any]] = []
        for n in self.nodes.values():
            if n.id == END:
                nodes.append({"id": n.id})
            else:
                nodes.append({"id": n.id, "type": "runnable", "data": {"name": n.name}})
        edges: list[dict[str, Any]] = []
        for e in self.edges:
            item: dict[str, Any] = {"source": e.source, "target": e.target}
            if e.data is not None:
                item["data"] = e.data
            if e.conditional:
                item["conditional"] = True
            edges.append(item)
        return {"nodes": nodes, "edges": edges}

    def draw_ascii(self) -> str:
        raise ImportError("Install grandalf to draw graphs: `pip install grandalf`.")

    def print_ascii(self) -> None:
        print(self.draw_ascii())

    def draw_mermaid(self) -> str:
        """Mermaid flowchart text, as LangGraph renders it."""
        return render_mermaid(self)


def _mermaid_id(name: str) -> str:
    return name.replace(":", "\\3a")


def _edge_line(source: str, target: str, data: Any, conditional: bool) -> str:
    s, t = _mermaid_id(source), _mermaid_id(target)
    if not conditional:
        return f"\t{s} --> {t};"
    if data is None:
        return f"\t{s} -.-> {t};"
    return f"\t{s} -. &nbsp;{data}&nbsp; .-> {t};"


def _entry_exit(sub: DrawableGraph) -> tuple[list[str], list[str]]:
    entries = [e.target for e in sub.edges if e.source == START]
    exits = [e.source for e in sub.edges if e.target == END]
    return entries, exits


def render_mermaid(graph: DrawableGraph) -> str:
    lines = ["---", "config:", "  flowchart:", "    curve: linear", "---", "graph TD;"]
    first, last = graph.first_node(), graph.last_node()
    for name in graph.nodes:
        if name in graph.subgraphs:
            continue
        if name in (START, END):
            cls_ = "first" if name == first else "last" if name == last else None
            shape = f"([<p>{name}</p>]):::{cls_}" if cls_ else f"(<p>{name}</p>)"
            lines.append(f"\t{name}{shape}")
        else:
            lines.append(f"\t{_mermaid_id(name)}({name})")
    for e in graph.edges:
        sources, targets = [e.source], [e.target]
        if e.source in graph.subgraphs:
            sources = [f"{e.source}:{x}" for x in _entry_exit(graph.subgraphs[e.source])[1]]
        if e.target in graph.subgraphs:
            targets = [f"{e.target}:{x}" for x in _entry_exit(graph.subgraphs[e.target])[0]]
        for s in sources:
            lines.extend(_edge_line(s, t, e.data, e.conditional) for t in targets)
    for prefix, sub in graph.subgraphs.items():
        lines.append(f"\tsubgraph {prefix}")
        for name in sub.nodes:
            if name not in (START, END):
                lines.append(f"\t{_mermaid_id(f'{prefix}:{name}')}({name})")
        for e in sub.edges:
            if e.source != START and e.target != END:
                lines.append(_edge_line(f"{prefix}:{e.source}", f"{prefix}:{e.target}", e.data,
                                        e.conditional))
        lines.append("\tend")
    lines += [
        "\tclassDef default fill:#f2f0ff,line-height:1.2",
        "\tclassDef first fill-opacity:0",
        "\tclassDef last fill:#bfb6fc",
    ]
    return "\n".join(lines) + "\n"
