"""The stepscope TUI application and `make_app`, the factory the CLI and tests use."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import App

from tui.palette import StepscopeCommands
from tui.screens.main import MainScreen


class StepscopeApp(App[None]):
    """Views one trace file (recorded, or growing with `follow`)."""

    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {StepscopeCommands}
    TITLE = "stepscope"

    def __init__(self, path: Path, *, follow: bool = False) -> None:
        super().__init__()
        self.path = path
        self.follow = follow

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.path, follow=self.follow)

    @property
    def main(self) -> MainScreen:
        """The main screen (the bottom of the stack, under any modal)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen


def make_app(path: str | os.PathLike[str], *, follow: bool = False) -> StepscopeApp:
    """Build the app for `stepscope view PATH [--follow]`, Pilot tests and snapshots."""
    return StepscopeApp(Path(path), follow=follow)
