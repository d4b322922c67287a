"""Chat-model replies as content-block protocol events (the v3 `messages` data).

`message_events` replays a finished message as a whole event sequence.
`ProtocolMessageTracker` is the `messages` projection of a v3 run: it turns each
chat-model call's `token` / `llm_end` engine events into `message-start`,
`content-block-*` and `message-finish` events, each with the token metadata plus the
call's `run_id` (which the run's `MessagesTransformer` routes by). Messages that nodes
return are still emitted whole, as in the v1 projection.
"""

from __future__ import annotations

from typing import Any

from engine.events import Event
from engine.messages import BaseMessage
from engine.pregel.compiled import MESSAGES_V2_KEY
from engine.pregel.messages_out import MessageTracker

__all__ = ["MESSAGES_V2_KEY", "ProtocolMessageTracker", "message_events"]



def _text_of(message: BaseMessage) -> str:
    return message.text


def message_events(message: BaseMessage, message_id: str | None = None) -> list[dict[str, Any]]:
    """A finished message as the protocol events a streamed one would have produced."""
    events: list[dict[str, Any]] = [
        {"event": "message-start", "role": "ai", "id": message_id or message.id}]
    index = 0
    content = message.content
    blocks = content if isinstance(content, list) else [content] if content else []
    for block in blocks:
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text" and block.get("text"):
            events += [
                {"event": "content-block-start", "index": index,
                 "content": {"type": "text", "text": ""}},
                {"event": "content-block-delta", "index": index,
                 "delta": {"type": "text-delta", "text": block["text"]}},
                {"event": "content-block-finish", "index": index,
                 "content": {"type": "text", "text": block["text"]}},
            ]
            index += 1
        elif kind == "reasoning" and block.get("reasoning"):
            events += [
                {"event": "content-block-start", "index": index,
                 "content": {"type": "reasoning", "reasoning": ""}},
                {"event": "content-block-delta", "index": index,
                 "delta": {"type": "reasoning-delta", "reasoning": block["reasoning"]}},
                {"event": "content-block-finish", "index": index, "content": dict(block)},
            ]
            index += 1
    for call in getattr(message, "tool_calls", None) or ():
        events.append({"event": "content-block-finish", "index": index, "content": {
            "type": "tool_call", "id": call.get("id"), "name": call.get("name"),
            "args": call.get("args", {})}})
        index += 1
    finish: dict[str, Any] = {"event": "message-finish", "reason": "stop"}
    usage = getattr(message, "usage_metadata", None)
    if usage:
        finish["usage"] = usage
    events.append(finish)
    return events


class _Call:
    """One chat-model call's progress: where its text and tool-call blocks sit."""

    __slots__ = ("metadata", "next_index", "ns", "text", "text_index", "tool_index")

    def __init__(self, ns: tuple[str, ...], metadata: dict[str, Any]) -> None:
        self.ns = ns
        self.metadata = metadata
        self.next_index = 0
        self.text = ""
        self.text_index: int | None = None
        self.tool_index: dict[Any, int] = {}

    def take_index(self) -> int:
        self.next_index += 1
        return self.next_index - 1


class ProtocolMessageTracker(MessageTracker):
    """The v3 `messages` projection (see the module docstring)."""

    def __init__(self, projector: Any) -> None:
        super().__init__(projector)
        self.calls: dict[str, _Call] = {}

    def _put(self, call: _Call, event: dict[str, Any]) -> None:
        self.projector.put(call.ns, "messages", (event, call.metadata))

    def token(self, event: Event) -> None:
        data = event.data
        if data.get("hidden"):
            return
        ns = tuple(data.get("ns", event.ns))
        if not (self.projector.subgraphs or not ns):
            return
        chunk = data["chunk"]
        if chunk.id is not None:
            self.seen.add(chunk.id)
        call = self.calls.get(data["call_id"])
        if call is None:
            call = self.calls[data["call_id"]] = _Call(
                ns, {**data["metadata"], "run_id": data["call_id"]})
            self._put(call, {"event": "message-start", "role": "ai", "id": chunk.id})
        text = chunk.text
        if text:
            if call.text_index is None:
                call.text_index = call.take_index()
                self._put(call, {"event": "content-block-start", "index": call.text_index,
                                 "content": {"type": "text", "text": ""}})
            call.text += text
            self._put(call, {"event": "content-block-delta", "index": call.text_index,
                             "delta": {"type": "text-delta", "text": text}})
        for part in getattr(chunk, "tool_call_chunks", None) or ():
            self._tool_chunk(call, part)

    def _tool_chunk(self, call: _Call, part: dict[str, Any]) -> None:
        key = part.get("index", len(call.tool_index))
        index = call.tool_index.get(key)
        if index is None:
            index = call.tool_index[key] = call.take_index()
            self._put(call, {"event": "content-block-start", "index": index, "content": {
                "type": "tool_call_chunk", "id": part.get("id"), "name": part.get("name"),
                "args": "", "index": key}})
        if part.get("args"):
            self._put(call, {"event": "content-block-delta", "index": index,
                             "delta": {"type": "tool-call-delta", "args": part["args"]}})

    def llm_end(self, event: Event) -> None:
        data = event.data
        call = self.calls.pop(data.get("call_id", ""), None)
        if call is None:
            return
        if data.get("error") is not None:
            self._put(call, {"event": "error", "message": str(data["error"])})
            return
        message = data.get("message")
        if call.text_index is not None:
            self._put(call, {"event": "content-block-finish", "index": call.text_index,
                             "content": {"type": "text", "text": call.text}})
        tool_calls = list(getattr(message, "tool_calls", None) or ())
        for key, index in call.tool_index.items():
            found = next((tc for tc in tool_calls if tc.get("index", key) == key), None)
            if found is None and tool_calls:
                found = tool_calls.pop(0)
            elif found is not None:
                tool_calls.remove(found)
            if found is not None:
                self._put(call, {"event": "content-block-finish", "index": index, "content": {
                    "type": "tool_call", "id": found.get("id"), "name": found.get("name"),
                    "args": found.get("args", {})}})
        for found in tool_calls:  # calls that came whole, not as chunks
            self._put(call, {"event": "content-block-finish", "index": call.take_index(),
                             "content": {"type": "tool_call", "id": found.get("id"),
                                         "name": found.get("name"),
                                         "args": found.get("args", {})}})
        finish: dict[str, Any] = {"event": "message-finish"}
        usage = data.get("usage")
        if usage:
            finish["usage"] = usage
        self._put(call, finish)
