"""Mapping between stepscope messages and the OpenAI chat-completions wire format.

Requests: messages, tools and `tool_choice` in OpenAI's shapes. Replies: streamed
`chat.completion.chunk` objects become `AIMessageChunk`s (`StreamMapper`), a whole
`chat.completion` becomes an `AIMessage` (`message_from_completion`). Servers differ
(OpenAI, Ollama, vLLM, llama.cpp), so every field of a reply is optional.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from engine.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    parse_tool_call_chunks,
)

_JSON_TYPES: dict[Any, str] = {
    str: "string", int: "integer", float: "number", bool: "boolean",
    list: "array", tuple: "array", set: "array", dict: "object",
}


# -- requests ---------------------------------------------------------------------------
def messages_to_openai(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """The `messages` array of a request."""
    return [_message_to_openai(m) for m in messages]


def _message_to_openai(message: BaseMessage) -> dict[str, Any]:
    if isinstance(message, ToolMessage):
        return {"role": "tool", "content": _text_content(message.content),
                "tool_call_id": message.tool_call_id}
    if isinstance(message, AIMessage):
        out: dict[str, Any] = {"role": "assistant", "content": _content(message.content)}
        calls = [{"id": tc.get("id"), "type": "function",
                  "function": {"name": tc["name"], "arguments": json.dumps(tc.get("args", {}))}}
                 for tc in message.tool_calls]
        calls += [{"id": tc.get("id"), "type": "function",
                   "function": {"name": tc.get("name") or "", "arguments": tc.get("args") or ""}}
                  for tc in message.invalid_tool_calls]
        if calls:
            out["tool_calls"] = calls
            if not out["content"]:
                out["content"] = None  # OpenAI's own shape for a tool-call-only turn
    elif isinstance(message, SystemMessage):
        out = {"role": "system", "content": _content(message.content)}
    elif isinstance(message, HumanMessage):
        out = {"role": "user", "content": _content(message.content)}
    else:
        raise TypeError(f"cannot send a {type(message).__name__} to an OpenAI-compatible model")
    if message.name:
        out["name"] = message.name
    return out


def _content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return [{"type": "text", "text": b} if isinstance(b, str) else b for b in content]
    return "" if content is None else str(content)


def _text_content(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content
                       if isinstance(b, (str, dict)))
    return json.dumps(content) if isinstance(content, dict) else str(content)


def tools_to_openai(tools: Sequence[Any]) -> list[dict[str, Any]]:
    """OpenAI `tools` from dicts, tool objects (`name`/`description`/`args_schema`) or callables."""
    return [tool_to_openai(t) for t in tools]


def tool_to_openai(tool: Any) -> dict[str, Any]:
    if isinstance(tool, dict):
        if tool.get("type") == "function" and "function" in tool:
            return tool
        if "name" in tool:  # a bare function schema
            return {"type": "function", "function": tool}
        raise ValueError(f"not an OpenAI tool schema: {tool!r}")
    if hasattr(tool, "name") and hasattr(tool, "args_schema"):
        schema = tool.args_schema
        if hasattr(schema, "model_json_schema"):  # a pydantic model class
            schema = schema.model_json_schema()
        return _function(tool.name, getattr(tool, "description", "") or "",
                         dict(schema or {"type": "object", "properties": {}}))
    if callable(tool):
        return callable_to_openai(tool)
    raise TypeError(f"cannot describe {tool!r} as a tool")


def _function(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function",
            "function": {"name": name, "description": description, "parameters": parameters}}


def callable_to_openai(func: Callable[..., Any]) -> dict[str, Any]:
    """A schema from a function's signature: parameter names, simple JSON types, docstring."""
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # unresolvable annotations: fall back to no types
        hints = {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        properties[param.name] = json_type(hints.get(param.name, param.annotation))
        if param.default is param.empty:
            required.append(param.name)
    doc = inspect.getdoc(func) or ""
    description = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    return _function(getattr(func, "__name__", type(func).__name__), description,
                     {"type": "object", "properties": properties, "required": required})


def json_type(annotation: Any) -> dict[str, Any]:
    """A JSON-schema fragment for a simple annotation; `{}` (anything) when unknown."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return json_type(rest[0]) if len(rest) == 1 else {}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (list, tuple, set, Sequence):
        schema: dict[str, Any] = {"type": "array"}
        if args and args[0] is not Ellipsis and (item := json_type(args[0])):
            schema["items"] = item
        return schema
    kind = _JSON_TYPES.get(origin or annotation)
    return {"type": kind} if kind else {}


def tool_choice_to_openai(choice: Any, tool_names: Sequence[str]) -> Any:
    """Pass `tool_choice` through; a bare tool name becomes OpenAI's function selector."""
    if choice == "any":
        return "required"
    if isinstance(choice, str) and choice in tool_names:
        return {"type": "function", "function": {"name": choice}}
    return choice


# -- replies ----------------------------------------------------------------------------
def usage_metadata(usage: Any) -> dict[str, Any] | None:
    """`usage_metadata` from an OpenAI `usage` object (None when absent)."""
    if not isinstance(usage, dict):
        return None
    inp = usage.get("prompt_tokens") or 0
    out = usage.get("completion_tokens") or 0
    result: dict[str, Any] = {"input_tokens": inp, "output_tokens": out,
                              "total_tokens": usage.get("total_tokens") or inp + out}
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    if cached is not None:
        result["input_token_details"] = {"cache_read": cached}
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if reasoning is not None:
        result["output_token_details"] = {"reasoning": reasoning}
    return result


def _arguments(raw: Any) -> str:
    """Tool-call arguments as a string (some servers send an already-parsed object)."""
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else json.dumps(raw)


class StreamMapper:
    """Turns one stream's `chat.completion.chunk` objects into `AIMessageChunk`s."""

    def __init__(self) -> None:
        self._ids: list[Any] = []  # tool-call ids seen, for servers that omit `index`

    def chunk(self, event: dict[str, Any]) -> AIMessageChunk | None:
        """The chunk for one event, or None when it carries nothing (a role-only delta)."""
        content = ""
        tool_chunks: list[dict[str, Any]] = []
        metadata: dict[str, Any] = {}
        choices = event.get("choices") or []
        choice = next((c for c in choices if (c.get("index") or 0) == 0), None)
        if choice is not None:
            delta = choice.get("delta") or {}
            content = delta.get("content") or ""
            tool_chunks = [self._tool_chunk(tc) for tc in delta.get("tool_calls") or []]
            if choice.get("finish_reason"):
                metadata["finish_reason"] = choice["finish_reason"]
        usage = usage_metadata(event.get("usage"))
        if not (content or tool_chunks or metadata or usage):
            return None
        if (metadata or usage) and event.get("model"):
            metadata["model_name"] = event["model"]
        return AIMessageChunk(content, response_metadata=metadata,
                              tool_call_chunks=tool_chunks, usage_metadata=usage)

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


def message_from_completion(body: dict[str, Any]) -> AIMessage:
    """An AIMessage from a non-streamed `chat.completion`."""
    choices = body.get("choices") or [{}]
    choice = choices[0] or {}
    message = choice.get("message") or {}
    parts = [{"name": (tc.get("function") or {}).get("name"),
              "args": _arguments((tc.get("function") or {}).get("arguments")),
              "id": tc.get("id"), "index": i}
             for i, tc in enumerate(message.get("tool_calls") or [])]
    calls, invalid = parse_tool_call_chunks(parts)
    metadata: dict[str, Any] = {}
    for key, value in (("finish_reason", choice.get("finish_reason")),
                       ("model_name", body.get("model")), ("id", body.get("id"))):
        if value:
            metadata[key] = value
    return AIMessage(message.get("content") or "", response_metadata=metadata,
                     tool_calls=calls, invalid_tool_calls=invalid,
                     usage_metadata=usage_metadata(body.get("usage")))


def error_message(raw: bytes, limit: int = 300) -> str:
    """The human part of an error body: `error.message`, `message`, `detail`, or the text."""
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    found: Any = None
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            found = err.get("message") or err.get("detail")
        elif isinstance(err, str):
            found = err
        found = found or data.get("message") or data.get("detail")
    message = " ".join(str(found or text).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
