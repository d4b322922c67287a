"""Recorded values as short, readable text: summaries, children and inline forms.

Values come from a trace: Python natives, engine messages (AIMessage…), and the
tracer's `ObjectValue` / `ErrorValue` for what was not rebuilt.
"""

from __future__ import annotations

from typing import Any

from tracer.codec import ErrorValue, ObjectValue
from tui.visible import visible

LIMIT = 80
"""Strings longer than this (or with several lines) are shortened in previews."""


def is_message(value: Any) -> bool:
    """An engine chat message (or a recorded one that was not rebuilt)."""
    if isinstance(value, ObjectValue):
        return value.kind == "message"
    return hasattr(value, "content") and hasattr(value, "type") and hasattr(value, "model_dump")


def message_fields(value: Any) -> dict[str, Any]:
    """A message's fields, the empty ones left out (content always kept)."""
    raw = value.fields if isinstance(value, ObjectValue) else value.model_dump()
    fields = dict(raw) if isinstance(raw, dict) else {"content": raw}
    return {k: v for k, v in fields.items()
            if k != "type" and (k == "content" or v not in (None, "", [], {}))}


def message_class(value: Any) -> str:
    return value.cls.rsplit(".", 1)[-1] if isinstance(value, ObjectValue) else type(value).__name__


def message_text(value: Any) -> str:
    content = message_fields(value).get("content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content
                       if isinstance(b, (str, dict)))
    return str(content)


def shorten(text: str, limit: int = LIMIT) -> str:
    """`text`'s first line cut at `limit`, with the whole length when anything was cut."""
    first = text.split("\n", 1)[0]
    if first == text and len(text) <= limit:
        return visible(text)
    return f"{visible(first[:limit])}… ({len(text):,} chars)"


def is_long(text: str, limit: int = LIMIT) -> bool:
    """Whether `shorten` would cut `text` (so a view offers to show it whole)."""
    return "\n" in text or len(text) > limit


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def summary(value: Any, limit: int = LIMIT) -> str:
    """One line describing `value`: containers by size, messages by class and text."""
    if isinstance(value, str):
        return repr(shorten(value, limit)) if is_long(value, limit) else repr(value)
    if is_message(value):
        text = message_text(value)
        calls = message_fields(value).get("tool_calls") or []
        extra = f" [{_count(len(calls), 'tool call')}]" if calls else ""
        return f"{message_class(value)}: {shorten(text, limit)}{extra}"
    if isinstance(value, ErrorValue):
        return f"{value.name}: {shorten(value.message, limit)}"
    if isinstance(value, ObjectValue):
        return _object_summary(value, limit)
    if isinstance(value, dict):
        return "{" + _count(len(value), "key") + "}"
    if isinstance(value, list):
        return "[" + _count(len(value), "item") + "]"
    if isinstance(value, tuple):
        return "(" + _count(len(value), "item") + ")"
    if isinstance(value, (set, frozenset)):
        return "set{" + _count(len(value), "item") + "}"
    if isinstance(value, bytes):
        return f"{shorten(repr(value[:limit]), limit)} ({_count(len(value), 'byte')})"
    return shorten(repr(value), limit)


def _object_summary(value: ObjectValue, limit: int) -> str:
    short = value.cls.rsplit(".", 1)[-1]
    if value.kind == "repr":
        return shorten(str(value.fields), limit)
    if value.kind == "enum" and isinstance(value.fields, dict):
        return f"{short}.{value.fields.get('name')}"
    return shorten(repr(value), limit) if short else summary(value.fields, limit)


def children(value: Any) -> list[tuple[str, Any]] | None:
    """(label, child) pairs of a value a tree can open, or None for a leaf."""
    if is_message(value):
        return list(message_fields(value).items())
    if isinstance(value, ErrorValue):
        pairs: list[tuple[str, Any]] = [("class", value.cls), ("message", value.message)]
        if value.traceback:
            pairs.append(("traceback", value.traceback))
        pairs.extend(("note", n) for n in value.notes)
        return pairs
    if isinstance(value, ObjectValue):
        if isinstance(value.fields, dict) and value.kind != "enum":
            return [(str(k), v) for k, v in value.fields.items()]
        return None
    if isinstance(value, dict):
        return [(k if isinstance(k, str) else repr(k), v) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [(f"[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        return [(f"[{i}]", v) for i, v in enumerate(sorted(value, key=repr))]
    return None


def inline(value: Any, limit: int = LIMIT) -> str:
    """A compact one-line rendering: small containers written out, the rest summarised."""
    if isinstance(value, (list, tuple)) and not is_message(value):
        parts = [inline(v, limit) for v in value]
        text = ", ".join(parts)
        if len(text) <= limit:
            return f"[{text}]" if isinstance(value, list) else f"({text})"
        return summary(value, limit)
    if isinstance(value, dict):
        text = ", ".join(f"{k!r}: {inline(v, limit)}" for k, v in value.items())
        return "{" + text + "}" if len(text) <= limit else summary(value, limit)
    return summary(value, limit)


def wrap(text: str, width: int = 100) -> list[str]:
    """`text` as display lines at most `width` long (its own line breaks kept)."""
    out: list[str] = []
    for line in visible(text).splitlines() or [""]:
        out.extend(line[i: i + width] for i in range(0, max(len(line), 1), width))
    return out
