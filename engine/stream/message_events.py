"""The `messages` projection of a v3 run: content-block protocol events.

`ProtocolMessageTracker` turns each chat-model call's `token` / `llm_end` engine events
into `message-start`, `content-block-*` and `message-finish` events (see
`engine.chat_models.protocol_events`), each paired with the token metadata plus the
call's `run_id`, which the run's `MessagesTransformer` routes by. Messages that nodes
return are still emitted whole, as in the v1 projection.
"""

from __future__ import annotations

from typing import Any

from engine.chat_models.protocol_events import ReplyEvents, message_events
from engine.events import Event
from engine.pregel.compiled import MESSAGES_V2_KEY
from engine.pregel.messages_out import MessageTracker

__all__ = ["MESSAGES_V2_KEY", "ProtocolMessageTracker", "message_events"]


class _Call:
    __slots__ = ("metadata", "ns", "reply")

    def __init__(self, ns: tuple[str, ...], metadata: dict[str, Any]) -> None:
        self.ns = ns
        self.metadata = metadata
        self.reply = ReplyEvents()


class ProtocolMessageTracker(MessageTracker):
    """The v3 `messages` projection (see the module docstring)."""

    def __init__(self, projector: Any) -> None:
        super().__init__(projector)
        self.calls: dict[str, _Call] = {}

    def _put(self, call: _Call, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.projector.put(call.ns, "messages", (event, call.metadata))

    def token(self, event: Event) -> None:
        ns = self.shown_token(event)
        if ns is None:
            return
        data, chunk = event.data, event.data["chunk"]
        call = self.calls.get(data["call_id"])
        if call is None:
            call = self.calls[data["call_id"]] = _Call(
                ns, {**data["metadata"], "run_id": data["call_id"]})
        self._put(call, call.reply.chunk(chunk))

    def llm_end(self, event: Event) -> None:
        data = event.data
        call = self.calls.pop(data.get("call_id", ""), None)
        if call is None:
            return
        if data.get("error") is not None:
            self._put(call, [{"event": "error", "message": str(data["error"])}])
            return
        self._put(call, call.reply.finish(data.get("message"), data.get("usage")))
