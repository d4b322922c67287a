"""`SuperstepLanes`: the teaching view — steps as columns, nodes as rows, tasks as bars."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tracer.steps import RunSteps
from tui.selection import Selection
from tui.views.lane_layout import (
    Column,
    Row,
    column_at,
    first_showing,
    lane_keys,
    render_lanes,
    visible_columns,
)


class SuperstepLanes(Widget, can_focus=True):
    """Each step a column (as wide as it was long, or uniform), each node a row, each
    task a bar inside its step; the barrier closes every step, the straggler that the
    others waited for stands out and their wait is shaded. Only visible steps are read.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_scaled", "Scaled/uniform", id="lanes.toggle-scaled",
                tooltip="Columns scaled to each step's duration, or all the same width"),
        Binding("shift+left", "scroll_steps(-1)", "Scroll ←", id="lanes.scroll-left"),
        Binding("shift+right", "scroll_steps(1)", "Scroll →", id="lanes.scroll-right"),
        Binding("pageup", "scroll_page(-1)", "Page ←", show=False, id="lanes.page-left"),
        Binding("pagedown", "scroll_page(1)", "Page →", show=False, id="lanes.page-right"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "superstep-lanes--header", "superstep-lanes--label", "superstep-lanes--muted",
        "superstep-lanes--bar", "superstep-lanes--straggler", "superstep-lanes--wait",
        "superstep-lanes--failed", "superstep-lanes--interrupted",
        "superstep-lanes--running", "superstep-lanes--unknown", "superstep-lanes--barrier",
        "superstep-lanes--selected",
    }

    DEFAULT_CSS = """
    SuperstepLanes { height: 1fr; }
    SuperstepLanes > .superstep-lanes--header { text-style: bold; }
    SuperstepLanes > .superstep-lanes--label { color: $text; }
    SuperstepLanes > .superstep-lanes--muted { color: $text-muted; }
    SuperstepLanes > .superstep-lanes--bar { color: $success; }
    SuperstepLanes > .superstep-lanes--straggler { color: $warning; text-style: bold; }
    SuperstepLanes > .superstep-lanes--wait { color: $warning 50%; }
    SuperstepLanes > .superstep-lanes--failed { color: $error; }
    SuperstepLanes > .superstep-lanes--interrupted { color: $warning; }
    SuperstepLanes > .superstep-lanes--running { color: $primary; }
    SuperstepLanes > .superstep-lanes--unknown { color: $text-muted; text-style: dim; }
    SuperstepLanes > .superstep-lanes--barrier { color: $text-muted; }
    SuperstepLanes > .superstep-lanes--selected { background: $primary-muted; }
    """

    scaled: reactive[bool] = reactive(True)
    """Columns as wide as their step lasted (True) or all the same width."""
    first: reactive[int] = reactive(0)
    """Position (among the run's steps) of the leftmost visible step."""

    class StepSelected(Message):
        """Posted when a step's column is clicked."""

        def __init__(self, run: int, step: int) -> None:
            self.run = run
            self.step = step
            super().__init__()

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.selection: Selection | None = None
        self.columns: list[Column] = []
        self.rows: list[Row] = []
        self._steps: RunSteps | None = None
        self._names: list[str] = []
        self._strips: dict[int, Strip] = {}

    def show(self, selection: Selection) -> None:
        """Show the run's steps around `selection.step`, scrolling only if it is hidden."""
        old = self.selection
        self.selection = selection
        if old is None or old.trace is not selection.trace or old.run != selection.run:
            self._steps = RunSteps(selection.trace, selection.run)
            runs = selection.trace.index.runs
            graph = selection.trace.read(runs[selection.run].offset).data.get("graph", {}) \
                if selection.run < len(runs) else selection.trace.topology
            self._names = [n["name"] for n in graph.get("nodes", [])
                           if n.get("kind") in ("node", "subgraph")]
            self.set_reactive(SuperstepLanes.first, 0)
        self._keep_selected_visible()
        self._rebuild()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(y)
        if strip is None:
            strip = Strip([Segment(text, self._style(role)) for text, role in self.rows[y]])
            self._strips[y] = strip
        return strip.crop_extend(0, width, self.rich_style)

    def watch_scaled(self) -> None:
        self._keep_selected_visible()
        self._rebuild()

    def watch_first(self) -> None:
        self._rebuild()

    def on_resize(self, event: events.Resize) -> None:
        self._keep_selected_visible()
        self._rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_click(self, event: events.Click) -> None:
        column = column_at(self.columns, event.x)
        if column is not None and self.selection is not None:
            self.post_message(self.StepSelected(self.selection.run, column.timing.step))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.action_scroll_steps(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.action_scroll_steps(-1)

    def action_toggle_scaled(self) -> None:
        self.scaled = not self.scaled

    def action_scroll_steps(self, delta: int) -> None:
        self.first = max(0, min(self._total() - 1, self.first + delta))

    def action_scroll_page(self, direction: int) -> None:
        self.action_scroll_steps(direction * max(1, len(self.columns) - 1))

    def _total(self) -> int:
        return len(self._steps.entries) if self._steps is not None else 0

    def _layout(self, first: int) -> list[Column]:
        assert self._steps is not None
        return visible_columns(self._steps.timing, self._total(), first, self.size.width,
                               self.scaled)

    def _keep_selected_visible(self) -> None:
        if self._steps is None or self.selection is None or not self.size.width:
            return
        position = self._steps.position(self.selection.step)
        if position is None:
            return
        first = first_showing(position, self.first, self._layout)
        self.set_reactive(SuperstepLanes.first, first)

    def _rebuild(self) -> None:
        if self._steps is None or self.selection is None:
            return
        self.columns = self._layout(self.first)
        keys = lane_keys(self.columns, self._names)
        self.rows = render_lanes(self.columns, keys, self.selection.step, self._total(),
                                 self.scaled, self.size.width)
        self._strips.clear()
        self.refresh()

    def _style(self, role: str) -> Style:
        selected = role.startswith("sel:")
        role = role.removeprefix("sel:")
        style = self.rich_style if role == "blank" else \
            self.get_component_rich_style(f"superstep-lanes--{role}")
        if selected:
            style += self.get_component_rich_style("superstep-lanes--selected", partial=True)
        return style
