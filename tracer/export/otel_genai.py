"""GenAI attributes (semantic conventions v1.41.0, see `otel_model`): a model call as a
`chat {model}` span, a tool call as `execute_tool {name}`, errors as `error.type` and an
`exception` event, and, only when asked (`content=True`), prompts, replies, tool
arguments and results as the conventions' JSON messages. Pure functions of recorded
values, which a hostile trace may have shaped any way: nothing here raises on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracer.analysis import LLMCall, text_of
from tracer.codec import ErrorValue, ObjectValue, exception_fields
from tracer.export.jsonable import error_dict
from tracer.export.otel_model import SpanEvent, json_text
from tracer.usage import Usage, usage_of

PROVIDERS = {
    "openai": "openai", "anthropic": "anthropic", "azure": "azure.ai.openai",
    "azure_openai": "azure.ai.openai", "azure_ai": "azure.ai.inference",
    "google_genai": "gcp.gen_ai", "google_vertexai": "gcp.vertex_ai", "vertexai": "gcp.vertex_ai",
    "google": "gcp.gemini", "gemini": "gcp.gemini", "bedrock": "aws.bedrock",
    "amazon_bedrock": "aws.bedrock", "bedrock_converse": "aws.bedrock", "cohere": "cohere",
    "mistralai": "mistral_ai", "mistral": "mistral_ai", "groq": "groq", "deepseek": "deepseek",
    "xai": "x_ai", "perplexity": "perplexity", "ibm": "ibm.watsonx.ai", "watsonx": "ibm.watsonx.ai",
}
"""LangChain's provider names (`ls_provider`) → the conventions' `gen_ai.provider.name`
well-known values; any other name is sent as it is, an unknown one as `_OTHER`."""

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool",
          "function": "tool", "developer": "system", "AIMessageChunk": "assistant"}


def provider_name(provider: str | None) -> str:
    """`gen_ai.provider.name` for a recorded provider (required by the conventions)."""
    if not provider:
        return "_OTHER"
    return PROVIDERS.get(provider.lower(), provider)


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """A recorded (or, live, a raised) error: its class, message and traceback text."""

    type: str
    message: str
    stacktrace: str

    @property
    def status(self) -> str:
        """A one-line status description: `Class: first line of the message`."""
        first = (self.message.splitlines() or [""])[0][:300]
        return f"{self.type}: {first}" if first else self.type


def error_info(error: Any) -> ErrorInfo:
    """What an error recorded in a trace (an ErrorValue, or anything in its place) or
    raised in a live run says."""
    if isinstance(error, BaseException):
        fields = exception_fields(error)
        return ErrorInfo(fields["cls"], fields["message"], fields["traceback"])
    info = error_dict(error)
    return ErrorInfo(info["class"], info["message"], info["traceback"])


def error_attributes(error: Any, at_ns: int) -> tuple[dict[str, Any], SpanEvent, str]:
    """`error.type`, the conventions' `exception` event and the status description."""
    info = error_info(error)
    event = SpanEvent("exception", at_ns, {"exception.type": info.type,
                                           "exception.message": info.message,
                                           **({"exception.stacktrace": info.stacktrace}
                                              if info.stacktrace else {})})
    return {"error.type": info.type}, event, info.status


def usage_attributes(usage: Usage | None) -> dict[str, Any]:
    """The conventions' token counts, those the provider reported."""
    if usage is None:
        return {}
    return {"gen_ai.usage.input_tokens": usage.input,
            "gen_ai.usage.output_tokens": usage.output,
            "gen_ai.usage.cache_read.input_tokens": usage.cache_read,
            "gen_ai.usage.cache_creation.input_tokens": usage.cache_write,
            "gen_ai.usage.reasoning.output_tokens": usage.reasoning}


@dataclass(slots=True)
class CallDetails:
    """What a call's events say beyond `LLMCall`: the reply's metadata (streamed chunks
    carry it), the tool calls it asked for, the prompt (kept only for `content`)."""

    response: dict[str, Any]
    tool_calls: list[dict[str, Any]]
    prompt: Any = None
    tools: list[str] | None = None


def chat_attributes(call: LLMCall, details: CallDetails, content: bool) -> dict[str, Any]:
    """A `chat` span's GenAI attributes."""
    response = details.response
    reason = response.get("finish_reason") or response.get("stop_reason")
    response_model = response.get("model_name") or response.get("model")
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider_name(call.provider),
        "gen_ai.request.model": call.model,
        "gen_ai.response.model": text_of(response_model) if response_model else None,
        "gen_ai.response.id": text_of(response["id"]) if response.get("id") else None,
        "gen_ai.response.finish_reasons": [text_of(reason)] if reason else None,
        "gen_ai.response.time_to_first_chunk": None if call.ttft is None else call.ttft / 1e9,
        **usage_attributes(usage_of(call.usage)),
        "stepscope.llm.chunks": len(call.tokens),
        "stepscope.llm.tags": call.tags or None,
        "stepscope.llm.tools": details.tools or None,
    }
    if content:
        attrs["gen_ai.input.messages"] = json_text(input_messages(details.prompt))
        reply = output_message(call.text, details.tool_calls, text_of(reason) if reason else None)
        attrs["gen_ai.output.messages"] = json_text([reply])
    return attrs


