"""Phases 5 and 6 of the graph layout (see `graph_layout`): ports, x placement, routing.

Each box gets one port per edge end on its top and bottom borders; layers are centred
on their neighbours; edges bending between two layers get their own horizontal track.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.views.graph_layout import Box, EdgePath, Item

GAP_X = 3
"""Columns between neighbouring boxes of a layer."""


def chain_links(chains: dict[int, list[Item]]) -> list[tuple[Item, Item]]:
    return [pair for chain in chains.values() for pair in itertools.pairwise(chain)]


Neighbours = dict["Item", list["Item"]]


def link_neighbours(chains: dict[int, list[Item]],
                    ) -> tuple[list[tuple[Item, Item]], Neighbours, Neighbours]:
    """The chain links, and each item's neighbours in the layer above and below."""
    pairs = chain_links(chains)
    up: Neighbours = defaultdict(list)
    down: Neighbours = defaultdict(list)
    for a, b in pairs:
        down[a].append(b)
        up[b].append(a)
    return pairs, up, down


def ports_of(layers: list[list[Item]], chains: dict[int, list[Item]], edges: list[EdgePath],
           boxes: dict[str, Box]) -> dict[tuple[Any, Any], int]:
    """Where each chain link leaves and enters a box, as an offset from the box's left.

    Keys are (edge index, 0) for the link's upper end and (edge index, 1) for its lower
    end. Waiting edges (joins) into one node share its port, so they visibly merge.
    """
    pos = {item: j for layer in layers for j, item in enumerate(layer)}
    sides: dict[tuple[str, str], list[tuple[float, Any]]] = defaultdict(list)
    by_index = {e.index: e for e in edges}
    for index, chain in chains.items():
        first, last = chain[0][1], chain[-1][1]
        sides[(first, "bottom")].append((pos[chain[1]], (index, 0)))
        e = by_index[index]
        group = ("join", e.target) if e.join and not e.back else (index, 1)
        if all(g != group for _, g in sides[(last, "top")]) or group[0] != "join":
            sides[(last, "top")].append((pos[chain[-2]], group))
    for box in boxes.values():
        need = max(len(sides[(box.name, "bottom")]), len(sides[(box.name, "top")]))
        box.w = max(len(box.text) + 4, 2 * need + 1) | 1  # odd: a centre column for ports
    ports: dict[tuple[Any, Any], int] = {}
    for (name, _side), entries in sides.items():
        entries.sort(key=lambda entry: entry[0])
        w, k = boxes[name].w, len(entries)
        for i, (_, key) in enumerate(entries):
            ports[key] = 1 + ((w - 2) * (2 * i + 1)) // (2 * k)
    for e in edges:
        if e.join and not e.back:
            ports[(e.index, 1)] = ports[("join", e.target)]
    return ports


def _width(item: Item, boxes: dict[str, Box]) -> int:
    return boxes[item[1]].w if item[0] == "n" else 1


