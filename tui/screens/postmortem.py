"""`L`: post-mortem — the failed node's frames and each frame's local variables.

Opens on the innermost frame of the program's own code; ↑/↓ pick another frame (library
and engine frames are listed dimmed). `d` suspends the UI into pdb on the same traceback
(pdb's `q` comes back here); the run stays paused meanwhile.
"""

from __future__ import annotations

import pdb
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, OptionList
from textual.widgets.option_list import Option

from tui.debug.postmortem import FrameView, frames_of, start_frame
from tui.visible import plain, visible


class PostMortemScreen(ModalScreen[None]):
    """The frames of `error`'s traceback; see the module doc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,L", "close", "close", id="postmortem.close"),
        Binding("d", "pdb", "pdb", id="postmortem.pdb",
                tooltip="Suspend the UI into pdb on this traceback (q in pdb comes back)"),
    ]

    DEFAULT_CSS = """
    PostMortemScreen { align: center middle; }
    PostMortemScreen > Vertical {
        width: 95%; height: 90%; padding: 0 1;
        border: thick $error; background: $panel;
    }
    PostMortemScreen #pm-title, PostMortemScreen #pm-error { width: 100%; height: auto; }
    PostMortemScreen OptionList { height: auto; max-height: 40%; }
    PostMortemScreen #pm-source { height: auto; color: $text-muted; }
    PostMortemScreen DataTable { height: 1fr; }
    """

    def __init__(self, error: BaseException, where: str) -> None:
        super().__init__()
        self.error = error
        self.where = where
        self.frames = frames_of(error)

    def compose(self) -> ComposeResult:
        title = Text.assemble(("post-mortem ", "bold"), plain(self.where),
                              ("   ↑/↓ frame · d pdb · esc close", "dim"))
        with Vertical():
            yield Label(title, id="pm-title")
            yield Label(plain(f"{type(self.error).__name__}: {self.error}", "bold red"),
                        id="pm-error")
            yield OptionList(*(_frame_option(f) for f in self.frames), id="pm-frames")
            yield Label("", id="pm-source")
            yield DataTable(id="pm-locals", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("name", "type", "value")
        frames = self.query_one(OptionList)
        if self.frames:
            frames.highlighted = start_frame(self.frames)
        frames.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(self.frames[event.option_index])

    def _show(self, frame: FrameView) -> None:
        self.query_one("#pm-source", Label).update(
            plain(f"{frame.line}: {frame.source}" if frame.source else ""))
        table = self.query_one(DataTable)
        table.clear()
        for local in frame.locals:
            table.add_row(plain(local.name, "bold"), plain(local.type, "cyan"),
                          plain(local.value))
        if not frame.locals:
            table.add_row(Text("(no local variables)", "dim"), "", "")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_pdb(self) -> None:
        tb = self.error.__traceback__
        if tb is None:
            self.notify("this exception has no traceback to debug", severity="warning")
            return
        try:
            with self.app.suspend():
                print(f"stepscope: pdb post-mortem on {type(self.error).__name__}: "
                      f"{visible(str(self.error))} (q returns to stepscope)")
                pdb.post_mortem(tb)
        except Exception as exc:  # SuspendNotSupported (no real terminal), pdb's own errors
            self.notify(f"cannot open pdb here: {type(exc).__name__}: {exc}", severity="error")


def _frame_option(frame: FrameView) -> Option:
    style = "dim" if frame.library else ""
    text = Text.assemble(plain(f"{frame.function}", f"bold {style}".strip()),
                         plain(f"  {frame.file}:{frame.line}", style or "default"))
    return Option(text)
