"""A compiled graph's topology as plain data, for traces and the TUI."""

from __future__ import annotations

from typing import Any

from engine.constants import END, START
from engine.graph.spec import GraphSpec


def reducer_name(reducer: Any) -> str | None:
    """A reducer's dotted name (`operator.add`, `engine.graph.message.add_messages`)."""
    if reducer is None:
        return None
    module = getattr(reducer, "__module__", None) or ""
    module = "operator" if module == "_operator" else module
    name = getattr(reducer, "__qualname__", None) or getattr(reducer, "__name__", None)
    return f"{module}.{name}" if name else repr(reducer)


def describe(spec: GraphSpec) -> dict[str, Any]:
    """Nodes, edges (plain, conditional with labels, waiting) and subgraphs, as dicts."""
    nodes: list[dict[str, Any]] = [{"name": START, "kind": "start"}]
    for name, node in spec.nodes.items():
        entry: dict[str, Any] = {"name": name, "kind": "node"}
        if node.subgraph is not None:
            entry["kind"] = "subgraph"
            entry["subgraph"] = node.subgraph.describe()
        nodes.append(entry)
    nodes.append({"name": END, "kind": "end"})
    edges: list[dict[str, Any]] = [
        {"source": s, "target": t, "conditional": False, "label": None} for s, t in spec.edges
    ]
    for sources, target in spec.waiting_edges:
        edges.extend(
            {"source": s, "target": target, "conditional": False, "label": None, "join": True}
            for s in sources
        )
    for node in (spec.start, *spec.nodes.values()):
        for branch in node.branches:
            if branch.path_map is not None:
                for key, target in branch.path_map.items():
                    label = None if str(key) == target else str(key)
                    edges.append({"source": node.name, "target": target, "conditional": True,
                                  "label": label})
            elif branch.ends:
                edges.extend({"source": node.name, "target": t, "conditional": True,
                              "label": None} for t in branch.ends)
        if node.destinations:
            labels = node.destinations if isinstance(node.destinations, dict) else {}
            edges.extend({"source": node.name, "target": t, "conditional": True,
                          "label": labels.get(t)} for t in node.destinations)
    channels = {key: {"reducer": reducer_name(f.reducer)} for key, f in spec.fields.items()}
    return {"name": spec.name, "nodes": nodes, "edges": edges,
            "state_keys": list(spec.state.keys), "channels": channels,
            "interrupt_before": list(spec.interrupt_before),
            "interrupt_after": list(spec.interrupt_after)}
