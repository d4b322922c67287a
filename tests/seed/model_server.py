"""The OpenAI-compatible server the seed blocks' models talk to: replies chosen by prompt.

`FakeOpenAI` answers requests from a queue in arrival order. Blocks such as 15 call the
model from two nodes at once, so arrival order is racy; `ModelServer` instead picks each
reply by a phrase of the request's messages, which keeps every streamed token checkable.
Like OpenAI, a streamed reply carries a usage chunk only when the request asks for one, so
clients that ask and clients that do not (langchain-openai with a custom base URL, the
`openai` SDK by default) each get what the real service would send them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

from tests.engine.fake_openai import (
    FakeOpenAI,
    Recorded,
    Reply,
    chunk,
    completion,
    error,
    json_reply,
    sse,
    usage_chunk,
)

Answer = Callable[[dict[str, Any]], Reply]
"""Makes the reply to one request from its JSON body."""


def streamed(tokens: Sequence[str], *, delay: float = 0.0) -> Answer:
    """A streamed reply as OpenAI sends it: a role-only delta, one delta per token, a finish
    chunk, and a usage chunk only if the request asked for one (`stream_options`)."""

    def answer(body: dict[str, Any]) -> Reply:
        events = [chunk(role="assistant", content=""), *(chunk(t) for t in tokens),
                  chunk(finish="stop")]
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append(usage_chunk(7, len(tokens)))
        return sse(events, delay=delay)

    return answer


def delayed(tokens: Sequence[str], seconds: float = 0.02) -> Answer:
    """Like `streamed`, with a pause after each event, so streaming shows as it happens."""
    return streamed(tokens, delay=seconds)


def whole(content: str) -> Answer:
    """A non-streamed `chat.completion` reply."""
    return lambda body: json_reply(completion(content))


class _ThreadTaggedRequests(list[Recorded]):
    """The server's request log; also remembers which request this handler thread serves."""

    def __init__(self, current: threading.local) -> None:
        super().__init__()
        self.current = current

    def append(self, request: Recorded) -> None:
        super().append(request)
        self.current.request = request


class ModelServer:
    """A started `FakeOpenAI` whose replies are routed by a phrase of the prompt."""

    def __init__(self) -> None:
        self.fake = FakeOpenAI()
        self._current = threading.local()
        self.fake.requests = _ThreadTaggedRequests(self._current)
        self._routes: list[tuple[str, Answer]] = []
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self.fake.base_url

    @property
    def requests(self) -> list[Recorded]:
        return self.fake.requests

    def on(self, phrase: str, answer: Answer) -> None:
        """Answer the next request whose messages contain `phrase` with `answer`."""
        with self._lock:
            self._routes.append((phrase, answer))
        self.fake.script(self._route)

    def request_with(self, phrase: str) -> dict[str, Any]:
        """The JSON body of the one recorded request whose messages contain `phrase`."""
        bodies = [r.body for r in self.requests if phrase in json.dumps(r.body["messages"])]
        assert len(bodies) == 1, f"{len(bodies)} requests mention {phrase!r}"
        return bodies[0]

    def _route(self, handler: Any) -> None:
        body = self._current.request.body
        prompt = json.dumps(body.get("messages"))
        with self._lock:
            match = next((i for i, (p, _) in enumerate(self._routes) if p in prompt), None)
            answer = self._routes.pop(match)[1] if match is not None else None
        # 400, not 500: an unexpected prompt must fail the test at once, without retries.
        (answer(body) if answer else error(400, f"no reply scripted for prompt {prompt}"))(handler)

    def start(self) -> None:
        self.fake.start()

    def stop(self) -> None:
        self.fake.stop()
