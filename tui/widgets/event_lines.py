"""EventLines: a virtualised list of trace events, one line each, drawn on demand.

Only the visible rows are decoded (line API); a row is a frame offset, so a list of
a million events costs eight bytes per event until it is looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.views.event_source import EventSource
from tui.views.raw_data import event_line

_CACHE = 4096


class EventLines(ScrollView, can_focus=True):
    """Event lines for a sequence of frame offsets, with a cursor and marked matches."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="events.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="events.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="events.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="events.page_down"),
        Binding("home", "jump(0)", "First event", show=False, id="events.first"),
        Binding("end", "jump(-1)", "Last event", show=False, id="events.last"),
        Binding("enter", "choose", "Go to step", id="events.choose"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"event-lines--cursor", "event-lines--match"}

    DEFAULT_CSS = """
    EventLines { height: 1fr; }
    EventLines > .event-lines--cursor { background: $accent 40%; }
    EventLines > .event-lines--match { color: $warning; text-style: bold; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index (into the rows) of the highlighted event."""

    class Chosen(Message):
        """Posted when the user presses enter on an event: its row and frame offset."""

        def __init__(self, index: int, offset: int) -> None:
            super().__init__()
            self.index = index
            self.offset = offset

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows: Sequence[int] = ()
        self.source: EventSource | None = None
        self.needle = ""
        """Search text whose matching lines are marked."""
        self._lines: dict[int, str] = {}

    def set_rows(self, source: EventSource, rows: Sequence[int]) -> None:
        """Show `rows` (frame offsets) read through `source`; the cursor stays in range."""
        if source is not self.source:
            self._lines = {}
        self.source, self.rows = source, rows
        self.virtual_size = Size(self.size.width, len(rows))
        self.cursor = min(self.cursor, max(len(rows) - 1, 0))
        self.refresh()

    def line(self, index: int) -> str:
        """The text of row `index` (decoded once, then cached)."""
        offset = self.rows[index]
        text = self._lines.get(offset)
        if text is None:
            assert self.source is not None
            try:
                text = event_line(self.source.event(offset))
            except Exception as exc:  # a damaged frame: show where, keep the list usable
                text = f"⚠ unreadable frame at {offset}: {exc}"
            if len(self._lines) > _CACHE:
                self._lines.clear()
            self._lines[offset] = text
        return text

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.size.width
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        text = self.line(index).ljust(width)[:width]
        style = self.rich_style
        if self.needle and self.needle.lower() in text.lower():
            style += self.get_component_rich_style("event-lines--match")
        if index == self.cursor:
            style += self.get_component_rich_style("event-lines--cursor")
        return Strip([Segment(text, style)], width)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))

    def watch_cursor(self, cursor: int) -> None:
        if self.rows:
            self.scroll_to_region_of(cursor)
        self.refresh()

    def scroll_to_region_of(self, index: int) -> None:
        """Scroll so that row `index` is visible."""
        top, height = round(self.scroll_offset.y), max(self.size.height, 1)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(self.size.height - 1, 1))

    def action_jump(self, index: int) -> None:
        if self.rows:
            self.cursor = index % len(self.rows)

    def action_choose(self) -> None:
        if 0 <= self.cursor < len(self.rows):
            self.post_message(self.Chosen(self.cursor, self.rows[self.cursor]))
