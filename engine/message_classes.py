"""The engine's own chat messages, used when langchain-core is not installed.

They carry LangChain's field names, so ported programs and dumps look the same
(`engine.messages` picks these or langchain-core's). Each class lists its fields in
`_fields` (LangChain's order); `model_dump()` returns them as a dict.
`convert_to_messages` accepts the coercions `add_messages` does: message objects, dicts
with role/type, (role, content) tuples and plain strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Literal, Union, overload

_ROLE_TO_TYPE = {
    "human": "human", "user": "human", "ai": "ai", "assistant": "ai",
    "system": "system", "developer": "system", "tool": "tool", "remove": "remove",
}


class BaseMessage:
    """A message: content plus metadata; equality compares every field."""

    type: str = "base"
    _fields: tuple[str, ...] = (
        "content", "additional_kwargs", "response_metadata", "type", "name", "id")
    _defaults: ClassVar[dict[str, Any]] = {}
    _required: tuple[str, ...] = ("content",)
    _repr_hidden: tuple[str, ...] = ("type",)  # never shown (`type` is at its default)
    _repr_defaults: ClassVar[dict[str, Any]] = {}  # defaults that are not None, for __repr__

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        self.content: Any = content
        self.additional_kwargs: dict[str, Any] = dict(kwargs.pop("additional_kwargs", None) or {})
        self.response_metadata: dict[str, Any] = dict(kwargs.pop("response_metadata", None) or {})
        self.name: str | None = kwargs.pop("name", None)
        self.id: str | None = kwargs.pop("id", None)
        kwargs.pop("type", None)
        for field in self._fields:
            if field in kwargs:
                setattr(self, field, kwargs.pop(field))
            elif not hasattr(self, field) or field in self._defaults:
                default = self._defaults.get(field)
                setattr(self, field, default() if callable(default) else default)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected fields: {sorted(kwargs)}")

    def model_dump(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self._fields}

    dict = model_dump

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(
            b if isinstance(b, str) else str(b.get("text", ""))
            for b in self.content
            if isinstance(b, (str, dict))
        )

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.model_dump() == other.model_dump()

    # Unhashable, as LangChain's (pydantic) messages are: equality compares mutable fields.
    __hash__ = None  # type: ignore[assignment]  # object declares __hash__ as a method

    def __repr__(self) -> str:
        # LangChain's (pydantic's) repr: required fields, and the others only when they
        # differ from their default, where a default_factory field's default counts as None.
        parts = [
            f"{f}={getattr(self, f)!r}" for f in self._fields
            if f not in self._repr_hidden and (f in self._required or getattr(
                self, f) != self._repr_defaults.get(f))
        ]
        return f"{type(self).__name__}({', '.join(parts)})"

    def pretty_repr(self) -> str:
        title = f" {type(self).__name__.replace('Message', ' Message').strip()} "
        return f"{title.center(80, '=')}\n\n{self.text}"

    def pretty_print(self) -> None:
        print(self.pretty_repr())


class HumanMessage(BaseMessage):
    type = "human"


class SystemMessage(BaseMessage):
    type = "system"


class AIMessage(BaseMessage):
    type = "ai"
    _fields = (*BaseMessage._fields, "tool_calls", "invalid_tool_calls", "usage_metadata")
    _defaults: ClassVar[dict[str, Any]] = {
        "tool_calls": list, "invalid_tool_calls": list, "usage_metadata": None}
    # Set by BaseMessage.__init__ from `_fields` (declared here for type checkers only: a
    # class-level value would change which defaults __init__ applies).
    tool_calls: list[dict[str, Any]]
    invalid_tool_calls: list[dict[str, Any]]
    usage_metadata: dict[str, Any] | None

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        # Tool calls given as plain dicts get LangChain's "type" key.
        self.tool_calls = [
            {"name": tc.get("name", ""), "args": tc.get("args", {}), "id": tc.get("id"),
             "type": "tool_call"} if isinstance(tc, dict) else tc
            for tc in (self.tool_calls or [])
        ]


class AIMessageChunk(AIMessage):
    type = "AIMessageChunk"
    _fields = (*AIMessage._fields, "tool_call_chunks", "chunk_position")
    _defaults: ClassVar[dict[str, Any]] = {
        **AIMessage._defaults, "tool_call_chunks": list, "chunk_position": None}
    tool_call_chunks: list[dict[str, Any]]
    chunk_position: Literal["last"] | None

    def __add__(self, other: AIMessageChunk) -> AIMessageChunk:
        if not isinstance(other, AIMessageChunk):
            return NotImplemented
        return merge_chunks([self, other])


class ToolMessage(BaseMessage):
    type = "tool"
    _fields = (*BaseMessage._fields, "tool_call_id", "artifact", "status")
    _defaults: ClassVar[dict[str, Any]] = {"artifact": None, "status": lambda: "success"}
    _required = ("content", "tool_call_id")
    _repr_hidden = ("type", "additional_kwargs", "response_metadata")  # repr=False there
    _repr_defaults: ClassVar[dict[str, Any]] = {"status": "success"}
    tool_call_id: str
    artifact: Any
    status: str

    def __init__(self, content: Any = "", tool_call_id: str = "", **kwargs: Any) -> None:
        # As LangChain's: content that is neither text nor a list is kept as its text.
        if not isinstance(content, (str, list)):
            content = str(content)
        super().__init__(content, tool_call_id=tool_call_id, **kwargs)


class ToolOutputMixin:
    """A value a tool returns as it is (a Command), instead of as a ToolMessage."""


class RemoveMessage(BaseMessage):
    """Asks `add_messages` to delete the message with this id."""

    type = "remove"

    def __init__(self, id: str, **kwargs: Any) -> None:
        super().__init__("", id=id, **kwargs)


AnyMessage = Union[AIMessage, HumanMessage, SystemMessage, ToolMessage, RemoveMessage]  # noqa: UP007


def merge_chunks(chunks: Sequence[AIMessageChunk]) -> AIMessageChunk:
    """Concatenate streamed chunks: content joined, metadata merged, first id kept."""
    first = chunks[0]
    content: Any = first.content
    for c in chunks[1:]:
        if isinstance(content, str) and isinstance(c.content, str):
            content += c.content
        else:
            content = _as_list(content) + _as_list(c.content)
    merged = AIMessageChunk(
        content,
        additional_kwargs={k: v for c in chunks for k, v in c.additional_kwargs.items()},
        response_metadata={k: v for c in chunks for k, v in c.response_metadata.items()},
        id=next((c.id for c in chunks if c.id), None),
        name=next((c.name for c in chunks if c.name), None),
        tool_call_chunks=merge_tool_call_chunks([tc for c in chunks for tc in c.tool_call_chunks]),
        chunk_position="last" if any(c.chunk_position == "last" for c in chunks) else None,
    )
    usages = [c.usage_metadata for c in chunks if c.usage_metadata]
    if usages:
        merged.usage_metadata = _sum_usage(usages)
    direct = [tc for c in chunks for tc in c.tool_calls]
    parsed, invalid = parse_tool_call_chunks(merged.tool_call_chunks)
    merged.tool_calls = direct or parsed
    merged.invalid_tool_calls = [tc for c in chunks for tc in c.invalid_tool_calls] + invalid
    return merged


def merge_tool_call_chunks(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Join streamed tool-call pieces that share an index: args strings concatenated."""
    by_index: dict[Any, dict[str, Any]] = {}
    order: list[Any] = []
    for part in parts:
        key = part.get("index")
        if key is None:
            key = ("id", part.get("id"), len(order))
        current = by_index.get(key)
        if current is None:
            by_index[key] = {"name": part.get("name"), "args": part.get("args") or "",
                             "id": part.get("id"), "index": part.get("index"),
                             "type": "tool_call_chunk"}
            order.append(key)
        else:
            current["name"] = current["name"] or part.get("name")
            current["id"] = current["id"] or part.get("id")
            current["args"] += part.get("args") or ""
    return [by_index[k] for k in order]


