"""A scriptable fake of an OpenAI-compatible `/v1/chat/completions` endpoint.

A real HTTP server on 127.0.0.1 (port 0) in a daemon thread. Tests queue one `Reply` per
expected request with `script(...)`; every request is recorded (path, headers, JSON body,
arrival time) so tests can assert on what the client sent and how often it retried.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from engine.chat_models.openai import ChatOpenAI

MODEL = "gpt-test-0613"

Reply = Callable[["_Handler"], None]
"""Writes one scripted answer to a request."""


@dataclass
class Recorded:
    """One request the server received."""

    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any
    at: float  # time.monotonic() on arrival


class _QuietServer(ThreadingHTTPServer):
    """Drops the traceback the server would print for each failed request."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class FakeOpenAI:
    """The server: `base_url`, `script(*replies)`, `requests`; `start()` / `stop()`."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.release = threading.Event()  # set on stop: frees handlers that hang
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeOpenAI

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        fake = self.server_fake
        fake.requests.append(Recorded(
            self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw),
            time.monotonic()))
        reply = fake.replies.popleft() if fake.replies else error(500, "no reply scripted")
        try:
            reply(self)
        except (BrokenPipeError, ConnectionResetError):  # the client hung up: fine
            pass
        self.close_connection = True

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()

    def send_chunk(self, text: str) -> None:
        data = text.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def hang(self, seconds: float) -> None:
        self.server_fake.release.wait(seconds)


# -- replies ------------------------------------------------------------------------------
def sse(events: Sequence[dict[str, Any] | str], *, delay: float = 0.0, newline: str = "\n",
        done: bool = True, hang_after: bool = False) -> Reply:
    """A 200 event stream: dicts as `data:` events, strings written verbatim as lines."""

    def reply(handler: _Handler) -> None:
        handler.start_stream()
        for event in events:
            line = f"data: {json.dumps(event)}" if isinstance(event, dict) else event
            handler.send_chunk(line + newline * 2)
            if delay:
                time.sleep(delay)
        if hang_after:
            handler.hang(5.0)
            return
        if done:
            handler.send_chunk(f"data: [DONE]{newline * 2}")
        handler.end_stream()

    return reply


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return lambda handler: handler.send_json(status, body, headers)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    """An error in OpenAI's shape: `{"error": {"message": ..., "type": ...}}`."""
    return json_reply({"error": {"message": message, "type": "test_error"}}, status, headers)


def hang(seconds: float = 5.0) -> Reply:
    """Send nothing at all until `seconds` pass (or the server stops)."""
    return lambda handler: handler.hang(seconds)


# -- payload builders -----------------------------------------------------------------------
def chunk(content: str | None = None, *, role: str | None = None,
          tool_calls: list[dict[str, Any]] | None = None, finish: str | None = None,
          index: int = 0) -> dict[str, Any]:
    """One `chat.completion.chunk` with a single choice."""
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None or role is None:
        delta["content"] = content
    if tool_calls is not None:
        delta["tool_calls"] = tool_calls
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": MODEL,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}


def tool_delta(index: int | None, *, id: str | None = None, name: str | None = None,
               arguments: str | None = None) -> dict[str, Any]:
    """One entry of `delta.tool_calls`; only the given fields are present."""
    out: dict[str, Any] = {}
    if index is not None:
        out["index"] = index
    if id is not None:
        out.update(id=id, type="function")
    function = {k: v for k, v in (("name", name), ("arguments", arguments)) if v is not None}
    out["function"] = function
    return out


def usage_chunk(prompt: int, completion: int) -> dict[str, Any]:
    """The final usage-only chunk (`choices` empty) that `include_usage` asks for."""
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": MODEL,
            "choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                                     "total_tokens": prompt + completion}}


def text_events(tokens: Sequence[str], prompt: int = 7) -> list[dict[str, Any]]:
    """Role-only delta, one delta per token, a finish chunk, then usage."""
    return [chunk(role="assistant", content=""), *(chunk(t) for t in tokens),
            chunk(finish="stop"), usage_chunk(prompt, len(tokens))]


def completion(content: str | None, *, tool_calls: list[dict[str, Any]] | None = None,
               finish: str = "stop", usage: tuple[int, int] = (9, 3)) -> dict[str, Any]:
    """A whole non-streamed `chat.completion`."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    return {"id": "chatcmpl-2", "object": "chat.completion", "model": MODEL,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                      "total_tokens": sum(usage)}}


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def model(server: FakeOpenAI, **kwargs: Any) -> ChatOpenAI:
    options: dict[str, Any] = {"base_url": server.base_url, "api_key": "sk-test",
                               "timeout": 2.0, "retry_backoff": 0.01, **kwargs}
    return ChatOpenAI("gpt-test", **options)


def weather_call(arguments: str = '{"city": "Paris"}') -> list[dict[str, Any]]:
    return [{"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": arguments}}]

