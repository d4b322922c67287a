"""Comparison rules for the `draw_*` vectors (one dict per graph: mermaid, ascii, json, edges)."""

from __future__ import annotations

import importlib.util
from typing import Any

from .comparison import render_diff


def grandalf_missing(ascii_art: Any) -> bool:
    """True when draw_ascii() failed the way LangGraph does when grandalf is not installed.

    The excuse holds only while grandalf really is absent here: with grandalf importable,
    LangGraph draws the art, so the engine must draw it too.
    """
    return (
        isinstance(ascii_art, str)
        and ascii_art.startswith("RAISED ImportError")
        and "grandalf" in ascii_art
        and importlib.util.find_spec("grandalf") is None
    )


def _json_shape(to_json: Any) -> Any:
    """to_json() without each node's `data`, which names LangGraph's internal runnable classes."""
    if not isinstance(to_json, dict):
        return to_json
    nodes = [{k: v for k, v in node.items() if k != "data"} for node in to_json.get("nodes", [])]
    return {"nodes": nodes, "edges": to_json.get("edges")}


def _node_shape(nodes: Any) -> Any:
    """get_graph().nodes without `data`, the repr of an internal object (with its address)."""
    if not isinstance(nodes, dict):
        return nodes
    return [[key, {k: v for k, v in node.items() if k != "data"}] for key, node in nodes.items()]


def drawing_mismatches(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Every field of a drawing that differs from the vector, as readable diffs."""
    problems: list[str] = []
    # Mermaid text (plain and xray) and the edge list are compared exactly.
    for key in ("mermaid", "mermaid_xray", "edges"):
        if key in expected and actual.get(key) != expected[key]:
            problems.append(render_diff(expected[key], actual.get(key), label=key))
    # The vectors' ascii art comes from the grandalf layout library. LangGraph itself raises
    # ImportError mentioning grandalf when that package is absent, so that exact failure is
    # accepted in place of the art; any other output must equal the art exactly.
    if not grandalf_missing(actual.get("ascii")) and actual.get("ascii") != expected["ascii"]:
        problems.append(render_diff(expected["ascii"], actual.get("ascii"), label="ascii"))
    # Node `data` is LangGraph-internal (class paths like langgraph._internal._runnable, and
    # reprs with memory addresses), so it is left out; ids, names, types, metadata, order and
    # the JSON edges must match.
    for key, shape in (("to_json", _json_shape), ("nodes", _node_shape)):
        if shape(actual.get(key)) != shape(expected[key]):
            problems.append(render_diff(shape(expected[key]), shape(actual.get(key)), label=key))
    return problems
