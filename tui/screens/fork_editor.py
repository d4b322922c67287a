"""`F`: fork here — the step's state as JSON to edit; saved only when it is valid."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from tui.debug.forking import ForkError, ForkPoint, parse_state, state_json

Edited = tuple[ForkPoint, dict | None]
"""What the editor returns: the point, and the edited values (None: unedited)."""


class ForkEditor(ModalScreen[Edited | None]):
    """Dismisses with (point, values or None) on ctrl+s, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "fork", id="fork.save", priority=True,
                tooltip="Re-run from this step with the state as edited"),
        Binding("escape", "cancel", "cancel", id="fork.cancel"),
    ]

    DEFAULT_CSS = """
    ForkEditor { align: center middle; }
    ForkEditor > Vertical {
        width: 90%; height: 90%; padding: 0 1;
        border: thick $accent; background: $panel;
    }
    ForkEditor TextArea { height: 1fr; }
    ForkEditor #fork-error { color: $error; height: auto; }
    """

    def __init__(self, point: ForkPoint) -> None:
        super().__init__()
        self.point = point

    def compose(self) -> ComposeResult:
        nxt = ", ".join(self.point.next_nodes) or "nothing (the run ended here)"
        with Vertical():
            yield Label(f"[b]Fork run {self.point.run} after step {self.point.step}[/b] · "
                        f"runs next: {escape(nxt)} · ctrl+s forks · escape cancels")
            yield TextArea(state_json(self.point.values), id="fork-state",
                           show_line_numbers=True, tab_behavior="indent", soft_wrap=False)
            yield Static("", id="fork-error")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        try:
            values = parse_state(self.query_one(TextArea).text, self.point)
        except ForkError as exc:
            self.query_one("#fork-error", Static).update(escape(str(exc)))
            return
        self.dismiss((self.point, values))

    def action_cancel(self) -> None:
        self.dismiss(None)
