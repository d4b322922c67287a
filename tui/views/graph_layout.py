"""Layered layout of a graph topology for a terminal: boxes and orthogonal edge paths.

A small Sugiyama pipeline, top to bottom:

1. *Cycle removal*: a depth-first search from START reverses the edges that close a
   cycle (they are drawn upwards, arrow at the top).
2. *Layering*: longest path from the sources; END goes to the last layer.
3. *Dummies*: an edge spanning several layers gets one dummy item per layer it crosses.
4. *Ordering*: barycenter sweeps down and up, keeping the order with fewest crossings.
5. *Placement*: each layer is centred on its neighbours' mean position, pushed apart.
6. *Routing*: between two layers every bent edge gets its own horizontal track row.

Pure: topology dict in, `GraphLayout` out (no Textual, no trace).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tui.views.graph_routing import link_neighbours, place, ports_of, route

BOX_HEIGHT = 3
NAME_LIMIT = 24
DISPLAY = {"__start__": "START", "__end__": "END"}

Item = tuple[str, Any]
"""("n", node name) or ("d", (edge index, layer)): a box or a dummy in a layer."""


@dataclass
class Box:
    """A node's box: top-left corner, size, kind (start/node/subgraph/end)."""

    name: str
    kind: str
    text: str
    layer: int
    x: int = 0
    y: int = 0
    w: int = 0
    h: int = BOX_HEIGHT
    self_loop: bool = False

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h


@dataclass
class EdgePath:
    """One topology edge drawn as a polyline of (x, y) corners from source to target."""

    index: int
    source: str
    target: str
    conditional: bool
    label: str | None
    join: bool
    back: bool
    points: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class GraphLayout:
    """Boxes by node name and edge paths (in topology order), within width × height."""

    boxes: dict[str, Box]
    edges: list[EdgePath]
    width: int
    height: int

    def box_at(self, x: int, y: int) -> Box | None:
        return next((b for b in self.boxes.values() if b.contains(x, y)), None)


def layout(topology: dict[str, Any], compact: bool = False) -> GraphLayout:
    """Lay out `topology` (nodes, edges as recorded in a trace's run_start).

    `compact` draws each box on one row (for graphs too tall for the view).
    """
    nodes = [n for n in topology.get("nodes", [])]
    names = [n["name"] for n in nodes]
    edges = [e for e in topology.get("edges", []) if e["source"] in names
             and e["target"] in names]
    height = 1 if compact else BOX_HEIGHT
    boxes = {n["name"]: Box(n["name"], n.get("kind", "node"), _text(n["name"]), 0, h=height)
             for n in nodes}
    paths = [EdgePath(i, e["source"], e["target"], bool(e.get("conditional")),
                      e.get("label"), bool(e.get("join")), False) for i, e in enumerate(edges)]
    for p in paths:
        if p.source == p.target:
            boxes[p.source].self_loop = True
    drawn = [p for p in paths if p.source != p.target]
    _mark_back_edges(names, drawn)
    _assign_layers(names, drawn, boxes)
    layers, chains = _build_layers(names, drawn, boxes)
    _order(layers, chains)
    ports = ports_of(layers, chains, drawn, boxes)
    xs = place(layers, chains, boxes)
    height = route(layers, chains, drawn, boxes, xs, ports, height)
    width = max([b.x + b.w + 2 for b in boxes.values()] + [1])
    return GraphLayout(boxes, paths, width, height)


