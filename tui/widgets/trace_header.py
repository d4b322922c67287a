"""The header line: trace name, status, and the breadcrumb of the run being viewed."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class TraceHeader(Widget):
    """One line: `name · status · step i/n` and `root › subgraph` on the right."""

    DEFAULT_CSS = """
    TraceHeader { height: 1; background: $primary; color: $text; padding: 0 1; }
    """

    title: reactive[str] = reactive("stepscope")
    """The trace's file name and graph name."""
    status: reactive[str] = reactive("")
    """done / error / interrupted / incomplete, plus following / playing."""
    position: reactive[str] = reactive("")
    """Where the selection is, e.g. "step 3 (4/12)"."""
    crumbs: reactive[tuple[str, ...]] = reactive(())
    """Labels of the runs from the root to the one in view."""

    def render(self) -> Text:
        text = Text.assemble((self.title, "bold"))
        if self.status:
            text.append("  ·  ")
            style = "bold red" if "error" in self.status or "corrupt" in self.status else ""
            text.append(self.status, style)
        if self.position:
            text.append("  ·  " + self.position)
        if len(self.crumbs) > 1:
            text.append("   ")
            text.append(" › ".join(self.crumbs), "italic")
        return text
