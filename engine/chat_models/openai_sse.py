"""Server-sent events as OpenAI-compatible servers send them: one JSON object per event.

Only what chat streaming needs: `data:` lines (several in one event are joined with a
newline), a blank line ends the event, `data: [DONE]` ends the stream, `:` comments and
other fields (`event:`, `id:`, `retry:`) are ignored, and `\\r\\n` / `\\r` line ends work.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

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
