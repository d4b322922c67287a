"""`?`: every key of the main screen and what it does (from `tui.bindings.ACTIONS`)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.bindings import ACTIONS, ActionSpec

_KEY_NAMES = {"left": "←", "right": "→", "slash": "/", "question_mark": "?", "plus": "+",
              "minus": "-", "equals_sign": "=", "space": "space", "backspace": "⌫"}


def key_text(keys: str) -> str:
    """Textual key names as a person types them: "left,h" → "← h"."""
    return " ".join(_KEY_NAMES.get(k, k) for k in keys.split(","))


def help_table(actions: tuple[ActionSpec, ...] = ACTIONS) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", expand=True)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("action")
    table.add_column("palette", style="dim")
    for spec in actions:
        table.add_row(key_text(spec.keys), spec.help, spec.title)
    table.add_row("ctrl+p", "Command palette: every action by name", "")
    table.add_row("click", "Select a step (step list) or a run (run tree)", "")
    return table


class HelpScreen(ModalScreen[None]):
    """Every key, its action and its command palette title."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "close", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; max-height: 90%; height: auto; padding: 0 1;
        border: thick $accent; background: $panel;
    }
    """

    def __init__(self, actions: tuple[ActionSpec, ...] = ACTIONS) -> None:
        super().__init__()
        self.actions = actions

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("[b]stepscope keys[/b]  (escape closes)", id="help-title")
            yield Static(help_table(self.actions), id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
