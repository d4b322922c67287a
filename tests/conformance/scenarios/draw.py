"""Family `draw_*` (script s11): `get_graph()` rendered as mermaid, ascii, JSON and edges."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from .control import build_command, build_cond_list, build_cond_map, build_send
from .linear import build_linear
from .parallel import build_fanin, build_parallel
from .registry import register
from .subgraphs import build_parent


def _or_raised(action: Callable[[], Any]) -> Any:
    """The result of `action`, or the text 'RAISED <Class>: <message>' as the script kept it."""
    try:
        return action()
    except Exception as exc:
        return f"RAISED {type(exc).__name__}: {exc}"


def drawing(factory: Callable[[], Any], *, xray: bool = False) -> list[Any]:
    """One dict per graph: mermaid, ascii, to_json, nodes, edges (and mermaid_xray on request)."""
    graph = factory()
    drawn = graph.get_graph()
    item: dict[str, Any] = {
        "mermaid": drawn.draw_mermaid(),
        "ascii": _or_raised(drawn.draw_ascii),
        "to_json": _or_raised(drawn.to_json),
        "nodes": {
            key: {
                "id": node.id,
                "name": node.name,
                "data": repr(node.data)[:80],
                "metadata": node.metadata,
            }
            for key, node in drawn.nodes.items()
        },
        "edges": [repr(edge) for edge in drawn.edges],
    }
    if xray:
        item["mermaid_xray"] = graph.get_graph(xray=True).draw_mermaid()
    return [item]


for _name, _factory in (
    ("linear", build_linear),
    ("parallel", partial(build_parallel, 0.0, 0.0)),
    ("conditional_path_map", build_cond_map),
    ("conditional_no_map", build_cond_list),
    ("send", build_send),
    ("command", build_command),
    ("fanin_waiting", partial(build_fanin, waiting=True)),
):
    register(f"draw_{_name}", partial(drawing, _factory))
register("draw_subgraph", partial(drawing, build_parent, xray=True))
