"""Drawing a `GraphLayout` into character cells, each tagged with what it belongs to.

Lines are merged per cell from the directions passing through it (so crossings become
┼ and joins ┴), dashed for conditional edges; boxes have a border per kind (rounded for
START/END, double for subgraphs). `styled_rows` then turns cells into (text, role) runs
for the selected step's marks, the node cursor and the nodes with a breakpoint: the
widget maps roles to component styles. Breakpoint targets are node paths (`inner`: any
node named inner; `sub/inner`: inner in the subgraph root node sub runs).

Pure: no Textual.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from tui.views.graph_layout import Box, EdgePath, GraphLayout

N, E, S, W = 1, 2, 4, 8
LINES = {N | S: "│", E | W: "─", N: "│", S: "│", E: "─", W: "─", S | E: "┌", S | W: "┐",
         N | E: "└", N | W: "┘", N | S | E: "├", N | S | W: "┤", E | W | S: "┬",
         E | W | N: "┴", N | E | S | W: "┼"}
DASHED = {N | S: "┆", E | W: "╌", N: "┆", S: "┆", E: "╌", W: "╌"}
BORDERS: dict[str, tuple[str, ...]] = {
    "node": tuple("┌┐└┘─│┬┴"), "subgraph": tuple("╔╗╚╝═║╤╧"), "start": tuple("╭╮╰╯─│┬┴"),
    "end": tuple("╭╮╰╯─│┬┴")}
"""Per box kind: its corners (top left, top right, bottom left, bottom right), its
horizontal and vertical lines, and the tees where edges leave its bottom and top."""
COMPACT: dict[str, tuple[str, str]] = {"node": ("[", "]"), "subgraph": ("⟪", "⟫"),
                                       "start": ("(", ")"), "end": ("(", ")")}
STATUS_TEXT = {"done": "✓ done", "failed": "✗ failed", "interrupted": "‖ interrupted",
               "stopped": "■ stopped", "running": "▶ running", "unknown": "? unknown"}
BREAKPOINT = "●"
UNSELECTABLE = ("start", "end")


@dataclass
class Cell:
    """What one character cell shows and belongs to."""

    dirs: int = 0
    dashed: bool = True
    char: str = " "
    node: str | None = None
    edges: set[int] = field(default_factory=set)
    label: int | None = None


@dataclass
class Canvas:
    """The drawn graph: rows of cells; `text()` gives the plain characters."""

    layout: GraphLayout
    cells: list[list[Cell]]

    @property
    def width(self) -> int:
        return len(self.cells[0]) if self.cells else 0

    def char(self, x: int, y: int) -> str:
        cell = self.cells[y][x]
        if cell.dirs and cell.char == " ":
            return (DASHED if cell.dashed else LINES).get(cell.dirs) or LINES[cell.dirs]
        return cell.char

    def row_text(self, y: int) -> str:
        return "".join(self.char(x, y) for x in range(self.width))

    def text(self) -> str:
        return "\n".join(self.row_text(y).rstrip() for y in range(len(self.cells)))


def draw(layout: GraphLayout) -> Canvas:
    """Draw boxes, then edges (lines, ports, arrows), then conditional edge labels."""
    width = layout.width + max((len(e.label or "") + 3 for e in layout.edges), default=0)
    cells = [[Cell() for _ in range(width)] for _ in range(layout.height)]
    canvas = Canvas(layout, cells)
    for box in layout.boxes.values():
        _draw_box(cells, box)
    for edge in layout.edges:
        if len(edge.points) >= 2:
            _draw_edge(canvas, edge)
    for edge in layout.edges:
        if edge.label and len(edge.points) >= 2:
            _place_label(canvas, edge)
    _trim(canvas)
    return canvas


def _draw_box(cells: list[list[Cell]], box: Box) -> None:
    tl, tr, bl, br, h, v, _, _ = BORDERS.get(box.kind, BORDERS["node"])
    x0, y0, x1 = box.x, box.y, box.x + box.w - 1
    inner = f" {box.text}".ljust(box.w - 2)
    rows = [tl + h * (box.w - 2) + tr, v + inner + v, bl + h * (box.w - 2) + br]
    if box.h == 1:  # compact: one row, the kind shown by its brackets
        left, right = COMPACT.get(box.kind, COMPACT["node"])
        rows = [left + inner + right]
    for dy, row in enumerate(rows):
        for dx, ch in enumerate(row):
            cell = cells[y0 + dy][x0 + dx]
            cell.char, cell.node = ch, box.name
    if box.self_loop and x1 + 1 < len(cells[0]):
        cell = cells[y0 + 1][x1 + 1]
        cell.char, cell.node = "↺", box.name


def _line_cells(points: list[tuple[int, int]]) -> Iterable[tuple[int, int, int]]:
    """Every cell along the polyline with the directions the line takes through it."""
    cells: dict[tuple[int, int], int] = {}
    order: list[tuple[int, int]] = []
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        dx = (xb > xa) - (xb < xa)
        dy = (yb > ya) - (yb < ya)
        fwd = E if dx > 0 else W if dx < 0 else S if dy > 0 else N
        back = {E: W, W: E, S: N, N: S}[fwd]
        x, y = xa, ya
        while (x, y) != (xb, yb):
            if (x, y) not in cells:
                order.append((x, y))
            cells[(x, y)] = cells.get((x, y), 0) | fwd
            x, y = x + dx, y + dy
            if (x, y) not in cells:
                order.append((x, y))
            cells[(x, y)] = cells.get((x, y), 0) | back
    for x, y in order:
        yield x, y, cells[(x, y)]


def _draw_edge(canvas: Canvas, edge: EdgePath) -> None:
    cells = canvas.cells
    src, dst = canvas.layout.boxes[edge.source], canvas.layout.boxes[edge.target]
    path = list(_line_cells(edge.points))
    for i, (x, y, dirs) in enumerate(path):
        cell = cells[y][x]
        if cell.node is not None:
            # A port on a box border: the border's tee, in the box's own line style.
            box = src if i == 0 else dst
            if box.h == 1:
                continue  # a compact box has no border to attach to
            marks = BORDERS.get(box.kind, BORDERS["node"])
            if i == 0 and y == box.y + box.h - 1:
                cell.char = marks[6]
                cell.edges.add(edge.index)
            elif i == 0 and y == box.y:
                cell.char = marks[7]
                cell.edges.add(edge.index)
            continue  # the target's border stays plain under its arrowhead
        cell.dirs |= dirs
        cell.dashed = cell.dashed and edge.conditional
        cell.edges.add(edge.index)
    if len(path) >= 3:
        x, y, _ = path[-2]
        going_down = path[-1][1] > y
        cells[y][x].char = "▼" if going_down else "▲"


def _place_label(canvas: Canvas, edge: EdgePath) -> None:
    """Beside the edge's last vertical run (nearest the target first), where cells are free."""
    text = f" {edge.label}"
    path = [(x, y) for x, y, d in _line_cells(edge.points) if d & (N | S)]
    for x, y in reversed(path[1:-1]):
        for start in (x + 1, x - len(text)):
            span = range(start, start + len(text))
            if start < 0 or span.stop > canvas.width:
                continue
            if all(_free(canvas, cx, y) for cx in span):
                for cx, ch in zip(span, text, strict=True):
                    cell = canvas.cells[y][cx]
                    cell.char, cell.label = ch, edge.index
                return


