"""Text whose wrapped lines keep their indent (and hang two columns further), so a long
value in the Diff or Tasks view stays under its key instead of running back to the
left edge."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text


class Hanging:
    """A Rich renderable: `text`, each line wrapped with a hanging indent."""

    def __init__(self, text: Text, extra: int = 2) -> None:
        self.text = text
        self.extra = extra

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(8, options.max_width)
        for line in self.text.split("\n", allow_blank=True):
            if line.cell_len <= width:
                line.no_wrap = True
                yield line
                continue
            plain = line.plain
            hang = min(len(plain) - len(plain.lstrip(" ")) + self.extra, width // 2)
            for i, part in enumerate(line.wrap(console, width - hang, overflow="fold")):
                piece = Text(" " * hang) + part if i else part
                piece.no_wrap = True
                yield piece
