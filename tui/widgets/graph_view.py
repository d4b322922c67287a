"""`GraphView`: the selected run's topology, drawn with box-drawing characters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracer import TraceError
from tracer.steps import RunSteps
from tui.selection import Selection
from tui.views.graph_canvas import (
    UNSELECTABLE,
    Canvas,
    Marks,
    breakpoint_nodes,
    draw,
    node_order,
    node_target,
    scope_of,
    step_marks,
    styled_rows,
)
from tui.views.graph_layout import GraphLayout, layout


class GraphView(ScrollView, can_focus=True):
    """Nodes, edges (conditional ones dashed, with labels) and subgraphs of the selected
    run, with the selected step's nodes marked done, failed, interrupted, stopped, running or
    unknown (the step ended but a task's task_end could not be read) and
    the edges that fired into them highlighted. Clicking a node posts `NodeSelected`.

    A node cursor (a click, or `[` / `]`) picks the node a debugger's breakpoint key
    means (`cursor_path()`); nodes with a breakpoint (`set_breakpoints`) show a red ●.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_marked", "Open node", id="graph.select",
                tooltip="Open the cursor's node (else the step's first): a subgraph node "
                        "opens its run, a node the Tasks view of the step it last ran in"),
        # Not in the footer: with the screen's keys it would push them off a 120-column one.
        Binding("left_square_bracket", "move_cursor(-1)", "prev node", show=False,
                id="graph.cursor_prev", key_display="[",
                tooltip="Move the node cursor to the previous node"),
        Binding("right_square_bracket", "move_cursor(1)", "next node", show=False,
                id="graph.cursor_next", key_display="]",
                tooltip="Move the node cursor to the next node (top to bottom, left to right)"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "graph-view--node", "graph-view--start", "graph-view--subgraph",
        "graph-view--edge", "graph-view--conditional", "graph-view--label",
        "graph-view--fired", "graph-view--done", "graph-view--failed",
        "graph-view--interrupted", "graph-view--stopped", "graph-view--running",
        "graph-view--unknown",
        "graph-view--breakpoint",
        "graph-view--cursor",
    }

    DEFAULT_CSS = """
    GraphView { height: 1fr; }
    GraphView > .graph-view--node { color: $text; }
    GraphView > .graph-view--start { color: $text-muted; }
    GraphView > .graph-view--subgraph { color: $accent; }
    GraphView > .graph-view--edge { color: $text-muted; }
    GraphView > .graph-view--conditional { color: $text-muted; }
    GraphView > .graph-view--label { color: $text-accent; text-style: italic; }
    GraphView > .graph-view--fired { color: $warning; text-style: bold; }
    GraphView > .graph-view--done { color: $success; text-style: bold; }
    GraphView > .graph-view--failed { color: $error; text-style: bold; }
    GraphView > .graph-view--interrupted { color: $warning; text-style: bold; }
    GraphView > .graph-view--stopped { color: $warning; text-style: bold; }
    GraphView > .graph-view--running { color: $primary; text-style: bold reverse; }
    GraphView > .graph-view--unknown { color: $text-muted; text-style: dim; }
    GraphView > .graph-view--breakpoint { color: $error; text-style: bold; }
    GraphView > .graph-view--cursor { text-style: bold reverse; }
    """

    cursor: reactive[str | None] = reactive(None, repaint=False)
    """The node under the cursor (never START/END), or None until a click or `[` / `]`."""

    class NodeSelected(Message):
        """Posted when a node is clicked (or chosen with enter)."""

        def __init__(self, name: str, kind: str, opened: bool = False) -> None:
            self.name = name
            self.kind = kind
            """start, node, subgraph or end: the app opens subgraphs."""
            self.opened = opened
            """Chosen with enter ("open node"), not just clicked."""
            super().__init__()

    class CursorMoved(Message):
        """Posted when the cursor's breakpoint target changes (a new node or run)."""

        def __init__(self, path: str | None) -> None:
            self.path = path
            """`cursor_path()`: what a breakpoint set now would name, or None."""
            super().__init__()

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.selection: Selection | None = None
        self.canvas: Canvas | None = None
        self.marks = Marks()
        """The selected step's node statuses and the edges that fired into them."""
        self._layout_key: tuple[int, int] | None = None
        self._canvases: dict[bool, Canvas] = {}
        self._steps: RunSteps | None = None
        self._rows: list[list[tuple[str, str]]] = []
        self._strips: dict[int, Strip] = {}
        self._scope: tuple[str, ...] = ()
        self.breakpoints: frozenset[str] = frozenset()
        """Breakpoint targets (node paths) to mark, as last given to `set_breakpoints`."""
        self._announced: str | None = None

    @property
    def layout_(self) -> GraphLayout | None:
        return None if self.canvas is None else self.canvas.layout

    def show(self, selection: Selection) -> None:
        """Draw `selection.run`'s topology (laid out once per run) and mark its step.

        A trace with no run yet draws nothing; a step whose frames are damaged draws the
        graph unmarked (the app reports the damage itself).
        """
        self.selection = selection
        key = (id(selection.trace), selection.run)
        new_run = key != self._layout_key
        if new_run:
            self._layout_key = key
            self._canvases = {}
            self._steps = RunSteps(selection.trace, selection.run)
            self._scope = scope_of(selection.ns)
        try:
            self._fit()
        except (TraceError, IndexError):
            self.canvas, self._layout_key = None, None
            self.virtual_size = Size(0, 0)
            self.cursor = None
            self.refresh()
            return
        if new_run:  # keep the cursor on a node of the same name, if the run has one
            self.cursor = self.validate_cursor(self.cursor)
            self._announce()
        assert self._steps is not None and self.canvas is not None
        try:
            self.marks = self._marks_for(selection.step)
        except TraceError:
            self.marks = Marks()
        self._restyle()

    def _marks_for(self, step: int) -> Marks:
        assert self._steps is not None and self.canvas is not None
        position = self._steps.position(step)
        if position is None:
            return Marks()
        timing = self._steps.timing(position)
        previous = self._steps.timing(position - 1) if position > 0 else None
        return step_marks(self.canvas.layout, [(t.name or "?", t.status) for t in timing.tasks],
                          [t.name or "?" for t in previous.tasks] if previous else [])

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = y + scroll_y
        width = self.scrollable_content_region.width
        if self.canvas is None or row >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(row)
        if strip is None:
            pad = [Segment(" " * self._pad(), self.rich_style)] if self._pad() else []
            strip = Strip([*pad, *(Segment(text, self._style(role))
                                   for text, role in self._rows[row])])
            self._strips[row] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def cursor_path(self) -> str | None:
        """The breakpoint target for the cursor's node: `sub/inner` in a subgraph run."""
        return None if self.cursor is None else node_target(self._scope, self.cursor)

    def set_breakpoints(self, targets: Iterable[str]) -> None:
        """Mark the nodes these targets mean (`inner`: by name; `sub/inner`: by path)."""
        self.breakpoints = frozenset(targets)
        self._restyle()

    def _restyle(self) -> None:
        canvas = self.canvas
        self._rows = [] if canvas is None else styled_rows(
            canvas, self.marks, cursor=self.cursor,
            breakpoints=breakpoint_nodes(canvas.layout, self._scope, self.breakpoints))
        self._strips.clear()
        self.refresh()

    def validate_cursor(self, name: str | None) -> str | None:
        """Only a node of the shown run (not START/END) can hold the cursor."""
        box = None if self.canvas is None or name is None else self.canvas.layout.boxes.get(name)
        return None if box is None or box.kind in UNSELECTABLE else name

    def watch_cursor(self) -> None:
        self._restyle()
        self._announce()

    def _announce(self) -> None:
        """Post `CursorMoved` if the cursor's target is not the one last posted."""
        path = self.cursor_path()
        if path != self._announced:
            self._announced = path
            self.post_message(self.CursorMoved(path))

    def on_resize(self, event: events.Resize) -> None:
        if self.selection is not None:
            self._fit()
            self._restyle()

    def _fit(self) -> None:
        """Boxes three rows tall, or one row when that is too tall for the view."""
        assert self.selection is not None
        for compact in (False, True):
            if compact not in self._canvases:
                topology = _topology(self.selection)
                self._canvases[compact] = draw(layout(topology, compact=compact))
            canvas = self.canvas = self._canvases[compact]
            if len(canvas.cells) <= max(1, self.scrollable_content_region.height):
                break
        self.virtual_size = Size(canvas.width, len(canvas.cells))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.canvas is None:
            return
        x = offset.x + self.scroll_offset.x - self._pad()
        box = self.canvas.layout.box_at(x, offset.y + self.scroll_offset.y)
        if box is not None:
            if box.kind not in UNSELECTABLE:
                self.cursor = box.name
            self.post_message(self.NodeSelected(box.name, box.kind))

    def action_move_cursor(self, delta: int) -> None:
        """Move the cursor `delta` nodes on in layout order, wrapping around."""
        if self.canvas is None or not (order := node_order(self.canvas.layout)):
            return
        if self.cursor in order:
            self.cursor = order[(order.index(self.cursor) + delta) % len(order)]
        else:
            self.cursor = order[0 if delta > 0 else -1]
        box = self.canvas.layout.boxes[self.cursor]
        self.scroll_to_region(Region(box.x, box.y, box.w, box.h), animate=False)

    def action_select_marked(self) -> None:
        if self.canvas is None:
            return
        for name in ([self.cursor] if self.cursor else []) + list(self.marks.status):
            box = self.canvas.layout.boxes.get(name)
            if box is not None:
                self.post_message(self.NodeSelected(box.name, box.kind, opened=True))
                return

    def _pad(self) -> int:
        """Columns of left margin that centre a graph narrower than the view."""
        if self.canvas is None:
            return 0
        return max(0, (self.scrollable_content_region.width - self.canvas.width) // 2)

    def _style(self, role: str) -> Style:
        base, _, cursor = role.partition(" ")
        style = self.rich_style if base == "blank" else \
            self.get_component_rich_style(f"graph-view--{base}")
        if cursor:
            frame = self.get_component_rich_style("graph-view--cursor", partial=True)
            if style.reverse and frame.reverse:
                # A box drawn reversed already (running): un-reversing its frame shows it.
                frame += Style(reverse=False)
            style += frame
        return style


def _topology(selection: Selection) -> dict[str, Any]:
    """The run's own topology (a subgraph run records its own graph)."""
    runs = selection.trace.index.runs
    if 0 <= selection.run < len(runs):
        return dict(selection.trace.read(runs[selection.run].offset).data.get("graph") or {})
    return selection.trace.topology
