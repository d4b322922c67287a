"""CustomEvents: what nodes wrote with their stream writer, in the step or the run."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Label

from tui.selection import Selection
from tui.views.custom_data import CustomRow, clock, custom_rows
from tui.views.event_source import EventSource, run_events, step_events


class CustomEvents(Vertical):
    """A table of custom events: time, step, node, payload; `r` toggles step / whole run."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "toggle_run", "Step/run", id="custom.toggle_run"),
    ]

    DEFAULT_CSS = """
    CustomEvents { height: 1fr; }
    CustomEvents > Label { width: 1fr; background: $panel; padding: 0 1; }
    CustomEvents > DataTable { height: 1fr; }
    """

    whole_run: reactive[bool] = reactive(False)
    """Show the custom events of the whole run instead of the selected step's."""

    class RowsLoaded(Message):
        """Posted (by the reading worker, to the view itself) when custom events were read."""

        def __init__(self, selection: Selection, whole_run: bool,
                     rows: list[CustomRow] | None, problem: str | None = None) -> None:
            super().__init__()
            self.selection = selection
            self.whole_run = whole_run
            self.rows = rows
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
        self.rows: list[CustomRow] = []
        self._source: EventSource | None = None

    def compose(self) -> ComposeResult:
        yield Label("custom events", id="custom-title")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("time", "step", "node", "payload")
        yield table

    def show(self, selection: Selection) -> None:
        """Read the custom events of the step (or run) in a worker; the table updates."""
        if selection == self.selection:
            return
        run_changed = (self.selection is None or self.selection.trace is not selection.trace
                       or self.selection.run != selection.run)
        self.selection = selection
        if self._source is None or self._source.trace is not selection.trace:
            self._source = EventSource(selection.trace)
        if self.whole_run and not run_changed:
            self._mark_step()
            return  # the run's rows are already there
        self._load(selection, self.whole_run, self._source)

    @work(thread=True, exclusive=True, group="custom-events")
    def _load(self, selection: Selection, whole_run: bool, source: EventSource) -> None:
        try:
            if whole_run:
                events = run_events(source, selection.run, {"custom"})
            else:
                events = step_events(source, selection.run, selection.step, {"custom"})
            rows = custom_rows(events)
        except Exception as exc:  # a damaged trace: say so in the title
            self.post_message(self.RowsLoaded(selection, whole_run, None,
                                              f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.RowsLoaded(selection, whole_run, rows))

    def _mark_step(self) -> None:
        """In run mode, put the cursor on the first event of the selected step."""
        if self.selection is None:
            return
        for i, row in enumerate(self.rows):
            if row.step >= self.selection.step:
                self.query_one(DataTable).move_cursor(row=i)
                return

    def watch_whole_run(self, whole_run: bool) -> None:
        if self.selection is not None and self._source is not None:
            self._load(self.selection, whole_run, self._source)

    def on_custom_events_rows_loaded(self, message: RowsLoaded) -> None:
        message.stop()
        if message.selection != self.selection or message.whole_run != self.whole_run:
            return
        title = self.query_one("#custom-title", Label)
        table = self.query_one(DataTable)
        table.clear()
        if message.rows is None:
            self.rows = []
            title.update(f"custom events unavailable: {message.problem}")
            return
        self.rows = message.rows
        where = "run" if self.whole_run else f"step {message.selection.step}"
        title.update(f"custom events of the {where}: {len(self.rows)}  (r: step/run)")
        for row in self.rows:
            table.add_row(clock(row.t), str(row.step), row.node, row.text)
        if self.whole_run:
            self._mark_step()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.rows[event.cursor_row] if 0 <= event.cursor_row < len(self.rows) else None
        if row is not None:
            self.post_message(self.EventChosen(row.step, row))

    def action_toggle_run(self) -> None:
        """Switch between the selected step's custom events and the whole run's."""
        self.whole_run = not self.whole_run