def _text(name: str) -> str:
    text = DISPLAY.get(name, name)
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def _mark_back_edges(names: list[str], edges: list[EdgePath]) -> None:
    """Phase 1: depth-first from START (then any unvisited node); mark cycle-closing edges."""
    out: dict[str, list[EdgePath]] = defaultdict(list)
    for e in edges:
        out[e.source].append(e)
    state: dict[str, int] = {}  # 1 on the stack, 2 finished
    for root in names:
        if root in state:
            continue
        stack = [(root, iter(out[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            edge = next(it, None)
            if edge is None:
                state[node] = 2
                stack.pop()
            elif state.get(edge.target) == 1:
                edge.back = True
            elif edge.target not in state:
                state[edge.target] = 1
                stack.append((edge.target, iter(out[edge.target])))


def _ends(e: EdgePath) -> tuple[str, str]:
    """(upper, lower) node of an edge once back edges are reversed."""
    return (e.target, e.source) if e.back else (e.source, e.target)


def _assign_layers(names: list[str], edges: list[EdgePath], boxes: dict[str, Box]) -> None:
    """Phase 2: longest path layering (Kahn's order); END alone at the bottom if it can be."""
    preds: dict[str, list[str]] = defaultdict(list)
    indeg = dict.fromkeys(names, 0)
    for e in edges:
        upper, lower = _ends(e)
        preds[lower].append(upper)
        indeg[lower] += 1
    queue = [n for n in names if indeg[n] == 0]
    succs: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        upper, lower = _ends(e)
        succs[upper].append(lower)
    while queue:
        node = queue.pop(0)
        boxes[node].layer = max((boxes[p].layer + 1 for p in preds[node]), default=0)
        for s in succs[node]:
            indeg[s] -= 1
            if indeg[s] == 0:
                queue.append(s)
    last = max((b.layer for b in boxes.values() if b.kind != "end"), default=0)
    for b in boxes.values():
        if b.kind == "end":
            b.layer = max(b.layer, last)


def _build_layers(names: list[str], edges: list[EdgePath],
                  boxes: dict[str, Box]) -> tuple[list[list[Item]], dict[int, list[Item]]]:
    """Phase 3: items per layer; each edge's chain of items from its upper to lower end."""
    depth = max((b.layer for b in boxes.values()), default=0) + 1
    layers: list[list[Item]] = [[] for _ in range(depth)]
    for name in names:
        layers[boxes[name].layer].append(("n", name))
    chains: dict[int, list[Item]] = {}
    for e in edges:
        upper, lower = _ends(e)
        lo, hi = boxes[upper].layer, boxes[lower].layer
        chain: list[Item] = [("n", upper)]
        for layer in range(lo + 1, hi):
            dummy: Item = ("d", (e.index, layer))
            layers[layer].append(dummy)
            chain.append(dummy)
        chain.append(("n", lower))
        chains[e.index] = chain
    return layers, chains


def _crossings(layers: list[list[Item]], links: list[tuple[Item, Item]]) -> int:
    pos = {item: i for layer in layers for i, item in enumerate(layer)}
    count = 0
    for a, b in itertools.combinations(links, 2):
        if a[0] in pos and b[0] in pos and pos[a[0]] != pos[b[0]] and pos[a[1]] != pos[b[1]]:
            count += (pos[a[0]] - pos[b[0]]) * (pos[a[1]] - pos[b[1]]) < 0
    return count


def _order(layers: list[list[Item]], chains: dict[int, list[Item]]) -> None:
    """Phase 4: barycenter sweeps (down, then up), four rounds; keep the best order seen."""
    pairs, up, down = link_neighbours(chains)
    best = [list(layer) for layer in layers]
    best_count = _crossings(layers, pairs)
    for _ in range(4):
        for rng, nbrs in ((range(1, len(layers)), up), (range(len(layers) - 2, -1, -1), down)):
            for i in rng:
                pos = {item: j for j, item in enumerate(layers[i - 1 if nbrs is up else i + 1])}
                keys = {}
                for j, item in enumerate(layers[i]):
                    ps = [pos[n] for n in nbrs[item] if n in pos]
                    keys[item] = sum(ps) / len(ps) if ps else float(j)
                layers[i].sort(key=keys.__getitem__)
            count = _crossings(layers, pairs)
            if count < best_count:
                best, best_count = [list(layer) for layer in layers], count
    layers[:] = best
