"""EventLines: a virtualised list of trace events, one line each, drawn on demand.

Only the visible rows are decoded (line API); a row is a frame offset, so a list of
a million events costs eight bytes per event until it is looked at. How an event reads
as a line is a `LineFormat`: the Events tab's `event_line`, or the Custom tab's table
columns with a fixed header line and horizontal scrolling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MethodType
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from engine.events import Event
from tracer import Trace
from tui.views.raw_data import event_line

_CACHE = 4096


@dataclass(frozen=True, eq=False)
class LineFormat:
    """How the list draws its events: `line(event)`, an optional fixed header line, and
    the widest line's cells (0: lines are cut at the view's width, no horizontal scroll).

    Two formats are equal when they draw alike: a bound method `line` compares its
    object by value, so the formats of two equal `CustomColumns` are equal and the list
    keeps its decoded lines.
    """

    line: Callable[[Event], str] = event_line
    header: str = ""
    width: int = 0

    def _key(self) -> tuple[object, str, int]:
        # `==` on bound methods compares their objects by identity (Python >= 3.8): two
        # equal columns objects' `.line` differ, so compare (function, object) instead.
        line = self.line
        drawn = (line.__func__, line.__self__) if isinstance(line, MethodType) else line
        return drawn, self.header, self.width

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LineFormat):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def visible(text: str, start: int, width: int) -> str:
    """The `width` cells of `text` from cell `start` on, padded with spaces."""
    if text.isascii():
        return text[start: start + width].ljust(width)
    if start:
        text = Segment(text).split_cells(start)[1].text
    return set_cell_size(text, width)


class EventLines(ScrollView, can_focus=True):
    """Event lines for a sequence of frame offsets, with a cursor and marked matches.

    Enter, or a click on the cursor's line, posts `Chosen`; a click elsewhere moves the
    cursor there. ←/→ (ScrollableContainer's) scroll sideways when lines are wider than
    the view; otherwise the keys go on to the screen, which moves steps.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="events.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="events.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="events.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="events.page_down"),
        Binding("home,ctrl+home", "jump(0)", "First event", show=False, id="events.first"),
        Binding("end,ctrl+end", "jump(-1)", "Last event", show=False, id="events.last"),
        Binding("enter", "choose", "Go to step", show=False, id="events.choose"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "event-lines--cursor", "event-lines--match", "event-lines--header",
        "event-lines--odd",
    }

    DEFAULT_CSS = """
    EventLines { height: 1fr; }
    EventLines > .event-lines--cursor { background: $accent 40%; }
    EventLines > .event-lines--match { color: $warning; text-style: bold; }
    EventLines > .event-lines--header { background: $panel; text-style: bold; }
    EventLines > .event-lines--odd { background: $foreground 4%; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index (into the rows) of the highlighted event."""

    class Moved(Message):
        """Posted when the cursor moves to another event: its frame offset."""

        def __init__(self, offset: int) -> None:
            super().__init__()
            self.offset = offset

    class Chosen(Message):
        """Posted when the user picks an event (enter, or a click on the cursor's line): its
        row and frame offset."""

        def __init__(self, index: int, offset: int) -> None:
            super().__init__()
            self.index = index
            self.offset = offset

    def __init__(self, *, zebra_stripes: bool = False, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows: Sequence[int] = ()
        self.trace: Trace | None = None
        self.format = LineFormat()
        self.zebra_stripes = zebra_stripes
        """Shade every other row."""
        self.needle = ""
        """Search text whose matching lines are marked."""
        self._lines: dict[int, str] = {}

    def set_rows(self, trace: Trace, rows: Sequence[int],
                 line_format: LineFormat | None = None) -> None:
        """Show `rows` (frame offsets) read from `trace` (drawn as `line_format` says,
        if given); the cursor stays in range."""
        line_format = line_format or self.format
        if trace is not self.trace or line_format != self.format:
            self._lines = {}
        self.trace, self.rows, self.format = trace, rows, line_format
        self._size_virtually()
        self.cursor = min(self.cursor, max(len(rows) - 1, 0))
        self.refresh()

    @property
    def header_height(self) -> int:
        return 1 if self.format.header else 0

    def line(self, index: int) -> str:
        """The text of row `index` (decoded once, then cached)."""
        offset = self.rows[index]
        text = self._lines.get(offset)
        if text is None:
            assert self.trace is not None
            try:
                text = self.format.line(self.trace.read(offset))
            except Exception as exc:  # a damaged frame: show where, keep the list usable
                text = f"⚠ unreadable frame at {offset}: {exc}"
            if len(self._lines) > _CACHE:
                self._lines.clear()
            self._lines[offset] = text
        return text

    def render_line(self, y: int) -> Strip:
        # One segment of exactly the view's width, cut here: `Strip.crop_extend` of a strip
        # that already fits caches the strip in itself, a reference cycle per line drawn
        # (garbage for the cyclic collector, whose full passes cost 40-95 ms in the app).
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        style = self.rich_style
        if y < self.header_height:
            text = self.format.header
            style += self.get_component_rich_style("event-lines--header")
            return Strip([Segment(visible(text, scroll_x, width), style)], width)
        index = scroll_y + y - self.header_height
        if index >= len(self.rows):
            return Strip.blank(width, style)
        text = self.line(index)
        return Strip([Segment(visible(text, scroll_x, width), self._row_style(index, text))],
                     width)

    def _row_style(self, index: int, text: str) -> Style:
        style = self.rich_style
        if self.zebra_stripes and index % 2:
            style += self.get_component_rich_style("event-lines--odd")
        if self.needle and self.needle.lower() in text.lower():
            style += self.get_component_rich_style("event-lines--match")
        if index == self.cursor:
            style += self.get_component_rich_style("event-lines--cursor")
        return style

    def _size_virtually(self) -> None:
        # width 0: no horizontal scrolling (lines are cut at whatever width the view has)
        self.virtual_size = Size(self.format.width, len(self.rows) + self.header_height)

    def watch_cursor(self, cursor: int) -> None:
        if self.rows:
            self.scroll_to_region_of(cursor)
            if 0 <= cursor < len(self.rows):
                self.post_message(self.Moved(self.rows[cursor]))
        self.refresh()

    def scroll_to_region_of(self, index: int) -> None:
        """Scroll so that row `index` is visible."""
        top = self.scroll_offset.y
        height = max(self.scrollable_content_region.height - self.header_height, 1)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.header_height:
            return
        index = self.scroll_offset.y + offset.y - self.header_height
        if index >= len(self.rows):
            return
        event.stop()
        if index == self.cursor:
            self.action_choose()
        else:
            self.cursor = index

    def action_cursor(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        height = self.scrollable_content_region.height - self.header_height
        self.action_cursor(direction * max(height - 1, 1))

    def action_jump(self, index: int) -> None:
        if self.rows:
            self.cursor = index % len(self.rows)

    def action_choose(self) -> None:
        if 0 <= self.cursor < len(self.rows):
            self.post_message(self.Chosen(self.cursor, self.rows[self.cursor]))