def input_messages(prompt: Any) -> list[dict[str, Any]]:
    """A recorded prompt (a list of messages) as the conventions' input messages:
    `[{role, parts: [{type: text, content} | {type: tool_call, …} | …]}]`."""
    if not isinstance(prompt, (list, tuple)):
        return []
    out = []
    for message in prompt:
        fields = message_fields(message)
        if fields is None:
            out.append({"role": "user", "parts": [{"type": "text", "content": text_of(message)}]})
            continue
        role = _ROLES.get(text_of(fields.get("type")), text_of(fields.get("type") or "user"))
        parts = _content_parts(fields.get("content"))
        if role == "tool":
            parts = [{"type": "tool_call_response", "id": fields.get("tool_call_id"),
                      "response": _text_content(fields.get("content"))}]
        parts += [_tool_call_part(c) for c in _list(fields.get("tool_calls"))]
        out.append({"role": role, "parts": parts})
    return out


def output_message(text: str | None, tool_calls: list[dict[str, Any]],
                   reason: str | None) -> dict[str, Any]:
    """A reply as the conventions' output message."""
    parts: list[dict[str, Any]] = [{"type": "text", "content": text}] if text else []
    parts += [_tool_call_part(c) for c in tool_calls]
    message: dict[str, Any] = {"role": "assistant", "parts": parts}
    if reason:
        message["finish_reason"] = reason
    return message


def _tool_call_part(call: Any) -> dict[str, Any]:
    call = call if isinstance(call, dict) else {}
    return {"type": "tool_call", "id": call.get("id"), "name": call.get("name"),
            "arguments": call.get("args")}


def _content_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}] if content else []
    parts: list[dict[str, Any]] = []
    for block in _list(content):
        if isinstance(block, str):
            parts.append({"type": "text", "content": block})
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append({"type": "text", "content": block.get("text")})
        else:
            kind = block.get("type") if isinstance(block, dict) else None
            parts.append({"type": text_of(kind or "unknown"), "content": block})
    return parts


def _text_content(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p["content"] for p in _content_parts(content)
                   if p["type"] == "text" and isinstance(p.get("content"), str))


def message_fields(value: Any) -> dict[str, Any] | None:
    """A message's fields (`type`, `content`, `tool_calls`, `tool_call_id`, `name`,
    `status`…): of a message object, or of one the reader could not rebuild; None for
    anything that is not a message."""
    if isinstance(value, ObjectValue):
        return value.fields if value.kind == "message" and isinstance(value.fields, dict) else None
    if isinstance(value, (str, bytes, dict, list, tuple, ErrorValue)) or value is None:
        return None
    kind = getattr(value, "type", None)
    if not isinstance(kind, str) or not hasattr(value, "content"):
        return None
    return {name: getattr(value, name, None) for name in (
        "type", "content", "tool_calls", "tool_call_id", "name", "status", "id")}


def tool_results(writes: Any) -> list[dict[str, Any]]:
    """The tool messages a task wrote (a tool node's answers): their fields, in order."""
    found = []
    for write in _list(writes):
        if not isinstance(write, (list, tuple)) or len(write) != 2:
            continue
        value = write[1]
        for item in (value if isinstance(value, (list, tuple)) else [value]):
            fields = message_fields(item)
            if fields is not None and fields.get("type") == "tool":
                found.append(fields)
    return found


def tool_attributes(result: dict[str, Any], asked: dict[str, Any] | None,
                    content: bool) -> dict[str, Any]:
    """An `execute_tool` span's attributes, from the tool's message and the model's
    request for it (`asked`, when the trace holds it)."""
    call_id = result.get("tool_call_id")
    name = result.get("name") or (asked or {}).get("name")
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": text_of(name) if name else None,
        "gen_ai.tool.call.id": text_of(call_id) if call_id else None,
        "gen_ai.tool.type": "function",
    }
    if content:
        if asked is not None:
            attrs["gen_ai.tool.call.arguments"] = json_text(asked.get("args"))
        attrs["gen_ai.tool.call.result"] = _text_content(result.get("content"))
    return attrs


def _list(value: Any) -> list[Any] | tuple[Any, ...]:
    return value if isinstance(value, (list, tuple)) else ()
