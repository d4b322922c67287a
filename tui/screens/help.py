"""`?`: every key of the main screen and what it does (from `tui.bindings.ACTIONS`), then
each view's own keys (from its widget's bindings: they work once the view has focus)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.bindings import ACTIONS, VIEWS, ActionSpec
from tui.view_table import VIEW_WIDGETS
from tui.widgets.event_lines import EventLines

_KEY_NAMES = {"left": "←", "right": "→", "up": "↑", "down": "↓", "slash": "/",
              "question_mark": "?", "plus": "+", "minus": "-", "equals_sign": "=",
              "space": "space", "backspace": "⌫", "left_square_bracket": "[",
              "right_square_bracket": "]", "shift+left": "shift+←", "shift+right": "shift+→"}
_LISTS = {"custom": EventLines, "events": EventLines}
"""Views whose list widget has keys of its own."""


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


def view_keys_table() -> Table:
    """Each view's own keys: they act once the view has focus (tab, or a click in it)."""
    table = Table(box=None, show_header=True, header_style="bold", expand=True)
    table.add_column("view", style="bold", no_wrap=True)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("action")
    for view, title in VIEWS:
        classes = [VIEW_WIDGETS[view], *([_LISTS[view]] if view in _LISTS else [])]
        first = True
        for cls in classes:
            for binding in cls.__dict__.get("BINDINGS", ()):
                if not isinstance(binding, Binding):
                    continue
                keys = binding.key_display or key_text(binding.key)
                what = binding.tooltip or binding.description
                table.add_row(title if first else "", keys, what)
                first = False
    return table


class HelpScreen(ModalScreen[None]):
    """Every key, its action and its command palette title."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "close", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; max-height: 90%; height: auto; padding: 0 1;
        border: thick $accent; background: $panel;
    }
    """

    def __init__(self, actions: tuple[ActionSpec, ...] = ACTIONS, note: str = "") -> None:
        super().__init__()
        self.actions = actions
        self.note = note

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("[b]stepscope keys[/b]  (escape closes)", id="help-title")
            yield Static(help_table(self.actions), id="help-keys")
            yield Static("\n[b]in a view[/b]  (once it has focus: tab, or a click in it)",
                         id="help-views-title")
            yield Static(view_keys_table(), id="help-view-keys")
            if self.note:
                yield Static(Text(f"\n{self.note}", style="italic"), id="help-note")

    def action_close(self) -> None:
        self.dismiss(None)
