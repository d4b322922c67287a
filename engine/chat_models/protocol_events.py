"""A chat-model reply as content-block protocol events.

`ReplyEvents` follows one streamed reply: `chunk()` turns each message chunk into
`message-start` (first time), `content-block-start` / `-delta` events for its text and
tool-call chunks; `finish()` closes the open blocks from the final message and adds
`message-finish`. `message_events` does the whole of it for a finished message.
"""

from __future__ import annotations

from typing import Any

from engine.messages import BaseMessage

Events = list[dict[str, Any]]


class ReplyEvents:
    """The protocol events of one reply, produced chunk by chunk."""

    __slots__ = ("next_index", "started", "text", "text_index", "tool_index")

    def __init__(self) -> None:
        self.started = False
        self.next_index = 0
        self.text = ""
        self.text_index: int | None = None
        self.tool_index: dict[Any, int] = {}

    def _take_index(self) -> int:
        self.next_index += 1
        return self.next_index - 1

    def start(self, message_id: str | None) -> Events:
        if self.started:
            return []
        self.started = True
        return [{"event": "message-start", "role": "ai", "id": message_id}]

    def chunk(self, chunk: Any) -> Events:
        """Events for one chunk (anything with `id`, `text`, maybe `tool_call_chunks`)."""
        events = self.start(chunk.id)
        text = chunk.text
        if text:
            if self.text_index is None:
                self.text_index = self._take_index()
                events.append({"event": "content-block-start", "index": self.text_index,
                               "content": {"type": "text", "text": ""}})
            self.text += text
            events.append({"event": "content-block-delta", "index": self.text_index,
                           "delta": {"type": "text-delta", "text": text}})
        for part in getattr(chunk, "tool_call_chunks", None) or ():
            key = part.get("index", len(self.tool_index))
            index = self.tool_index.get(key)
            if index is None:
                events += self.close_text()  # a new block ends the text block before it
                index = self.tool_index[key] = self._take_index()
                events.append({"event": "content-block-start", "index": index, "content": {
                    "type": "tool_call_chunk", "id": part.get("id"), "name": part.get("name"),
                    "args": "", "index": key}})
            if part.get("args"):
                events.append({"event": "content-block-delta", "index": index,
                               "delta": {"type": "tool-call-delta", "args": part["args"]}})
        return events

    def close_text(self) -> Events:
        """Finish the open text block, if any (a later text part opens a new one)."""
        if self.text_index is None:
            return []
        event = {"event": "content-block-finish", "index": self.text_index,
                 "content": {"type": "text", "text": self.text}}
        self.text, self.text_index = "", None
        return [event]

    def finish(self, message: BaseMessage | None, usage: dict[str, Any] | None = None) -> Events:
        """Close the reply; `message` (the final one) supplies the finished tool calls."""
        events = self.start(None if message is None else message.id)
        events += self.close_text()
        calls = list(getattr(message, "tool_calls", None) or ())
        indexes = list(self.tool_index.values())
        for i, call in enumerate(calls):
            index = indexes[i] if i < len(indexes) else self._take_index()
            events.append({"event": "content-block-finish", "index": index, "content": {
                "type": "tool_call", "id": call.get("id"), "name": call.get("name"),
                "args": call.get("args", {})}})
        finish: dict[str, Any] = {"event": "message-finish"}
        usage = usage if usage is not None else getattr(message, "usage_metadata", None)
        if usage:
            finish["usage"] = usage
        events.append(finish)
        return events


def message_events(message: BaseMessage, message_id: str | None = None) -> Events:
    """A finished message as the protocol events a streamed one would have produced."""
    reply = ReplyEvents()
    events = reply.start(message_id or message.id)
    content = message.content
    for block in content if isinstance(content, list) else [content]:
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and block.get("text"):
            events += reply.close_text()  # a second text block: close the first
            events += reply.chunk(_Text(block["text"]))
        elif block.get("type") == "reasoning" and block.get("reasoning"):
            events += reply.close_text()
            index = reply._take_index()
            events += [
                {"event": "content-block-start", "index": index,
                 "content": {"type": "reasoning", "reasoning": ""}},
                {"event": "content-block-delta", "index": index,
                 "delta": {"type": "reasoning-delta", "reasoning": block["reasoning"]}},
                {"event": "content-block-finish", "index": index, "content": dict(block)},
            ]
    return events + reply.finish(message)


class _Text:
    """A bare text part, shaped as a chunk for `ReplyEvents.chunk`."""

    __slots__ = ("id", "text")

    def __init__(self, text: str) -> None:
        self.id: str | None = None
        self.text = text
