"""Mermaid text of a drawable graph, as LangGraph's `draw_mermaid()` writes it.

The layout rules (observed on LangGraph 1.2.22 with langchain-core 1.7):

- with styles: a front matter block, every node of the top level declared, and the
  class definitions at the end; without: only `graph TD;` and the edges;
- node ids are escaped (any character but letters, digits, `_` and `-` becomes `\\` and
  its hex code); a label is the id's last `:` part, in `<p>` when it starts and ends with
  `*`, `_` or a backtick, followed by the node's metadata;
- edges are grouped by the common parts of their ends' `:`-separated ids: the top-level
  group first, then one `subgraph <name> … end` block per first-level prefix (with its
  nodes, its edges and, nested, the deeper prefixes). A group of a single self-loop gets
  no block;
- subgraph nodes with no edge inside their subgraph still get a block.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.graph.draw import DrawableGraph, Edge, Node

_FRONT_MATTER = ["---", "config:", "  flowchart:", "    curve: linear", "---"]
_CLASS_DEFS = [
    "\tclassDef default fill:#f2f0ff,line-height:1.2",
    "\tclassDef first fill-opacity:0",
    "\tclassDef last fill:#bfb6fc",
]
_SAFE = frozenset(string.ascii_letters + string.digits + "_-")
_MARKDOWN = ("*", "_", "`")
_LABEL_ESCAPES = (("#", "#35;"), ("[", "#91;"), ("]", "#93;"), ("(", "#40;"), (")", "#41;"),
                  ("{", "#123;"), ("}", "#125;"), ('"', "#quot;"), ("<", "#60;"),
                  (">", "#62;"), ("|", "#124;"))
WRAP_WORDS = 9
"""An edge label is broken into lines of this many words."""


def safe_id(name: str) -> str:
    return "".join(ch if ch in _SAFE else f"\\{ord(ch):x}" for ch in name)


def _metadata_text(value: Any) -> str | None:
    scalars = (str, int, float, bool)
    if isinstance(value, scalars):
        return str(value)
    if isinstance(value, (list, tuple, set)) and all(isinstance(v, scalars) for v in value):
        items = [str(v) for v in value]
        return ", ".join(sorted(items) if isinstance(value, set) else items)
    return None


def _escape_label(text: str) -> str:
    for char, entity in _LABEL_ESCAPES:
        text = text.replace(char, entity)
    return text


def _node_line(key: str, node: Node, first: str | None, last: str | None) -> str:
    name = node.name.split(":")[-1]
    label = f"<p>{name}</p>" if name.startswith(_MARKDOWN) and name.endswith(_MARKDOWN) else name
    lines = [_escape_label(f"{k} = {text}") for k, v in (node.metadata or {}).items()
             if (text := _metadata_text(v)) is not None]
    if lines:
        label += "<hr/><small><em>" + "\n".join(lines) + "</em></small>"
    if key == first:
        return f"\t{safe_id(key)}([{label}]):::first"
    if key == last:
        return f"\t{safe_id(key)}([{label}]):::last"
    return f"\t{safe_id(key)}({label})"


def _edge_line(edge: Edge) -> str:
    if edge.data is None:
        arrow = " -.-> " if edge.conditional else " --> "
    else:
        words = str(edge.data).split()
        text = str(edge.data)
        if len(words) > WRAP_WORDS:
            text = "&nbsp<br>&nbsp".join(" ".join(words[i:i + WRAP_WORDS])
                                         for i in range(0, len(words), WRAP_WORDS))
        arrow = (f" -. &nbsp;{text}&nbsp; .-> " if edge.conditional
                 else f" -- &nbsp;{text}&nbsp; --> ")
    return f"\t{safe_id(edge.source)}{arrow}{safe_id(edge.target)};"


def _common_prefix(edge: Edge) -> str:
    # The parts equal at the same position (as LangGraph pairs them).
    pairs = zip(edge.source.split(":"), edge.target.split(":"), strict=False)
    return ":".join(s for s, t in pairs if s == t)


def render(graph: DrawableGraph, *, with_styles: bool = True) -> str:
    """The Mermaid flowchart text of `graph`."""
    lines = [*_FRONT_MATTER, "graph TD;"] if with_styles else ["graph TD;"]
    first, last = graph.first_node(), graph.last_node()
    top: dict[str, Node] = {}
    nested: dict[str, dict[str, Node]] = {}
    for key, node in graph.nodes.items():
        if ":" in key:
            nested.setdefault(key.rsplit(":", 1)[0], {})[key] = node
        else:
            top[key] = node
    if with_styles:
        lines.extend(_node_line(k, n, first, last) for k, n in top.items())
    groups: dict[str, list[Edge]] = {}
    for edge in graph.edges:
        groups.setdefault(_common_prefix(edge), []).append(edge)
    seen: set[str] = set()

    def block(edges: list[Edge], prefix: str) -> None:
        self_loop = len(edges) == 1 and edges[0].source == edges[0].target
        boxed = bool(prefix) and not self_loop
        if boxed:
            name = prefix.rsplit(":", 1)[-1]
            if name in seen:
                raise ValueError(
                    f"Found duplicate subgraph '{name}' -- this likely means that you're "
                    "reusing a subgraph node with the same name. Please adjust your graph "
                    "to have subgraph nodes with unique names.")
            seen.add(name)
            lines.append(f"\tsubgraph {name}")
            if with_styles:
                lines.extend(_node_line(k, n, first, last)
                             for k, n in nested.get(prefix, {}).items())
        lines.extend(_edge_line(e) for e in edges)
        for deeper, deeper_edges in groups.items():
            if deeper.startswith(prefix + ":") and ":" not in deeper[len(prefix) + 1:]:
                block(deeper_edges, deeper)
        if boxed:
            lines.append("\tend")

    block(groups.get("", []), "")
    for prefix, edges in groups.items():
        if prefix and ":" not in prefix:
            block(edges, prefix)
            seen.add(prefix)
    if with_styles:
        for prefix, members in nested.items():
            if ":" not in prefix and prefix not in seen:
                lines.append(f"\tsubgraph {prefix}")
                lines.extend(_node_line(k, n, first, last) for k, n in members.items())
                lines.append("\tend")
                seen.add(prefix)
        lines.extend(_CLASS_DEFS)
    return "\n".join(lines) + "\n"
