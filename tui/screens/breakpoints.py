"""`B`: the breakpoints panel — the list, a field to add one, delete to remove one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.debug.breakpoints import SYNTAX, BreakpointError, BreakpointSet, parse


class BreakpointsScreen(ModalScreen[None]):
    """Edits a BreakpointSet in place; the run sees each change at once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", id="breakpoints.close"),
        Binding("delete,d", "remove", "remove", id="breakpoints.remove",
                tooltip="Remove the highlighted breakpoint"),
    ]

    DEFAULT_CSS = """
    BreakpointsScreen { align: center middle; }
    BreakpointsScreen > Vertical {
        width: 96; height: auto; max-height: 90%; padding: 1 2;
        border: thick $accent; background: $panel;
    }
    BreakpointsScreen OptionList { height: auto; max-height: 16; margin: 1 0; }
    BreakpointsScreen #bp-error { color: $error; height: auto; }
    BreakpointsScreen #bp-syntax { color: $text-muted; height: auto; }
    """

    def __init__(self, breakpoints: BreakpointSet, topology: Mapping[str, Any] | None,
                 state_keys: Iterable[str] | None, prefill: str = "") -> None:
        super().__init__()
        self.breakpoints = breakpoints
        self.topology = topology
        self.state_keys = list(state_keys) if state_keys is not None else None
        self.prefill = prefill

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Breakpoints[/b]  (enter adds · delete removes · escape closes)")
            yield OptionList(id="bp-list")
            yield Input(self.prefill, placeholder="add a breakpoint, e.g. after:review",
                        id="bp-input")
            yield Static("", id="bp-error")
            yield Static(escape(SYNTAX), id="bp-syntax")

    def on_mount(self) -> None:
        self._refill()
        self.query_one(Input).focus()

    def _refill(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        if not len(self.breakpoints):
            options.add_option(Option("[dim]no breakpoints[/dim]", id="none", disabled=True))
            return
        for i, bp in enumerate(self.breakpoints):
            options.add_option(Option(f"[red]●[/red] {escape(bp.text)}  [dim]"
                                      f"{escape(bp.describe())}[/dim]", id=f"bp-{i}"))
        options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = self.query_one("#bp-error", Static)
        try:
            bp = parse(event.value, self.topology, self.state_keys)
        except BreakpointError as exc:
            error.update(escape(str(exc)))
            return
        error.update("" if self.breakpoints.add(bp) else f"already set: {escape(bp.text)}")
        event.input.value = ""
        self._refill()

    def action_remove(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted
        points = list(self.breakpoints)
        if index is None or not 0 <= index < len(points):
            return
        self.breakpoints.remove(points[index])
        self._refill()
        if len(self.breakpoints):
            options.highlighted = min(index, len(self.breakpoints) - 1)

    def action_close(self) -> None:
        self.dismiss(None)