def _free(canvas: Canvas, x: int, y: int) -> bool:
    cell = canvas.cells[y][x]
    return cell.node is None and not cell.dirs and cell.label is None and cell.char == " "


def _trim(canvas: Canvas) -> None:
    used = max((x + 1 for row in canvas.cells for x, c in enumerate(row)
                if c.dirs or c.char != " "), default=0)
    for i, row in enumerate(canvas.cells):
        canvas.cells[i] = row[: used + 1]


@dataclass(frozen=True)
class Marks:
    """The selected step's marks: node name → status, and the indices of fired edges."""

    status: dict[str, str] = field(default_factory=dict)
    fired: frozenset[int] = frozenset()


def styled_rows(canvas: Canvas, marks: Marks, *, cursor: str | None = None,
                breakpoints: Collection[str] = ()) -> list[list[tuple[str, str]]]:
    """Each row as runs of (text, role); roles: node, start, end, subgraph, edge,
    conditional, fired, label, done, failed, interrupted, running, unknown, breakpoint,
    blank;
    on the `cursor` node's frame (its whole row when compact) a role is followed by
    " cursor". `breakpoints` are node names: their box gets a ● before the name."""
    overlay = _status_cells(canvas, marks)
    roles: dict[tuple[int, int], str] = {}
    for name in breakpoints:
        box = canvas.layout.boxes.get(name)
        if box is not None:  # the blank before the name, in full and compact boxes alike
            overlay[(box.x + 1, box.y + box.h // 2)] = BREAKPOINT
            roles[(box.x + 1, box.y + box.h // 2)] = "breakpoint"
    frame = _frame_cells(canvas.layout.boxes[cursor]) \
        if cursor in canvas.layout.boxes else set()
    rows: list[list[tuple[str, str]]] = []
    for y, row in enumerate(canvas.cells):
        runs: list[tuple[str, str]] = []
        for x, cell in enumerate(row):
            ch = overlay.get((x, y)) or canvas.char(x, y)
            role = roles.get((x, y)) or _role(canvas, cell, marks)
            if (x, y) in frame:
                role += " cursor"
            if runs and runs[-1][1] == role:
                runs[-1] = (runs[-1][0] + ch, role)
            else:
                runs.append((ch, role))
        rows.append(runs)
    return rows


def _frame_cells(box: Box) -> set[tuple[int, int]]:
    """A box's border cells; a compact box's whole row (its brackets alone are too thin)."""
    cells = {(x, y) for y in range(box.y, box.y + box.h) for x in range(box.x, box.x + box.w)}
    if box.h == 1:
        return cells
    return {(x, y) for x, y in cells if y in (box.y, box.y + box.h - 1)
            or x in (box.x, box.x + box.w - 1)}


def _status_cells(canvas: Canvas, marks: Marks) -> dict[tuple[int, int], str]:
    """The status word written into a marked box's top border (glyph only if narrow);
    a compact box has no border: its glyph goes in the blank after the name."""
    out: dict[tuple[int, int], str] = {}
    for name, status in marks.status.items():
        box = canvas.layout.boxes.get(name)
        if box is None or status not in STATUS_TEXT:
            continue
        text = STATUS_TEXT[status]
        if box.h == 1:
            out[(box.x + 2 + len(box.text), box.y)] = text[0]
            continue
        if len(text) > box.w - 3:
            text = text[0]
        for i, ch in enumerate(text):
            out[(box.x + 1 + i, box.y)] = ch
    return out


def _role(canvas: Canvas, cell: Cell, marks: Marks) -> str:
    if cell.node is not None and not cell.edges:
        status = marks.status.get(cell.node)
        if status is not None:
            return status
        kind = canvas.layout.boxes[cell.node].kind
        return "subgraph" if kind == "subgraph" else "start" if kind in ("start", "end") \
            else "node"
    if cell.label is not None:
        return "fired" if cell.label in marks.fired else "label"
    if cell.edges:
        if cell.edges & marks.fired:
            return "fired"
        return "conditional" if cell.dashed else "edge"
    return "blank"


def node_order(layout: GraphLayout) -> list[str]:
    """The nodes a cursor can be on (not START/END): top to bottom, left to right."""
    boxes = [b for b in layout.boxes.values() if b.kind not in UNSELECTABLE]
    return [b.name for b in sorted(boxes, key=lambda b: (b.y, b.x))]


def scope_of(ns: Iterable[str]) -> tuple[str, ...]:
    """A run's namespace (`("sub:<task id>", …)`) as the node names along it."""
    return tuple(part.split(":", 1)[0] for part in ns)


def node_target(scope: Sequence[str], name: str) -> str:
    """The breakpoint target meaning exactly this node: `sub/inner`, or `name` at the root."""
    return "/".join((*scope, name))


def breakpoint_nodes(layout: GraphLayout, scope: Sequence[str],
                     targets: Iterable[str]) -> set[str]:
    """The nodes of a run at `scope` that `targets` mean: by bare name or by full path."""
    wanted = set(targets)
    return {b.name for b in layout.boxes.values() if b.kind not in UNSELECTABLE
            and (b.name in wanted or node_target(scope, b.name) in wanted)}


STATUS_RANK = {"failed": 3, "interrupted": 2, "stopped": 2, "running": 1, "unknown": 1,
               "done": 0}


def step_marks(layout: GraphLayout, tasks: Iterable[tuple[str, str]],
               previous: Iterable[str]) -> Marks:
    """Marks for a step: its tasks' (name, status), and edges fired into them.

    An edge fired if it leads into one of the step's nodes from a node of the previous
    step (from START when the previous step ran no node: the input step).
    """
    status: dict[str, str] = {}
    for name, state in tasks:
        if STATUS_RANK.get(state, -1) >= STATUS_RANK.get(status.get(name, ""), -1):
            status[name] = state
    sources = set(previous) or {b.name for b in layout.boxes.values() if b.kind == "start"}
    fired = frozenset(e.index for e in layout.edges
                      if e.target in status and e.source in sources)
    return Marks(status, fired)
