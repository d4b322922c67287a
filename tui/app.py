"""The stepscope TUI application and `make_app`, the factory the CLI and tests use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual.app import App
from textual.notifications import SeverityLevel

from tracer.prices import Prices
from tui.debug.session import DebugSession
from tui.palette import StepscopeCommands
from tui.screens.debug import DebugScreen
from tui.screens.main import MainScreen


class StepscopeApp(App[None]):
    """Views one trace file (recorded, or growing with `follow`)."""

    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {StepscopeCommands}
    TITLE = "stepscope"

    def __init__(self, path: Path, *, follow: bool = False,
                 prices: Prices | None = None,
                 at: tuple[int | None, int | None] = (None, None)) -> None:
        super().__init__()
        self.path = path
        self.follow = follow
        self.at = at
        """(run, step) to show first (`view --run N --step S`; None: the first)."""
        self.prices = prices
        """The price table `--prices` named: the views show costs by it (None: no cost)."""

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.path, follow=self.follow, at=self.at)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Textual's notify, with markup off unless asked for: notices quote node names,
        search text and errors from the trace, which must show as they are written."""
        super().notify(message, title=title, severity=severity, timeout=timeout,
                       markup=markup)

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's screenshot: an SVG in the current directory (Textual's default,
        ~/Downloads, fails where that does not exist), and a notice saying where."""
        try:
            saved = self.save_screenshot(filename, path or os.getcwd(), time_format)
        except OSError as exc:
            self.notify(f"screenshot not saved: {exc.strerror or exc}", severity="error")
            return None
        self.notify(f"screenshot saved: {saved}")
        return saved

    @property
    def main(self) -> MainScreen:
        """The main screen (the bottom of the stack, under any modal)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen


class DebugApp(StepscopeApp):
    """`stepscope debug`: the views over the trace a DebugSession writes as it runs."""

    TITLE = "stepscope debug"

    def __init__(self, session: DebugSession, *, input: Any = None, start: bool = True,
                 mode: str = "step") -> None:
        super().__init__(session.path, follow=True)
        self.session = session
        self.start_input = input
        self.start_run = start
        self.start_mode = mode

    def get_default_screen(self) -> MainScreen:
        return DebugScreen(self.path, self.session, input=self.start_input,
                           start=self.start_run, mode=self.start_mode)


def make_app(path: str | os.PathLike[str], *, follow: bool = False,
             prices: Prices | None = None,
             at: tuple[int | None, int | None] = (None, None)) -> StepscopeApp:
    """Build the app for `stepscope view PATH [--follow] [--prices FILE] [--run N]
    [--step S]`, Pilot tests and snapshots."""
    return StepscopeApp(Path(path), follow=follow, prices=prices, at=at)
