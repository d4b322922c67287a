"""CustomEvents: what nodes wrote with their stream writer, in the step or the run."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label

from tracer import Trace
from tui.selection import Selection
from tui.views.custom_data import CustomList, CustomRow, custom_list, custom_row
from tui.widgets.event_lines import EventLines, LineFormat


class CustomEvents(Vertical):
    """A list of custom events: time, step, node, payload; `w` toggles step / whole run.

    The list is an `EventLines` (only the rows on screen are drawn): a step move hands it
    new frame offsets, with no table to rebuild.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "toggle_run", "Step/run", id="custom.toggle_run"),
    ]

    DEFAULT_CSS = """
    CustomEvents { height: 1fr; }
    CustomEvents > Label { width: 1fr; background: $panel; padding: 0 1; }
    """

    whole_run: reactive[bool] = reactive(False)
    """Show the custom events of the whole run instead of the selected step's."""

    class RowsLoaded(Message):
        """Posted (by the reading worker, to the view itself) when custom events were read."""

        def __init__(self, selection: Selection, whole_run: bool,
                     found: CustomList | None, problem: str | None = None) -> None:
            super().__init__()
            self.selection = selection
            self.whole_run = whole_run
            self.found = found
            self.problem = problem

    class EventChosen(Message):
        """Posted when the user picks a custom event (enter or click) — the app may go to
        its step."""

        def __init__(self, step: int, row: CustomRow) -> None:
            super().__init__()
            self.step = step
            self.row = row

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.selection: Selection | None = None
        self.found = CustomList()
        """The listed events (frame offsets and steps) and their columns' widths."""
        self._source: Trace | None = None

    def compose(self) -> ComposeResult:
        yield Label("custom events", id="custom-title")
        yield EventLines(zebra_stripes=True, id="custom-lines")

    @property
    def lines(self) -> EventLines:
        return self.query_one(EventLines)

    def show(self, selection: Selection) -> None:
        """Read the custom events of the step (or run) in a worker; the list updates."""
        if selection == self.selection:
            return
        run_changed = (self.selection is None or self.selection.trace is not selection.trace
                       or self.selection.run != selection.run)
        self.selection = selection
        self._source = selection.trace
        if self.whole_run and not run_changed:
            self._mark_step()
            return  # the run's rows are already there
        self._load(selection, self.whole_run, self._source)

    @work(thread=True, exclusive=True, group="custom-events")
    def _load(self, selection: Selection, whole_run: bool, source: Trace) -> None:
        try:
            found = custom_list(source, selection.run, None if whole_run else selection.step)
        except Exception as exc:  # a damaged trace: say so in the title
            self.post_message(self.RowsLoaded(selection, whole_run, None,
                                              f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.RowsLoaded(selection, whole_run, found))

    def _mark_step(self) -> None:
        """In run mode, put the cursor on the first event of the selected step."""
        if self.selection is not None and self.found.offsets:
            self.lines.cursor = self.found.index_of_step(self.selection.step)

    def _answers(self, message: RowsLoaded) -> bool:
        """Whether a worker's result is what the view should now list: same mode and run,
        and, in step mode, the same step (in run mode a step move reads nothing, so the
        run's result must still be taken after one)."""
        shown, loaded = self.selection, message.selection
        if shown is None or message.whole_run != self.whole_run:
            return False
        if loaded.trace is not shown.trace or loaded.run != shown.run:
            return False
        return self.whole_run or loaded.step == shown.step

    def watch_whole_run(self, whole_run: bool) -> None:
        if self.selection is not None and self._source is not None:
            self._load(self.selection, whole_run, self._source)

    def on_custom_events_rows_loaded(self, message: RowsLoaded) -> None:
        message.stop()
        if self._source is None or not self._answers(message):
            return
        title = self.query_one("#custom-title", Label)
        self.found = message.found or CustomList()
        columns = self.found.columns
        self.lines.set_rows(self._source, self.found.offsets,
                            LineFormat(columns.line, columns.header, columns.width))
        if message.found is None:
            title.update(Text(f"custom events unavailable: {message.problem}"))
            return
        where = "the whole run" if self.whole_run else f"step {message.selection.step}"
        count = len(self.found.offsets)
        title.update(Text(f"custom events of {where}: {count:,}  (w: step/run)"))
        if self.whole_run:
            self._mark_step()
        else:
            self.lines.cursor = 0

    def on_event_lines_chosen(self, message: EventLines.Chosen) -> None:
        message.stop()
        if self._source is not None:
            row = custom_row(self._source.read(message.offset))
            self.post_message(self.EventChosen(row.step, row))

    def action_toggle_run(self) -> None:
        """Switch between the selected step's custom events and the whole run's."""
        self.whole_run = not self.whole_run
