"""Mapping between stepscope messages and the OpenAI chat-completions wire format.

Requests: messages, tools and `tool_choice` in OpenAI's shapes. Replies: a whole
`chat.completion` becomes an `AIMessage` (`message_from_completion`) and `usage` becomes
`usage_metadata`, shaped as langchain-openai shapes them (streamed chunks are mapped in
`openai_sse`). Servers differ (OpenAI, Ollama, vLLM, llama.cpp), so every field of a reply
is optional.
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
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
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


def model_temperature(model: str, temperature: float | None, reasoning_effort: str | None,
                      *, given: bool) -> float | None:
    """The temperature langchain-openai sends: o1 models default to 1 when none was given;
    gpt-5 reasoning models (not `-chat`, effort not 'none') accept only 1, so drop others."""
    name = model.lower()
    if name.startswith("o1") and not given:
        temperature = 1
    if (name.startswith("gpt-5") and "chat" not in name and reasoning_effort != "none"
            and temperature not in (None, 1)):
        temperature = None
    return None if temperature is None else float(temperature)


def tool_choice_to_openai(choice: Any, tool_names: Sequence[str]) -> Any:
    """Pass `tool_choice` through; a bare tool name becomes OpenAI's function selector."""
    if choice == "any":
        return "required"
    if isinstance(choice, str) and choice in tool_names:
        return {"type": "function", "function": {"name": choice}}
    return choice


# -- replies ----------------------------------------------------------------------------
# What langchain-openai 1.7 makes of a reply, field by field: its `token_usage` is the openai
# SDK's `CompletionUsage` dumped (known fields in the SDK's order, absent ones None).
_USAGE_DETAILS = {
    "completion_tokens_details": ("accepted_prediction_tokens", "audio_tokens",
                                  "reasoning_tokens", "rejected_prediction_tokens", "text_tokens"),
    "prompt_tokens_details": ("audio_tokens", "cache_write_tokens", "cached_tokens",
                              "image_tokens", "text_tokens"),
}
_PARSE_FAILURE = ("\nFor troubleshooting, visit: https://docs.langchain.com/oss/python/"
                  "langchain/errors/OUTPUT_PARSING_FAILURE ")


def usage_metadata(usage: Any, service_tier: Any = None) -> dict[str, Any] | None:
    """`usage_metadata` from an OpenAI `usage` object (None when absent or empty)."""
    if not usage or not isinstance(usage, dict):
        return None
    inp = usage.get("prompt_tokens") or 0
    out = usage.get("completion_tokens") or 0
    total = usage.get("total_tokens")
    tier = service_tier if service_tier in ("priority", "flex") else None
    pre = f"{tier}_" if tier else ""
    prompt = _dict(usage.get("prompt_tokens_details"))
    completion = _dict(usage.get("completion_tokens_details"))
    inputs = {"audio": prompt.get("audio_tokens"), f"{pre}cache_read": prompt.get("cached_tokens"),
              f"{pre}cache_creation": prompt.get("cache_write_tokens")}
    outputs = {"audio": completion.get("audio_tokens"),
               f"{pre}reasoning": completion.get("reasoning_tokens")}
    if tier:  # service-tier counts leave out cache reads and reasoning, as OpenAI prices them
        inputs[tier] = inp - (inputs[f"{pre}cache_read"] or 0)
        outputs[tier] = out - (outputs[f"{pre}reasoning"] or 0)
    return {"input_tokens": inp, "output_tokens": out,
            "total_tokens": inp + out if total is None else total,
            "input_token_details": {k: v for k, v in inputs.items() if v is not None},
            "output_token_details": {k: v for k, v in outputs.items() if v is not None}}


def token_usage(usage: Any) -> dict[str, Any] | None:
    """A whole reply's `usage` as `response_metadata["token_usage"]` (None when absent)."""
    if not isinstance(usage, dict):
        return None
    out: dict[str, Any] = {k: usage.get(k) for k in (
        "completion_tokens", "prompt_tokens", "total_tokens", *_USAGE_DETAILS)}
    for key, fields in _USAGE_DETAILS.items():
        if isinstance(usage.get(key), dict):
            out[key] = {**{f: usage[key].get(f) for f in fields}, **usage[key]}
    return {**out, **{k: v for k, v in usage.items() if k not in out}}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def message_from_completion(body: dict[str, Any]) -> AIMessage:
    """An AIMessage from a non-streamed `chat.completion`, with langchain-openai's metadata."""
    choice = (body.get("choices") or [{}])[0] or {}
    message = choice.get("message") or {}
    calls: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    for raw in message.get("tool_calls") or []:
        _parse_tool_call(raw, calls, invalid)
    extra: dict[str, Any] = {}
    if message.get("function_call"):
        extra["function_call"] = dict(message["function_call"])
    if message.get("audio"):
        extra["audio"] = message["audio"]
    extra["refusal"] = message.get("refusal")
    usage, tier = body.get("usage"), body.get("service_tier")
    metadata = {"token_usage": token_usage(usage), "model_provider": "openai",
                "model_name": body.get("model"),
                "system_fingerprint": body.get("system_fingerprint"), "id": body.get("id")}
    if tier:
        metadata["service_tier"] = tier
    metadata.update(finish_reason=choice.get("finish_reason"), logprobs=choice.get("logprobs"))
    return AIMessage(message.get("content") or "", additional_kwargs=extra,
                     response_metadata=metadata, name=message.get("name"), id=message.get("id"),
                     tool_calls=calls, invalid_tool_calls=invalid,
                     usage_metadata=usage_metadata(usage, tier))


def _parse_tool_call(raw: Any, calls: list[dict[str, Any]],
                     invalid: list[dict[str, Any]]) -> None:
    """Append one whole tool call to `calls`, or to `invalid` (LangChain's error text)."""
    fn = _dict(_dict(raw).get("function"))
    name, arguments = fn.get("name"), fn.get("arguments")
    error = None
    try:
        args = (arguments if isinstance(arguments, dict)
                else json.loads(arguments, strict=False) if arguments else {})
        if not isinstance(args, dict):
            error = f"Function {name} arguments must be a JSON object, got: {arguments}"
    except (TypeError, ValueError) as exc:
        error = (f"Function {name} arguments:\n\n{arguments}\n\nare not valid JSON. "
                 f"Received JSONDecodeError {exc}{_PARSE_FAILURE}")
    if error is None:
        calls.append({"name": name or "", "args": args or {}, "id": _dict(raw).get("id"),
                      "type": "tool_call"})
    else:
        invalid.append({"type": "invalid_tool_call", "id": _dict(raw).get("id"), "name": name,
                        "args": arguments, "error": error})


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
