"""`GraphView`: the selected run's topology, drawn with box-drawing characters."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracer import TraceError
from tui.selection import Selection
from tui.views.graph_canvas import Canvas, Marks, draw, step_marks, styled_rows
from tui.views.graph_layout import GraphLayout, layout
from tui.views.step_timing import RunSteps


class GraphView(ScrollView, can_focus=True):
    """Nodes, edges (conditional ones dashed, with labels) and subgraphs of the selected
    run, with the selected step's nodes marked done, failed, interrupted or running and
    the edges that fired into them highlighted. Clicking a node posts `NodeSelected`.
    """

    BINDINGS = [
        Binding("enter", "select_marked", "Open node", id="graph.select",
                tooltip="Select the first node the step ran (e.g. to open its subgraph)"),
    ]

    COMPONENT_CLASSES = {
        "graph-view--node", "graph-view--start", "graph-view--subgraph",
        "graph-view--edge", "graph-view--conditional", "graph-view--label",
        "graph-view--fired", "graph-view--done", "graph-view--failed",
        "graph-view--interrupted", "graph-view--running",
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
    GraphView > .graph-view--running { color: $primary; text-style: bold reverse; }
    """

    class NodeSelected(Message):
        """Posted when a node is clicked (or chosen with enter)."""

        def __init__(self, name: str, kind: str) -> None:
            self.name = name
            self.kind = kind
            """start, node, subgraph or end: the app opens subgraphs."""
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
        if key != self._layout_key:
            self._layout_key = key
            self._canvases = {}
            self._steps = RunSteps(selection.trace, selection.run)
        try:
            self._fit()
        except (TraceError, IndexError):
            self.canvas, self._layout_key = None, None
            self.virtual_size = Size(0, 0)
            self.refresh()
            return
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
        return step_marks(self.canvas.layout, [(t.name, t.status) for t in timing.tasks],
                          [t.name for t in previous.tasks] if previous else [])

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

    def _restyle(self) -> None:
        self._rows = styled_rows(self.canvas, self.marks) if self.canvas is not None else []
        self._strips.clear()
        self.refresh()

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
            self.canvas = self._canvases[compact]
            if len(self.canvas.cells) <= max(1, self.scrollable_content_region.height):
                break
        self.virtual_size = Size(self.canvas.width, len(self.canvas.cells))

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
            self.post_message(self.NodeSelected(box.name, box.kind))

    def action_select_marked(self) -> None:
        if self.canvas is None:
            return
        for name in self.marks.status:
            box = self.canvas.layout.boxes.get(name)
            if box is not None:
                self.post_message(self.NodeSelected(box.name, box.kind))
                return

    def _pad(self) -> int:
        """Columns of left margin that centre a graph narrower than the view."""
        if self.canvas is None:
            return 0
        return max(0, (self.scrollable_content_region.width - self.canvas.width) // 2)

    def _style(self, role: str) -> Style:
        if role == "blank":
            return self.rich_style
        return self.get_component_rich_style(f"graph-view--{role}")


def _topology(selection: Selection) -> dict[str, Any]:
    """The run's own topology (a subgraph run records its own graph)."""
    runs = selection.trace.index.runs
    if 0 <= selection.run < len(runs):
        return dict(selection.trace.read(runs[selection.run][0]).data.get("graph") or {})
    return selection.trace.topology