def parse_tool_call_chunks(
    parts: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Tool calls from merged chunks; unparseable args become invalid tool calls."""
    calls: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    for part in parts:
        raw = part.get("args") or ""
        try:
            args = json.loads(raw) if raw.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("tool arguments must be a JSON object")
        except ValueError as exc:
            invalid.append({"name": part.get("name"), "args": raw, "id": part.get("id"),
                            "error": str(exc), "type": "invalid_tool_call"})
            continue
        calls.append({"name": part.get("name") or "", "args": args, "id": part.get("id"),
                      "type": "tool_call"})
    return calls, invalid


def _as_list(content: Any) -> list[Any]:
    return list(content) if isinstance(content, list) else ([content] if content else [])


def _sum_usage(usages: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for u in usages:
        for k, v in u.items():
            total[k] = total.get(k, 0) + v if isinstance(v, int) else v
    return total


def is_message(value: Any) -> bool:
    """A stepscope message, or a message object of another library (LangChain's)."""
    if isinstance(value, BaseMessage):
        return True
    return (
        not isinstance(value, (dict, str, type))
        and hasattr(value, "content") and hasattr(value, "type") and hasattr(value, "id")
    )


@overload
def message_chunk_to_message(chunk: AIMessageChunk) -> AIMessage: ...
@overload
def message_chunk_to_message(chunk: BaseMessage) -> BaseMessage: ...
@overload
def message_chunk_to_message(chunk: Any) -> Any: ...
def message_chunk_to_message(chunk: Any) -> Any:
    """A whole AIMessage from a (merged) chunk; any other value is returned as it is
    (a LangChain chunk becomes LangChain's whole message)."""
    if not isinstance(chunk, AIMessageChunk):
        if getattr(chunk, "type", None) == "AIMessageChunk" and type(chunk).__module__.startswith(
            "langchain_core"
        ):
            from engine.integrations.langchain import chunk_to_message

            return chunk_to_message(chunk)
        return chunk
    return AIMessage(
        chunk.content,
        additional_kwargs=chunk.additional_kwargs,
        response_metadata=chunk.response_metadata,
        name=chunk.name,
        id=chunk.id,
        tool_calls=list(chunk.tool_calls),
        invalid_tool_calls=list(chunk.invalid_tool_calls),
        usage_metadata=chunk.usage_metadata,
    )


def convert_to_message(value: Any) -> BaseMessage:
    """One message from an object, a dict, a (role, content) tuple or a string."""
    if is_message(value):
        return value
    if isinstance(value, str):
        return HumanMessage(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and isinstance(value[0], str):
        return _from_role(value[0], value[1], {})
    if isinstance(value, dict):
        data = dict(value)
        role = data.pop("role", None) or data.pop("type", None)
        if role is None:
            raise ValueError(f"Message dict must have a 'role' or 'type' key: {value!r}")
        return _from_role(str(role), data.pop("content", ""), data)
    raise NotImplementedError(f"Unsupported message type: {type(value).__name__}")


def _from_role(role: str, content: Any, extra: dict[str, Any]) -> BaseMessage:
    kind = _ROLE_TO_TYPE.get(role)
    if kind == "human":
        return HumanMessage(content, **extra)
    if kind == "ai":
        return AIMessage(content, **extra)
    if kind == "system":
        return SystemMessage(content, **extra)
    if kind == "tool":
        return ToolMessage(content, **extra)
    if kind == "remove":
        return RemoveMessage(**extra)
    raise ValueError(
        f"Unexpected message type: '{role}'. Use one of 'human', 'user', 'ai', "
        "'assistant', 'system', 'developer' or 'tool'."
    )


def convert_to_messages(values: Any) -> list[BaseMessage]:
    """A list of messages from one message-like value or an iterable of them."""
    if isinstance(values, (str, dict)) or is_message(values):
        return [convert_to_message(values)]
    if isinstance(values, tuple) and len(values) == 2 and isinstance(values[0], str):
        return [convert_to_message(values)]
    if isinstance(values, Iterable):
        return [convert_to_message(v) for v in values]
    return [convert_to_message(values)]
