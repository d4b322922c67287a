"""The step list: a heading, then one line per superstep, drawn with the line API
(visible rows only)."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.selection import Selection
from tui.step_rows import RowCache, StepRow, node_list
from tui.thread_rows import ThreadRows
from tui.units import duration

_STEP_W, _DUR_W, _MARK_W = 6, 8, 9
_HEAD = 1
"""Lines the column heading takes at the top; it stays put while the rows scroll."""


class StepList(ScrollView, can_focus=True, inherit_bindings=False):
    """Every step of the selected run (of its thread: its runs in order, a marker line
    between two runs): number, nodes run, duration and marks.

    Rows come from a `RowCache`, read only when a row is drawn, so a run of 10,000
    steps costs what the screen shows. The first line is a column heading that stays
    put (as DataTable's: virtual line 0, drawn at the top whatever the scroll offset).
    Clicking a row, or moving with ↑/↓ and page up/down, posts `StepChosen`; the screen
    decides and calls `show` back. Home and end are left to the screen (ScrollView's
    own scrolling bindings are not inherited).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "up", show=False, id="step-list.up"),
        Binding("down,j", "move(1)", "down", show=False, id="step-list.down"),
        Binding("pageup", "page(-1)", "page up", show=False, id="step-list.page-up"),
        Binding("pagedown", "page(1)", "page down", show=False, id="step-list.page-down"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "step-list--heading",
        "step-list--cursor",
        "step-list--error",
        "step-list--dim",
        "step-list--running",
        "step-list--marks",
        "step-list--marker",
    }

    DEFAULT_CSS = """
    StepList {
        background: $surface;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    StepList > .step-list--heading { color: $text-muted; text-style: bold; }
    StepList > .step-list--cursor { background: $accent 40%; text-style: bold; }
    StepList:focus > .step-list--cursor { background: $accent; }
    StepList > .step-list--error { color: $error; }
    StepList > .step-list--dim { color: $text-muted; }
    StepList > .step-list--running { color: $accent; text-style: italic; }
    StepList > .step-list--marks { color: $warning; }
    StepList > .step-list--marker { color: $accent; text-style: bold; }
    """

    class StepChosen(Message):
        """Posted when the user picks a step here (click, ↑/↓, page up/down)."""

        def __init__(self, step: int, run: int | None = None) -> None:
            super().__init__()
            self.step = step
            self.run = run
            """The step's run (a thread's list shows several); None: the selected one."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: RowCache | ThreadRows | None = None
        self.cursor = 0
        """Row index of the selected step."""

    # -- state in ------------------------------------------------------------------------
    def set_rows(self, rows: RowCache | ThreadRows) -> None:
        """Show the rows of a (new) run."""
        self.rows = rows
        self.cursor = 0
        self._resize()

    def grow(self) -> None:
        """The row cache gained rows (a growing file): extend the scroll region."""
        self._resize()

    def show(self, selection: Selection) -> None:
        """Move the cursor to the selected step and scroll it into view."""
        if self.rows is None:
            return
        index = self.rows.index_of(selection.step, selection.run)
        if index is None:
            return
        old, self.cursor = self.cursor, index
        self.refresh_line(old + _HEAD)  # virtual lines: the heading is line 0
        self.refresh_line(index + _HEAD)
        self._scroll_to_cursor()
        # Before the list has its size (a trace opened straight at its end), or before a
        # new virtual size is laid out, the scroll above is clamped short: again after.
        self.call_after_refresh(self._scroll_to_cursor)

    def _scroll_to_cursor(self) -> None:
        if self.rows is None or not len(self.rows):
            return
        self.scroll_to_region(Region(0, self.cursor + _HEAD, 1, 1), spacing=Spacing(top=_HEAD),
                              animate=False, immediate=True)

    @property
    def page_rows(self) -> int:
        """How many step rows fit below the heading."""
        return max(1, self.scrollable_content_region.height - _HEAD)

    def _resize(self) -> None:
        count = len(self.rows) if self.rows is not None else 0
        self.virtual_size = Size(self.size.width, count + _HEAD)
        self.refresh()

    # -- drawing -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y < _HEAD:
            style = base + self.get_component_rich_style("step-list--heading")
            return Strip(self._heading(style, width)).crop_extend(0, width, style)
        index = self.scroll_offset.y + y - _HEAD
        if self.rows is None or index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows.row(index)
        if row.marker is not None:
            style = base + self.get_component_rich_style("step-list--marker")
            text = row.marker
            if cell_len(text) > width - 1:
                text = set_cell_size(text, max(0, width - 2)) + "…"
            return Strip([Segment(" " + text, style)]).crop_extend(0, width, base)
        style = base
        selected = index == self.cursor
        if selected:
            style = base + self.get_component_rich_style("step-list--cursor")
        segments = self._segments(row, style, width, selected)
        return Strip(segments).crop_extend(0, width, style)

    @staticmethod
    def _nodes_width(width: int) -> int:
        return max(4, width - _STEP_W - _DUR_W - _MARK_W - 3)

    def _heading(self, style: Style, width: int) -> list[Segment]:
        """The column names, aligned as `_segments` lays out a row."""
        nodes_w = self._nodes_width(width)
        return [Segment(f"{'step':>{_STEP_W}} {'nodes':<{nodes_w}} "
                        f"{'duration':>{_DUR_W}} {'marks':<{_MARK_W}}", style)]

    def _segments(self, row: StepRow, style: Style, width: int,
                  selected: bool = False) -> list[Segment]:
        nodes_w = self._nodes_width(width)
        nodes = node_list(row.nodes) if row.nodes else ("input" if row.step == 0 else "—")
        if len(nodes) > nodes_w:
            nodes = nodes[: nodes_w - 1] + "…"
        failed = row.errors or row.broken
        if selected:
            # The cursor's colours for the whole row (red or yellow on the cursor's
            # background was unreadable); a failed step stays told by ✗ and bold.
            dim = took_style = style
            node_style = marks_style = style + Style(bold=True) if failed else style
        else:
            part = self.get_component_rich_style
            dim = style + part("step-list--dim", partial=True)
            node_style = style + part("step-list--error", partial=True) if failed else style
            marks_style = node_style if failed else style + part("step-list--marks",
                                                                 partial=True)
            took_style = style + part("step-list--running" if row.running
                                      else "step-list--dim", partial=True)
        took = "running" if row.running else duration(row.duration_ns, compact=True)
        return [
            Segment(f"{row.step:>{_STEP_W}} ", dim),
            Segment(f"{nodes:<{nodes_w}} ", node_style),
            Segment(f"{took:>{_DUR_W}} ", took_style),
            Segment(f"{row.marks:<{_MARK_W}}", marks_style),
        ]

    # -- handlers ------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self._resize()
        self.call_after_refresh(self._scroll_to_cursor)  # the selected step stays in view

    def on_click(self, event: events.Click) -> None:
        if self.rows is None:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y < _HEAD:
            return  # the heading
        index = self.scroll_offset.y + offset.y - _HEAD
        if 0 <= index < len(self.rows):
            self._choose(index)

    def _choose(self, index: int, direction: int = 1) -> None:
        """Post the step at `index` (past a marker line, in `direction`)."""
        if self.rows is not None and len(self.rows):
            index = self.rows.step_index(index, direction)
            run, step = self.rows.place(index)
            self.post_message(self.StepChosen(step, run))

    # -- actions -------------------------------------------------------------------------
    def action_move(self, delta: int) -> None:
        self._choose(self.cursor + delta, delta)

    def action_page(self, direction: int) -> None:
        self._choose(self.cursor + direction * self.page_rows, direction)