def place(layers: list[list[Item]], chains: dict[int, list[Item]],
           boxes: dict[str, Box]) -> dict[Item, int]:
    """Phase 5: x of each item: centred on its neighbours above (then below, then above)."""
    _, up, down = link_neighbours(chains)
    xs: dict[Item, int] = {}
    for layer in layers:  # start: each layer packed from 0
        x = 0
        for item in layer:
            xs[item] = x
            x += _width(item, boxes) + GAP_X
    widest = max((xs[layer[-1]] + _width(layer[-1], boxes) for layer in layers if layer),
                 default=0)
    for layer in layers:
        if layer:
            shift = (widest - xs[layer[-1]] - _width(layer[-1], boxes)) // 2
            for item in layer:
                xs[item] += shift

    def centre(item: Item) -> int:
        return xs[item] + _width(item, boxes) // 2

    order = list(range(1, len(layers))), list(range(len(layers) - 2, -1, -1))
    for rng, nbrs in ((order[0], up), (order[1], down), (order[0], up)):
        for i in rng:
            layer = layers[i]
            want = []
            for item in layer:
                cs = [centre(n) for n in nbrs[item]]
                c = sum(cs) / len(cs) if cs else centre(item)
                want.append(round(c) - _width(item, boxes) // 2)
            placed, right = [], -(10**9)
            for item, x in zip(layer, want, strict=True):
                x = max(x, right)
                placed.append(x)
                right = x + _width(item, boxes) + GAP_X
            shift = round(sum(w - p for w, p in zip(want, placed, strict=True)) / len(layer))
            for item, x in zip(layer, placed, strict=True):
                xs[item] = x + shift
    low = min(xs.values(), default=0)
    for item in xs:
        xs[item] += 1 - low
    for layer in layers:
        for item in layer:
            if item[0] == "n":
                boxes[item[1]].x = xs[item]
    return xs


def route(layers: list[list[Item]], chains: dict[int, list[Item]], edges: list[EdgePath],
           boxes: dict[str, Box], xs: dict[Item, int], ports: dict[tuple[Any, Any], int],
           box_height: int) -> int:
    """Phase 6: tracks in each gap, rows of every layer, then each edge's polyline.

    A gap is its tracks plus a row for arrowheads into the boxes below, plus a row
    under the boxes above when an edge arrives there from below (a back edge's ▲).
    """
    def port(item: Item, key: tuple[int, int]) -> int:
        return xs[item] + ports[key] if item[0] == "n" else xs[item]

    # Horizontal spans of each link, per gap (the gap under layer i).
    spans: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)  # x0, x1, index, k
    back = {e.index for e in edges if e.back}
    stub: dict[int, int] = defaultdict(int)
    for index, chain in chains.items():
        for k, (a, b) in enumerate(itertools.pairwise(chain)):
            gap = boxes[a[1]].layer if a[0] == "n" else a[1][1]
            spans[gap].append((port(a, (index, 0)), port(b, (index, 1)), index, k))
            if k == 0 and index in back:
                stub[gap] = 1
    track: dict[tuple[int, int], int] = {}
    tracks_in: dict[int, int] = {}
    for gap, entries in spans.items():
        ends: list[int] = []  # right end of the last span on each track
        for xa, xb, index, k in sorted(entries, key=lambda s: min(s[0], s[1])):
            if xa == xb:
                continue
            lo, hi = min(xa, xb), max(xa, xb)
            t = next((t for t, end in enumerate(ends) if end + 1 < lo), len(ends))
            if t == len(ends):
                ends.append(hi)
            ends[t] = hi
            track[(index, k)] = t
        tracks_in[gap] = len(ends)
    # Rows: a layer band, then its gap (one row if straight, else stub + tracks + arrows).
    top: list[int] = []
    y = 0
    for i in range(len(layers)):
        top.append(y)
        tracks = tracks_in.get(i, 0)
        y += box_height + tracks + 1 + (stub[i] if tracks else 0)
    for box in boxes.values():
        box.y = top[box.layer]
    by_index = {e.index: e for e in edges}
    for index, chain in chains.items():
        points: list[tuple[int, int]] = []
        for k, (a, b) in enumerate(itertools.pairwise(chain)):
            gap = boxes[a[1]].layer if a[0] == "n" else a[1][1]
            xa, xb = port(a, (index, 0)), port(b, (index, 1))
            ya = top[gap] + (box_height - 1 if a[0] == "n" else 0)
            yb = top[gap + 1]
            points.append((xa, ya))
            if xa != xb:
                yt = top[gap] + box_height + stub[gap] + track[(index, k)]
                points += [(xa, yt), (xb, yt)]
            points.append((xb, yb))
        e = by_index[index]
        e.points = _dedupe(points[::-1] if e.back else points)
    return y - 1 if layers else 0


def _dedupe(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for p in points:
        if not out or out[-1] != p:
            out.append(p)
    return out
