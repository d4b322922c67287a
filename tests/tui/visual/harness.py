"""A small app that mounts one view widget and records the messages it posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget

M = TypeVar("M", bound=Message)


class ViewHarness(App[None]):
    """Mounts `widget` alone (focused) and keeps every message it posts up."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.posted: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def posted_as(self, kind: type[M]) -> list[M]:
        """The posted messages, each checked to be a `kind`."""
        messages = [m for m in self.posted if isinstance(m, kind)]
        assert len(messages) == len(self.posted), self.posted
        return messages

    def on_mount(self) -> None:
        self.widget.focus()

    def on_graph_view_node_selected(self, message: Any) -> None:
        self.posted.append(message)

    def on_superstep_lanes_step_selected(self, message: Any) -> None:
        self.posted.append(message)

    def on_token_timeline_call_selected(self, message: Any) -> None:
        self.posted.append(message)


def screen_text(widget: Widget) -> str:
    """The widget's visible lines as plain text."""
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


async def until(pilot: Any, ok: Callable[[], bool], tries: int = 250) -> None:
    """Let the app run (0.02 s at a time) until `ok()`; fail after `tries` pauses. For
    what arrives in messages of its own (worker results, redraws), late on a busy machine."""
    for _ in range(tries):
        if ok():
            return
        await pilot.pause(0.02)
    assert ok(), "timed out"
