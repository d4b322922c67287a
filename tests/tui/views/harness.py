"""A tiny app mounting one view widget, for Pilot tests, and a helper to let it settle."""

from __future__ import annotations

from typing import TypeVar

from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from textual.worker import WorkerCancelled

M = TypeVar("M", bound=Message)

SIZE = (120, 36)


class ViewApp(App[None]):
    """Mounts `widget` alone and keeps every message views post up to the app."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.received: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def received_as(self, kind: type[M]) -> list[M]:
        """The received messages, each checked to be a `kind`."""
        messages = [m for m in self.received if isinstance(m, kind)]
        assert len(messages) == len(self.received), self.received
        return messages

    def on_raw_events_match_found(self, message: Message) -> None:
        self.received.append(message)

    def on_custom_events_event_chosen(self, message: Message) -> None:
        self.received.append(message)


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the views' workers (cancelled ones included), then for the messages they
    posted to be handled."""
    for _ in range(2):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass  # a newer show() replaced it: the newer one is awaited too
        await pilot.pause()
