"""`MessagesTransformer`: `run.messages`, one `ChatModelStream` per chat-model reply.

A `messages` event's data is `(payload, metadata)`. A protocol event payload (a dict
with `"event"`) is routed by `metadata["run_id"]`: `message-start` opens a stream and
pushes it at once, so the caller can read its text while it streams; later events go to
that stream. A whole message a node returned (not a tool result) becomes a finished
stream. Plain message chunks (the v1 shape) are ignored. Only the run's own scope counts:
a subgraph's replies are on its handle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from engine.chat_models.protocol_events import message_events
from engine.chat_models.stream import AsyncChatModelStream, ChatModelStream
from engine.messages import AIMessageChunk, BaseMessage, ToolMessage
from engine.stream.protocol import ProtocolEvent, StreamTransformer
from engine.stream.stream_channel import StreamChannel

AnyStream = ChatModelStream | AsyncChatModelStream


class MessagesTransformer(StreamTransformer):
    """`run.messages` (see the module docstring)."""

    _native = True
    required_stream_modes = ("messages",)

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._log: StreamChannel[AnyStream] = StreamChannel()
        self._by_run: dict[str, AnyStream] = {}
        self._ignored_runs: set[str] = set()
        self._pump_fn: Callable[[], bool] | None = None
        self._apump_fn: Callable[[], Awaitable[bool]] | None = None
        self._scope_list = list(scope)

    def init(self) -> dict[str, Any]:
        return {"messages": self._log}

    def _bind_pump(self, fn: Callable[[], bool]) -> None:
        self._pump_fn = fn

    def _bind_apump(self, fn: Callable[[], Awaitable[bool]]) -> None:
        self._apump_fn = fn

    def _make_stream(self, node: str | None, message_id: str | None) -> AnyStream:
        """An async stream under an async run (or when nothing drives it), else a sync
        one; either way its cursors drive the run's pump."""
        if self._apump_fn is not None or self._pump_fn is None:
            astream = AsyncChatModelStream(namespace=[], node=node, message_id=message_id)
            astream.set_arequest_more(self._apump_fn)
            return astream
        stream = ChatModelStream(namespace=[], node=node, message_id=message_id)
        stream.set_request_more(self._pump_fn)
        return stream

    def process(self, event: ProtocolEvent) -> bool:
        if event["method"] != "messages" or event["params"]["namespace"] != self._scope_list:
            return True
        payload, metadata = event["params"]["data"]
        node = metadata.get("langgraph_node") if metadata else None
        run_id = str(metadata.get("run_id", "")) if metadata else ""
        if isinstance(payload, dict) and "event" in payload:
            self._route(payload, run_id, node)
        elif isinstance(payload, BaseMessage) and not isinstance(
                payload, (AIMessageChunk, ToolMessage)):
            stream = self._make_stream(node, payload.id)
            for evt in message_events(payload, payload.id):
                stream.dispatch(evt)
            self._log.push(stream)
        return True

    def _route(self, payload: dict[str, Any], run_id: str, node: str | None) -> None:
        kind = payload.get("event")
        if kind == "message-start":
            if payload.get("role") == "tool":
                # Tool results are in the state; run.messages is the models' replies.
                self._ignored_runs.add(run_id)
                return
            message_id = payload.get("message_id")
            stream = self._make_stream(node, None if message_id is None else str(message_id))
            self._by_run[run_id] = stream
            self._log.push(stream)
            stream.dispatch(payload)
        elif run_id in self._ignored_runs:
            if kind == "message-finish":
                self._ignored_runs.discard(run_id)
        elif run_id in self._by_run:
            stream = self._by_run[run_id]
            stream.dispatch(payload)
            if kind == "message-finish":
                del self._by_run[run_id]

    def finalize(self) -> None:
        self._by_run.clear()
        self._ignored_runs.clear()

    def fail(self, err: BaseException) -> None:
        """Fail the replies still streaming when the run fails."""
        for stream in self._by_run.values():
            stream.fail(err)
        self._by_run.clear()
        self._ignored_runs.clear()
