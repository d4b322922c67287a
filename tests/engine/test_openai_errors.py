"""ChatOpenAI against a real local HTTP server: errors, retries, timeouts, async."""

from __future__ import annotations

import asyncio
import pickle
import threading
import time
from contextlib import aclosing
from email.utils import formatdate
from http.client import HTTPResponse
from types import SimpleNamespace
from typing import cast

import pytest

from engine.chat_models.openai import ChatModelError, ChatOpenAI
from engine.chat_models.openai_transport import retry_delay

from .fake_openai import (
    FakeOpenAI,
    chunk,
    closed_port_url,
    completion,
    error,
    hang,
    json_reply,
    model,
    sse,
    text_events,
)

TOKENS = ["Hel", "lo", ",", " world"]



class TestErrors:
    """Failures become ChatModelError with provider, URL, status and the server's message."""

    def test_401_is_not_retried(self, server: FakeOpenAI) -> None:
        """An auth failure raises at once with the server's own message."""
        server.script(error(401, "Incorrect API key provided"))
        with pytest.raises(ChatModelError) as info:
            model(server).invoke("hi")
        assert str(info.value) == (
            f"openai: POST {server.url} → 401 Unauthorized: Incorrect API key provided")
        err = info.value
        assert (err.provider, err.url, err.status) == ("openai", server.url, 401)
        assert "Incorrect API key provided" in (err.body or "")
        assert len(server.requests) == 1

    @pytest.mark.parametrize(("status", "hint"), [(403, "Forbidden"), (404, "'gpt-test'")])
    def test_403_and_404_are_not_retried(self, server: FakeOpenAI, status: int,
                                         hint: str) -> None:
        """403 and 404 raise after one attempt; 404 names the model it could not find."""
        server.script(error(status, "nope"))
        with pytest.raises(ChatModelError, match=hint) as info:
            model(server).invoke("hi")
        assert info.value.status == status and len(server.requests) == 1

    def test_429_retry_after_is_honoured(self, server: FakeOpenAI) -> None:
        """A 429 with Retry-After waits that long, then the retry succeeds."""
        server.script(error(429, "slow down", {"Retry-After": "0.3"}), sse(text_events(["ok"])))
        assert model(server).invoke("hi").content == "ok"
        first, second = server.requests
        assert len(server.requests) == 2 and second.at - first.at >= 0.28

    def test_429_without_retry_after_backs_off_exponentially(self, server: FakeOpenAI) -> None:
        """Without Retry-After the waits are retry_backoff, then twice that."""
        server.script(error(429, "busy"), error(429, "busy"), sse(text_events(["ok"])))
        assert model(server, retry_backoff=0.1).invoke("hi").content == "ok"
        times = [r.at for r in server.requests]
        assert len(times) == 3
        assert times[1] - times[0] >= 0.09 and times[2] - times[1] >= 0.19

    def test_500_then_success(self, server: FakeOpenAI) -> None:
        """A transient 500 is retried and the second answer is used."""
        server.script(error(500, "boom"), sse(text_events(TOKENS)))
        assert model(server).invoke("hi").content == "Hello, world"
        assert len(server.requests) == 2

    def test_permanent_503_gives_up(self, server: FakeOpenAI) -> None:
        """A 503 that never clears raises after max_retries + 1 attempts."""
        server.script(*[error(503, "overloaded")] * 4)
        with pytest.raises(ChatModelError, match="gave up after 3 attempts") as info:
            model(server, max_retries=2).invoke("hi")
        assert info.value.status == 503 and "overloaded" in str(info.value)
        assert len(server.requests) == 3

    def test_connection_refused(self) -> None:
        """A closed port fails fast, naming the URL, with no chained socket traceback."""
        url = closed_port_url()
        started = time.monotonic()
        with pytest.raises(ChatModelError, match="connection refused") as info:
            ChatOpenAI("m", base_url=url).invoke("hi")
        assert time.monotonic() - started < 1.0
        assert info.value.url == f"{url}/chat/completions" and url in str(info.value)
        assert info.value.status is None and info.value.__suppress_context__

    def test_malformed_sse_names_the_line_and_is_not_retried(self, server: FakeOpenAI) -> None:
        """Invalid JSON after a token raises, quoting the line (truncated); no retry."""
        server.script(sse([chunk("Hel"), "data: {not json " + "x" * 500]))
        received: list[str] = []
        with pytest.raises(ChatModelError, match=r"invalid JSON in data line: 'data: \{not json")\
                as info:
            received.extend(c.text for c in model(server, max_retries=2).stream("hi"))
        assert received == ["Hel"]
        assert len(str(info.value)) < 350 and len(server.requests) == 1

    def test_error_event_in_stream(self, server: FakeOpenAI) -> None:
        """An `error` object sent as a stream event raises with its message."""
        server.script(sse([chunk("a"), {"error": {"message": "context length exceeded"}}]))
        with pytest.raises(ChatModelError, match="error in stream: context length exceeded"):
            model(server).invoke("hi")

    def test_timeout_before_any_answer(self, server: FakeOpenAI) -> None:
        """A server that never answers trips the read timeout, reported in seconds."""
        server.script(hang())
        started = time.monotonic()
        with pytest.raises(ChatModelError, match=r"timed out after 0\.3 s") as info:
            model(server, timeout=0.3).invoke("hi")
        assert time.monotonic() - started < 1.5 and info.value.status is None

    def test_timeout_mid_stream_is_not_retried(self, server: FakeOpenAI) -> None:
        """A stream that stalls after its first token raises without resending the request."""
        server.script(sse([chunk("Hel")], hang_after=True), sse(text_events(["dup"])))
        received: list[str] = []
        with pytest.raises(ChatModelError, match=r"timed out after 0\.3 s"):
            received.extend(c.text for c in model(server, timeout=0.3).stream("hi"))
        assert received == ["Hel"] and len(server.requests) == 1

    @pytest.mark.parametrize(("headers", "expected"), [
        ({"Retry-After": "2"}, 2.0), ({"retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "3600"}, 60.0), ({"Retry-After": "soon"}, 0.4), ({}, 0.4)])
    def test_retry_delay(self, headers: dict[str, str], expected: float) -> None:
        """Retry-After (seconds, ms, capped at 60 s) wins; otherwise backoff × 2^(n-1)."""
        # A stand-in for the HTTPResponse: retry_delay only calls getheader.
        response = cast(HTTPResponse, SimpleNamespace(getheader=lambda name: headers.get(name)))
        assert retry_delay(response, 3, 0.1) == pytest.approx(expected)

    def test_retry_after_http_date(self) -> None:
        """An HTTP-date Retry-After waits until that moment."""
        when = formatdate(time.time() + 5, usegmt=True)
        response = cast(HTTPResponse, SimpleNamespace(
            getheader=lambda name: when if name == "Retry-After" else None))
        assert 3.5 < retry_delay(response, 1, 0.1) <= 5.0

    def test_error_pickles(self) -> None:
        """ChatModelError survives pickling with its attributes (checkpoints, workers)."""
        err = pickle.loads(pickle.dumps(ChatModelError("m", "openai", "http://x", 500, "b")))
        assert (str(err), err.provider, err.url, err.status, err.body) == (
            "m", "openai", "http://x", 500, "b")


class TestAsync:
    """ainvoke / astream give the same results without blocking the event loop."""

    async def test_astream_does_not_block_the_loop(self, server: FakeOpenAI) -> None:
        """Other tasks keep running while tokens trickle in."""
        server.script(sse(text_events(TOKENS), delay=0.06))
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        texts = [c.text async for c in model(server).astream("hi")]
        done.set()
        await task
        assert texts == ["", *TOKENS, "", "", ""] and ticks >= 10

    async def test_ainvoke_streams_and_merges(self, server: FakeOpenAI) -> None:
        """ainvoke returns the merged reply with usage."""
        server.script(sse(text_events(TOKENS)))
        reply = await model(server).ainvoke("hi")
        assert reply.content == "Hello, world" and reply.usage_metadata is not None
        assert reply.usage_metadata["total_tokens"] == 11

    async def test_ainvoke_without_streaming(self, server: FakeOpenAI) -> None:
        """With streaming off, ainvoke posts stream=false and maps the completion."""
        server.script(json_reply(completion("sync-free")))
        reply = await model(server, streaming=False).ainvoke("hi")
        assert reply.content == "sync-free" and server.requests[0].body["stream"] is False

    async def test_async_errors_propagate(self, server: FakeOpenAI) -> None:
        """A 401 surfaces from ainvoke and astream as ChatModelError."""
        server.script(error(401, "bad key"), error(401, "bad key"))
        with pytest.raises(ChatModelError, match="401 Unauthorized: bad key"):
            await model(server).ainvoke("hi")
        with pytest.raises(ChatModelError, match="401"):
            _ = [c async for c in model(server).astream("hi")]

    async def test_breaking_off_stops_the_worker(self, server: FakeOpenAI) -> None:
        """Leaving astream early shuts the socket, so the worker thread ends promptly."""
        server.script(sse([chunk("Hel")], hang_after=True))
        async with aclosing(model(server, timeout=5.0).astream("hi")) as stream:
            async for first in stream:
                assert first.text == "Hel"
                break
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and any(
                t.name == "stepscope-openai" for t in threading.enumerate()):
            await asyncio.sleep(0.02)
        assert not any(t.name == "stepscope-openai" for t in threading.enumerate())


