"""`ChatOpenAI`: a streaming client for OpenAI-compatible chat-completions servers.

Works against OpenAI itself and local servers that speak the same API (Ollama, vLLM,
llama.cpp, LM Studio), using only the standard library. Every failure surfaces as one
`ChatModelError` naming the provider, the URL and what went wrong; 408/409/429/5xx
answers are retried with exponential backoff (honouring `Retry-After`) before any body
is read. The async paths run the blocking HTTP exchange in a worker thread and hand
results to the event loop through a queue, so the loop never blocks.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import AsyncGenerator, Iterator
from contextlib import aclosing
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from engine.chat_models.base import BaseChatModel, env
from engine.chat_models.openai_sse import MalformedStream, StreamMapper, excerpt, read_events
from engine.chat_models.openai_transport import (
    Call,
    Emit,
    connection,
    in_thread,
    retry_delay,
    status_reason,
    transport_failure,
)
from engine.chat_models.openai_wire import (
    error_message,
    message_from_completion,
    messages_to_openai,
    model_temperature,
    tool_choice_to_openai,
    tools_to_openai,
)
from engine.messages import AIMessage, AIMessageChunk, BaseMessage

__all__ = ["ChatModelError", "ChatOpenAI"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NOT_GIVEN: Any = object()  # `temperature` left out (o1 models then default to 1)
RETRYABLE = frozenset({408, 409, 429, 500, 502, 503, 504})
ERROR_BODY_LIMIT = 64 * 1024


class ChatModelError(Exception):
    """A chat-model call failed; `status` is None when no HTTP answer arrived."""

    def __init__(self, message: str, provider: str = "", url: str = "",
                 status: int | None = None, body: str | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.url = url
        self.status = status
        self.body = body

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.provider, self.url, self.status, self.body))


class ChatOpenAI(BaseChatModel):
    """A chat model served over the OpenAI chat-completions API (streaming by default)."""

    provider = "openai"

    def __init__(self, model: str = "gpt-4o-mini", *, base_url: str | None = None,
                 api_key: str | None = None, temperature: float | None = NOT_GIVEN,
                 max_tokens: int | None = None, stream_usage: bool | None = None,
                 reasoning_effort: str | None = None, timeout: float = 60.0,
                 max_retries: int = 2, retry_backoff: float = 0.5,
                 extra_headers: dict[str, str] | None = None, **base_kwargs: Any) -> None:
        super().__init__(model=model, **base_kwargs)
        custom = base_url or env("OPENAI_API_BASE")
        base = (custom or env("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, got {base!r}")
        self.base_url = base
        self.url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/chat/completions"))
        self.api_key = api_key if api_key is not None else env("OPENAI_API_KEY")
        given = temperature is not NOT_GIVEN
        self.temperature = model_temperature(self.model_name, temperature if given else None,
                                             reasoning_effort, given=given)
        self.max_tokens = max_tokens
        self.reasoning_effort = reasoning_effort
        # As langchain-openai: by default usage is streamed from OpenAI's own endpoint only
        # (many compatible servers reject `stream_options`).
        self.stream_usage: bool = stream_usage if stream_usage is not None else not (
            custom or env("OPENAI_BASE_URL") is not None or env("OPENAI_PROXY") is not None)
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.retry_backoff = retry_backoff
        self.extra_headers = dict(extra_headers or {})

    # -- the provider hooks -----------------------------------------------------------------
    def _stream(self, messages: list[BaseMessage], **kwargs: Any) -> Iterator[AIMessageChunk]:
        return self._stream_call(self.payload(messages, stream=True, **kwargs), Call())

    def _generate(self, messages: list[BaseMessage], **kwargs: Any) -> AIMessage:
        return self._complete(self.payload(messages, stream=False, **kwargs), Call())

    async def _astream(self, messages: list[BaseMessage],
                       **kwargs: Any) -> AsyncGenerator[AIMessageChunk, None]:
        body = self.payload(messages, stream=True, **kwargs)

        def produce(call: Call, emit: Emit) -> None:
            for chunk in self._stream_call(body, call):
                if call.cancelled.is_set():
                    return
                emit(chunk)

        async with aclosing(in_thread(produce)) as chunks:
            async for chunk in chunks:
                yield chunk

    async def _agenerate(self, messages: list[BaseMessage], **kwargs: Any) -> AIMessage:
        body = self.payload(messages, stream=False, **kwargs)
        async with aclosing(in_thread(lambda call, emit: emit(self._complete(body, call)))) as it:
            async for message in it:
                return message
        raise ChatModelError(self._describe("no reply"), self.ls_provider, self.url)

    # -- requests -----------------------------------------------------------------------
    def payload(self, messages: list[BaseMessage], *, stream: bool,
                **kwargs: Any) -> dict[str, Any]:
        """The JSON body of a chat-completions request; call kwargs become body fields."""
        body: dict[str, Any] = {"model": self.model_name, "messages": messages_to_openai(messages)}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.reasoning_effort is not None:
            body["reasoning_effort"] = self.reasoning_effort
        if self.bound_tools:
            tools = tools_to_openai(self.bound_tools)
            body["tools"] = tools
            if self.tool_choice is not None:
                names = [t["function"].get("name") for t in tools]
                body["tool_choice"] = tool_choice_to_openai(self.tool_choice, names)
        # Whether to ask for a usage chunk: the call's `stream_usage`, else its
        # `stream_options.include_usage`, else the model's `stream_usage`.
        sources = (kwargs.pop("stream_usage", None),
                   (kwargs.get("stream_options") or {}).get("include_usage"), self.stream_usage)
        body.update(kwargs)
        body["stream"] = stream
        if stream and next((s for s in sources if isinstance(s, bool)), False):
            body["stream_options"] = {"include_usage": True}
        return body

    def ls_params(self, **kwargs: Any) -> dict[str, Any]:
        """langchain-openai's tracing params, which LangGraph puts in token metadata."""
        params = {"model": self.model_name, "temperature": self.temperature,
                  "max_tokens": self.max_tokens, **kwargs}
        out = {"ls_provider": self.ls_provider, "ls_model_name": params["model"],
               "ls_model_type": "chat", "ls_temperature": params["temperature"]}
        if max_tokens := params["max_tokens"] or params.get("max_completion_tokens"):
            out["ls_max_tokens"] = max_tokens
        if params.get("stop"):
            out["ls_stop"] = params["stop"]
        return out

    def _headers(self, stream: bool) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": "stepscope",
                   "Accept": "text/event-stream" if stream else "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return {**headers, **self.extra_headers}

    def _open(self, body: dict[str, Any], call: Call) -> http.client.HTTPResponse:
        """POST `body`, retrying retryable statuses; the 2xx response, unread."""
        data = json.dumps(body).encode()
        headers = self._headers(bool(body.get("stream")))
        parts = urlsplit(self.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            conn = connection(parts, self.timeout)
            try:
                conn.connect()
                call.attach(conn)
                conn.request("POST", target, body=data, headers=headers)
                response = conn.getresponse()
                if 200 <= response.status < 300:
                    return response
                raw = response.read(ERROR_BODY_LIMIT)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise self._transport_error(exc, "waiting for a response") from None
            conn.close()
            if response.status in RETRYABLE and attempt < attempts:
                call.wait(retry_delay(response, attempt, self.retry_backoff))
                continue
            raise self._status_error(response, raw, attempt)
        raise AssertionError("unreachable")

    # -- replies ------------------------------------------------------------------------
    def _stream_call(self, body: dict[str, Any], call: Call) -> Iterator[AIMessageChunk]:
        response = self._open(body, call)
        # From here on there is no retry: once the server has answered, chunks may already
        # have reached the caller, and sending the request again would duplicate tokens.
        try:
            if "json" in (response.getheader("Content-Type") or "").lower():
                # A server that ignored `"stream": true` and sent one whole completion.
                message = self._parse_completion(self._read(response))
                yield AIMessageChunk(
                    message.content, additional_kwargs=message.additional_kwargs,
                    response_metadata=message.response_metadata, tool_calls=message.tool_calls,
                    invalid_tool_calls=message.invalid_tool_calls,
                    usage_metadata=message.usage_metadata, chunk_position="last")
                return
            mapper = StreamMapper()
            last: AIMessageChunk | None = None
            for event in self._events(response):
                if event.get("error") or event.get("object") == "error":
                    detail = error_message(json.dumps(event).encode())
                    raise ChatModelError(self._describe(f"error in stream: {detail}"),
                                         self.ls_provider, self.url, None, excerpt(str(event)))
                chunk = mapper.chunk(event)
                if chunk is not None:
                    last = chunk
                    yield chunk
            # As LangChain does: the stream ends with an empty chunk marked 'last'.
            if last is not None:
                yield AIMessageChunk("" if isinstance(last.content, str) else [],
                                     chunk_position="last")
        finally:
            response.close()
            call.close()

    def _events(self, response: http.client.HTTPResponse) -> Iterator[dict[str, Any]]:
        events = read_events(response.readline)
        while True:
            try:
                event = next(events)
            except StopIteration:
                return
            except MalformedStream as exc:
                raise ChatModelError(self._describe(f"malformed stream: {exc}"),
                                     self.ls_provider, self.url, None, exc.line) from None
            except (OSError, http.client.HTTPException) as exc:
                raise self._transport_error(exc, "mid-stream") from None
            yield event

    def _complete(self, body: dict[str, Any], call: Call) -> AIMessage:
        response = self._open(body, call)
        try:
            return self._parse_completion(self._read(response))
        finally:
            response.close()
            call.close()

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        try:
            return response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise self._transport_error(exc, "reading the response") from None

    def _parse_completion(self, raw: bytes) -> AIMessage:
        try:
            data = json.loads(raw)
        except ValueError:
            text = raw.decode("utf-8", errors="replace")
            raise ChatModelError(
                self._describe(f"invalid JSON in response body: {excerpt(text)!r}"),
                self.ls_provider, self.url, None, excerpt(text)) from None
        if not isinstance(data, dict) or "error" in data:
            raise ChatModelError(self._describe(f"error reply: {error_message(raw)}"),
                                 self.ls_provider, self.url, None, excerpt(str(data)))
        return message_from_completion(data)

    # -- errors -------------------------------------------------------------------------
    def _describe(self, what: str) -> str:
        return f"{self.ls_provider}: POST {self.url} → {what}"

    def _status_error(self, response: http.client.HTTPResponse, raw: bytes,
                      attempts: int) -> ChatModelError:
        status = response.status
        what = f"{status} {status_reason(response)}"
        detail = error_message(raw)
        if detail:
            what += f": {detail}"
        if status == 404:
            what += f" (unknown model {self.model_name!r} or wrong base_url?)"
        if status in (401, 403) and not self.api_key:
            what += " (no API key: set OPENAI_API_KEY or pass api_key=)"
        if attempts > 1:
            what += f" (gave up after {attempts} attempts)"
        body = raw.decode("utf-8", errors="replace")
        return ChatModelError(self._describe(what), self.ls_provider, self.url, status,
                              excerpt(body, 2000))

    def _transport_error(self, exc: OSError | http.client.HTTPException,
                         when: str) -> ChatModelError:
        """A ChatModelError for a network failure, without the socket-level traceback."""
        what = transport_failure(exc, when, self.timeout)
        return ChatModelError(self._describe(what), self.ls_provider, self.url)

