"""Server-sent events as OpenAI-compatible servers send them, and the chunks they make.

`iter_events` reads the framing, `StreamMapper` turns each `chat.completion.chunk` into an
`AIMessageChunk` the way langchain-openai does. The framing handled is only what chat
streaming needs: `data:` lines (several in one event are joined with a newline), a blank
line ends the event, `data: [DONE]` ends the stream, `:` comments and other fields
(`event:`, `id:`, `retry:`) are ignored, and `\\r\\n` / `\\r` line ends work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from engine.chat_models.openai_wire import usage_metadata
from engine.messages import AIMessageChunk

DONE = "[DONE]"
EXCERPT = 200


class MalformedStream(ValueError):
    """The stream broke the SSE / JSON framing; `line` is the offending text, truncated."""

    def __init__(self, reason: str, line: str) -> None:
        self.reason = reason
        self.line = excerpt(line)
        super().__init__(f"{reason}: {self.line!r}")


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_lines(raw: Iterable[bytes]) -> Iterator[str]:
    """Decoded lines without their terminator; a bare `\\r` also ends a line."""
    for chunk in raw:
        text = chunk.decode("utf-8", errors="replace")
        if text.endswith("\n"):
            text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
        yield from text.split("\r") if "\r" in text else (text,)


def read_events(readline: Callable[[], bytes]) -> Iterator[dict[str, Any]]:
    """The events of a response read line by line (`readline` returns b"" at the end)."""
    return iter_events(split_lines(iter(readline, b"")))


def iter_events(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The JSON payload of each event, in order, until `[DONE]` or the end of input.

    Raises `MalformedStream` for a data payload that is not a JSON object.
    """
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                payload = "\n".join(data)
                data = []
                if payload.strip() == DONE:
                    return
                yield _parse(payload)
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:  # a last event without its blank line: still an event
        payload = "\n".join(data)
        if payload.strip() != DONE:
            yield _parse(payload)


def _parse(payload: str) -> dict[str, Any]:
    try:
        value = json.loads(payload)
    except ValueError:
        raise MalformedStream("invalid JSON in data line", f"data: {payload}") from None
    if not isinstance(value, dict):
        raise MalformedStream("data line is not a JSON object", f"data: {payload}")
    return value


def _arguments(raw: Any) -> str:
    """Tool-call arguments as a string (some servers send an already-parsed object)."""
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else json.dumps(raw)


class StreamMapper:
    """Turns one stream's `chat.completion.chunk` objects into `AIMessageChunk`s.

    Like langchain-openai, every event makes a chunk (the role-only delta too) and every
    delta's chunk says `model_provider`; an event without choices (the usage chunk) makes
    a chunk with empty metadata. Only an event whose choice has no delta makes none.
    """

    def __init__(self) -> None:
        self._ids: list[Any] = []  # tool-call ids seen, for servers that omit `index`

    def chunk(self, event: dict[str, Any]) -> AIMessageChunk | None:
        """The chunk for one event, or None when it carries no delta."""
        usage = usage_metadata(event.get("usage"), event.get("service_tier"))
        choices = event.get("choices") or []
        if not choices:
            return AIMessageChunk("", usage_metadata=usage)
        choice = next((c for c in choices if (c.get("index") or 0) == 0), None)
        delta = (choice or {}).get("delta")
        if choice is None or not isinstance(delta, dict):
            return None
        metadata: dict[str, Any] = {}
        if choice.get("finish_reason"):
            metadata["finish_reason"] = choice["finish_reason"]
            for key, name in (("model", "model_name"), ("system_fingerprint", None),
                              ("service_tier", None)):
                if event.get(key):
                    metadata[name or key] = event[key]
        if choice.get("logprobs"):
            metadata["logprobs"] = choice["logprobs"]
        metadata["model_provider"] = "openai"
        return AIMessageChunk(
            delta.get("content") or "", response_metadata=metadata, id=delta.get("id"),
            tool_call_chunks=[self._tool_chunk(tc) for tc in delta.get("tool_calls") or []],
            usage_metadata=usage)

    def _tool_chunk(self, delta: dict[str, Any]) -> dict[str, Any]:
        fn = delta.get("function") or {}
        index = delta.get("index")
        call_id = delta.get("id")
        if index is None:  # no index: a new id starts a call, no id continues the last one
            if call_id is not None and call_id not in self._ids:
                self._ids.append(call_id)
            index = max(len(self._ids) - 1, 0) if call_id is None else self._ids.index(call_id)
        elif call_id is not None and call_id not in self._ids:
            self._ids.append(call_id)
        return {"name": fn.get("name"), "args": _arguments(fn.get("arguments")),
                "id": call_id, "index": index, "type": "tool_call_chunk"}
