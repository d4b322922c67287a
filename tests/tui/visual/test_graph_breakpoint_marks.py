"""The node cursor and breakpoint marks drawn by `styled_rows`, and the pure helpers the
graph view uses to pick nodes (no Textual)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import tracer
from tui.views.graph_canvas import (
    Canvas,
    Marks,
    breakpoint_nodes,
    draw,
    node_order,
    node_target,
    scope_of,
    styled_rows,
)
from tui.views.graph_layout import layout

Opener = Callable[[str], tracer.Trace]


def canvas_of(trace: tracer.Trace, compact: bool = False) -> Canvas:
    return draw(layout(trace.topology, compact=compact))


def text_of(rows: list[list[tuple[str, str]]]) -> list[str]:
    return ["".join(text for text, _ in row) for row in rows]


def roles_at(rows: list[list[tuple[str, str]]], y: int) -> list[str]:
    """The role of every character of row `y`."""
    return [role for text, role in rows[y] for _ in text]


class TestNodeTargets:
    """Scope paths and which nodes a set of breakpoint targets means."""

    def test_scope_and_target(self) -> None:
        """A namespace's task ids are dropped; the root's target is the bare name."""
        assert scope_of(["node_2:1f2e", "inner:ab:cd"]) == ("node_2", "inner")
        assert node_target(("node_2",), "subgraph_node_1") == "node_2/subgraph_node_1"
        assert node_target((), "node_1") == "node_1"

    def test_bare_name_and_full_path(self, open_trace: Opener) -> None:
        """A bare name marks at any scope; a path only at its scope; START/END never."""
        boxes = canvas_of(open_trace("subgraph")).layout
        assert breakpoint_nodes(boxes, (), ["node_1", "x/node_2"]) == {"node_1"}
        assert breakpoint_nodes(boxes, ("x",), ["node_1", "x/node_2"]) == {"node_1", "node_2"}
        assert breakpoint_nodes(boxes, (), ["__start__", "__end__"]) == set()

    def test_node_order(self, open_trace: Opener) -> None:
        """Top to bottom, then left to right, without START and END."""
        canvas = canvas_of(open_trace("branching"))
        order = node_order(canvas.layout)
        assert "__start__" not in order and "__end__" not in order
        places = [(canvas.layout.boxes[n].y, canvas.layout.boxes[n].x) for n in order]
        assert places == sorted(places)
        assert set(order) == {"plan", "fast", "slow", "merge", "review", "report"}


class TestMarks:
    """The ● and the cursor's frame never move a character of the drawing."""

    @pytest.mark.parametrize("compact", [False, True])
    def test_breakpoint_dot_before_the_name(self, open_trace: Opener, compact: bool) -> None:
        """● replaces the blank before the name; every other character stays put."""
        canvas = canvas_of(open_trace("subgraph"), compact)
        plain = text_of(styled_rows(canvas, Marks()))
        rows = styled_rows(canvas, Marks(), breakpoints={"node_1"})
        marked = text_of(rows)
        box = canvas.layout.boxes["node_1"]
        y = box.y + box.h // 2
        assert "●node_1" in marked[y]
        assert marked[y].replace("●", " ") == plain[y]
        assert [r for i, r in enumerate(marked) if i != y] == \
            [r for i, r in enumerate(plain) if i != y]
        assert roles_at(rows, y)[marked[y].index("●")] == "breakpoint"

    @pytest.mark.parametrize("compact", [False, True])
    def test_cursor_frame(self, open_trace: Opener, compact: bool) -> None:
        """The cursor box's frame (a compact box's whole row) gets ' cursor'; text is
        unchanged and no other box is touched."""
        canvas = canvas_of(open_trace("subgraph"), compact)
        plain = styled_rows(canvas, Marks())
        rows = styled_rows(canvas, Marks(), cursor="node_2")
        assert text_of(rows) == text_of(plain)
        box = canvas.layout.boxes["node_2"]
        cursor_cells = {(x, y) for y in range(len(rows)) for x, role in
                        enumerate(roles_at(rows, y)) if role.endswith(" cursor")}
        inside = {(x, y) for x in range(box.x, box.x + box.w)
                  for y in range(box.y, box.y + box.h)}
        assert cursor_cells <= inside
        assert (box.x, box.y) in cursor_cells and (box.x + box.w - 1, box.y) in cursor_cells
        assert ((box.x + 3, box.y + box.h // 2) in cursor_cells) == compact

    def test_compact_status_keeps_the_name(self, open_trace: Opener) -> None:
        """A compact box shows its status glyph after the name, not over it."""
        canvas = canvas_of(open_trace("subgraph"), compact=True)
        text = text_of(styled_rows(canvas, Marks({"node_2": "done"}),
                                   breakpoints={"node_2"}))
        assert any("●node_2✓" in row for row in text)
