"""DiffView: per task of the selected step, what it wrote, through which reducer."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from tui.selection import Selection
from tui.views.diff_data import TaskBlock, input_block, task_blocks
from tui.widgets.hanging import Hanging


class DiffView(VerticalScroll):
    """Writes of each task of the step, old → new: green added, red removed, yellow changed."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-view--title", "diff-view--add", "diff-view--remove", "diff-view--change",
        "diff-view--error", "diff-view--note",
    }

    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    DiffView > .diff-view--title { text-style: bold; }
    DiffView > .diff-view--add { color: $success; }
    DiffView > .diff-view--remove { color: $error; }
    DiffView > .diff-view--change { color: $warning; }
    DiffView > .diff-view--error { color: $error; text-style: bold; }
    DiffView > .diff-view--note { color: $text-muted; }
    """

    class DiffLoaded(Message):
        """Posted (by the reading worker, to the view itself) when a step's diff was read."""

        def __init__(self, selection: Selection, blocks: list[TaskBlock] | None,
                     problem: str | None = None) -> None:
            super().__init__()
            self.selection = selection
            self.blocks = blocks
            self.problem = problem

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.selection: Selection | None = None
        self.blocks: list[TaskBlock] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="diff-body")

    def show(self, selection: Selection) -> None:
        """Read the step's diff in a worker; the view updates when it is done."""
        self.selection = selection
        self._load(selection)

    @work(thread=True, exclusive=True, group="diff-view")
    def _load(self, selection: Selection) -> None:
        trace = selection.trace
        try:
            if get_current_worker().is_cancelled:
                return  # a newer step was selected meanwhile
            if selection.step <= 0:
                blocks = [input_block(trace.state_at(0, selection.run))]
            else:
                blocks = task_blocks(trace.diff(selection.step, selection.run))
        except Exception as exc:  # a damaged or cut trace: say so in the view
            self.post_message(self.DiffLoaded(selection, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.DiffLoaded(selection, blocks))

    @property
    def text(self) -> Text:
        """The rendered diff (for tests and copying)."""
        return self._render_blocks(self.blocks)

    def _render_blocks(self, blocks: list[TaskBlock]) -> Text:
        out = Text()
        for i, block in enumerate(blocks):
            if i:
                out.append("\n")
            title_style = "diff-view--error" if block.failed else "diff-view--title"
            out.append(f"▌ {block.title}\n", self.get_component_rich_style(title_style))
            for line in block.lines:
                style = self.get_component_rich_style(f"diff-view--{line.kind}")
                out.append(f"  {line.text}\n", style)
        return out

    def on_diff_view_diff_loaded(self, message: DiffLoaded) -> None:
        message.stop()
        if message.selection != self.selection:
            return
        body = self.query_one("#diff-body", Static)
        if message.blocks is None:
            self.blocks = []
            body.update(Text(f"diff unavailable: {message.problem}", style="bold red"))
            return
        self.blocks = message.blocks
        if not self.blocks:
            body.update(Text("(no tasks in this step)", style="dim"))
            return
        body.update(Hanging(self._render_blocks(self.blocks)))
