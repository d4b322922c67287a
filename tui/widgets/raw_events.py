"""RawEvents: every event of the run, filterable by kind, namespace or node, searchable."""

from __future__ import annotations

import bisect
import json
from array import array
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from tracer import Trace, TraceError
from tracer.export.jsonable import to_jsonable
from tui.selection import Selection
from tui.views.event_source import step_range
from tui.views.raw_data import parse_filter
from tui.views.raw_index import Stopped, filter_rows, find_row, scan_run
from tui.visible import plain
from tui.widgets.event_lines import EventLines

_PLACEHOLDER = "filter: kind:token,custom node:agent ns:root|NAME step:3 -kind:token words"


class RawEvents(Vertical):
    """The run's events in a virtualised list, with a filter line and text search.

    The app binds `/`, `n` and `N` and calls `search`, `next_match`, `previous_match`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "focus_filter", "Filter", id="raw.filter"),
    ]

    DEFAULT_CSS = """
    RawEvents { height: 1fr; }
    RawEvents > Input { height: 3; }
    RawEvents > Label { width: 1fr; background: $panel; padding: 0 1; }
    RawEvents > #raw-detail-box { height: 10; border-top: solid $panel-lighten-1; }
    """

    class Scanned(Message):
        """Posted (by the scanning worker, to the view itself) with a batch of frames."""

        def __init__(self, key: tuple[int, int], offsets: array[int], codes: bytes,
                     done: bool) -> None:
            super().__init__()
            self.key, self.offsets, self.codes, self.done = key, offsets, codes, done

    class Filtered(Message):
        """Posted (by the filtering worker, to the view itself) with the rows to show."""

        def __init__(self, text: str, rows: array[int]) -> None:
            super().__init__()
            self.text, self.rows = text, rows

    class Found(Message):
        """Posted (by the search worker, to the view itself) with a match's row, or None."""

        def __init__(self, needle: str, index: int | None) -> None:
            super().__init__()
            self.needle, self.index = needle, index

    class MatchFound(Message):
        """Posted when a search lands on an event, or the user chooses one (enter): its
        run and step, for the app to select."""

        def __init__(self, run: int, step: int, offset: int) -> None:
            super().__init__()
            self.run, self.step, self.offset = run, step, offset

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.selection: Selection | None = None
        self.source: Trace | None = None
        self.offsets: array[int] = array("Q")
        self.codes = bytearray()
        self.scanned = False
        self.filter_text = ""
        self.needle = ""
        self._key: tuple[int, int] = (0, -1)
        self._placed = False
        """The cursor has been put on the selected step (moves during the first scan wait
        for the batch that holds the step)."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder=_PLACEHOLDER, id="raw-filter")
        yield Label("events", id="raw-status")
        yield EventLines(id="raw-lines")
        with VerticalScroll(id="raw-detail-box"):
            yield Static("", id="raw-detail")

    def on_event_lines_moved(self, message: EventLines.Moved) -> None:
        """The event under the cursor, whole, in the pane below the list (a line of
        the list is cut at the view's width)."""
        message.stop()
        if self.source is None:
            return
        try:
            event = self.source.read(message.offset)
        except TraceError as exc:
            self.query_one("#raw-detail", Static).update(plain(f"unreadable: {exc}"))
            return
        head = (f"{event.kind} · seq {event.seq} · step {event.step} · "
                f"{'/'.join(event.ns) or 'root'} · byte {message.offset}")
        body = json.dumps(to_jsonable(event.data), indent=2, ensure_ascii=False,
                          default=repr)
        detail = plain(head, style="bold")
        detail.append("\n")
        detail.append_text(plain(body))
        self.query_one("#raw-detail", Static).update(detail)

    @property
    def lines(self) -> EventLines:
        return self.query_one(EventLines)

    # -- showing a step -----------------------------------------------------------------
    def show(self, selection: Selection) -> None:
        """List the run's events (scanned once per run, in a worker); put the cursor on
        the selected step's first event (as soon as the scan has reached it)."""
        previous, self.selection = self.selection, selection
        self._placed = False
        if (previous is None or previous.trace is not selection.trace
                or previous.run != selection.run):
            self.source = selection.trace
            self._key = (id(selection.trace), selection.run)
            self.offsets, self.codes, self.scanned = array("Q"), bytearray(), False
            self.lines.set_rows(self.source, self.offsets)
            self._scan(self.source, selection.run, self._key)
        else:
            self._go_to_step()

    @work(thread=True, exclusive=True, group="raw-scan")
    def _scan(self, source: Trace, run: int, key: tuple[int, int]) -> None:
        worker = get_current_worker()
        for offsets, codes in scan_run(source, run):
            if worker.is_cancelled:
                return  # another run was selected
            self.post_message(self.Scanned(key, offsets, codes, False))
        self.post_message(self.Scanned(key, array("Q"), b"", True))

    def _go_to_step(self) -> None:
        sel, rows = self.selection, self.lines.rows
        if sel is None or not rows:
            return
        try:
            start, end = step_range(sel.trace, sel.run, sel.step)
        except KeyError:
            return
        if not self.scanned and start > self.offsets[-1]:
            return  # not read yet: the batch that holds it places the cursor
        self._placed = True
        at = self.lines.cursor
        if 0 <= at < len(rows) and start <= rows[at] and (end is None or rows[at] <= end):
            return  # already on an event of the step (the one chosen or found): stay
        index = min(bisect.bisect_left(rows, start), len(rows) - 1)
        self.lines.cursor = index
        self.lines.scroll_to(y=index, animate=False)

    # -- filtering ----------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        """Filter the list (see `tui.views.raw_data` for the syntax)."""
        self.filter_text = text
        if self.source is not None:
            self._filter(self.source, text, self.offsets, bytes(self.codes))

    @work(thread=True, exclusive=True, group="raw-filter")
    def _filter(self, source: Trace, text: str, offsets: array[int], codes: bytes) -> None:
        worker = get_current_worker()
        try:
            rows = filter_rows(source, offsets, codes, parse_filter(text),
                               lambda: worker.is_cancelled)
        except Stopped:
            return  # a newer filter was typed
        self.post_message(self.Filtered(text, rows))

    # -- searching ----------------------------------------------------------------------
    def search(self, text: str) -> None:
        """Search the listed events' text from the cursor on; marks every matching line."""
        self.needle = self.lines.needle = text
        self._search(text, self.lines.rows, self.lines.cursor, 1)

    def next_match(self) -> None:
        """Move to the next line matching the search (wrapping)."""
        self._search(self.needle, self.lines.rows, self.lines.cursor + 1, 1)

    def previous_match(self) -> None:
        """Move to the previous line matching the search (wrapping)."""
        self._search(self.needle, self.lines.rows, self.lines.cursor - 1, -1)

    @work(thread=True, exclusive=True, group="raw-search")
    def _search(self, needle: str, rows: Sequence[int], start: int, direction: int) -> None:
        if self.source is None or not needle:
            return
        worker = get_current_worker()
        try:
            index = find_row(self.source, rows, needle, start, direction,
                             lambda: worker.is_cancelled)
        except Stopped:
            return  # a newer search replaced this one
        self.post_message(self.Found(needle, index))

    # -- handlers -----------------------------------------------------------------------
    def on_raw_events_scanned(self, message: Scanned) -> None:
        message.stop()
        if message.key != self._key or self.source is None:
            return
        self.offsets.extend(message.offsets)
        self.codes.extend(message.codes)
        self.scanned = message.done
        if self.filter_text:
            if message.done:
                self.set_filter(self.filter_text)
        else:
            self.lines.set_rows(self.source, self.offsets)
        self._update_status()
        if message.done or (not self._placed and not self.filter_text):
            self._go_to_step()

    def on_raw_events_filtered(self, message: Filtered) -> None:
        message.stop()
        if message.text != self.filter_text or self.source is None:
            return
        self.lines.set_rows(self.source, message.rows)
        self._update_status()
        self._go_to_step()

    def on_raw_events_found(self, message: Found) -> None:
        message.stop()
        if message.needle != self.needle:
            return
        if message.index is None:
            self.query_one("#raw-status", Label).update(
                Text(f"no event matches {message.needle!r}"))
            return
        self.lines.cursor = message.index
        self._update_status()
        self._select_step_of(self.lines.rows[message.index])

    def on_event_lines_chosen(self, message: EventLines.Chosen) -> None:
        """Enter, or a click on the cursor's line: select the step the event belongs to."""
        message.stop()
        self._select_step_of(message.offset)

    def _select_step_of(self, offset: int) -> None:
        if self.source is not None and self.selection is not None:
            event = self.source.read(offset)
            self.post_message(self.MatchFound(self.selection.run, max(event.step, 0), offset))

    @on(Input.Submitted, "#raw-filter")
    @on(Input.Changed, "#raw-filter")
    def _filter_typed(self, event: Input.Changed | Input.Submitted) -> None:
        event.stop()
        self.set_filter(event.value)

    def _update_status(self) -> None:
        shown, total = len(self.lines.rows), len(self.offsets)
        more = "" if self.scanned else " (reading…)"
        problems = parse_filter(self.filter_text).problems
        bad = f"  ⚠ not understood: {' '.join(problems)}" if problems else ""
        count = f"{shown:,} of {total:,} events" if self.filter_text else f"{total:,} events"
        self.query_one("#raw-status", Label).update(Text(f"{count}{more}{bad}"))

    def action_focus_filter(self) -> None:
        """Put the focus in the filter line."""
        self.query_one(Input).focus()
