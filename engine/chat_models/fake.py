"""Offline chat models: LangChain's three fakes (the conformance vectors use them) and
`ScriptedChatModel`, whose replies stream with realistic token timing for demos."""

from __future__ import annotations

import asyncio
import copy
import re
import time
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Sequence
from typing import Any

from engine.chat_models.base import BaseChatModel
from engine.messages import AIMessage, AIMessageChunk, BaseMessage

_WORDS = re.compile(r"(\s)")


def word_chunks(text: str) -> list[str]:
    """Words and single whitespace characters, as separate tokens."""
    return [t for t in _WORDS.split(text) if t]


def _chunks_of(message: AIMessage, pieces: Sequence[str]) -> list[AIMessageChunk]:
    chunks = [AIMessageChunk(p, id=message.id) for p in pieces] or [
        AIMessageChunk("", id=message.id)]
    last = chunks[-1]
    if message.tool_calls:
        last.tool_call_chunks = [
            {"name": tc["name"], "args": _json(tc["args"]), "id": tc["id"], "index": i,
             "type": "tool_call_chunk"}
            for i, tc in enumerate(message.tool_calls)
        ]
        last.tool_calls = [dict(tc) for tc in message.tool_calls]
    if message.usage_metadata:
        last.usage_metadata = dict(message.usage_metadata)
    last.response_metadata = dict(message.response_metadata)
    last.chunk_position = "last"
    return chunks


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


class GenericFakeChatModel(BaseChatModel):
    """Replies with the next message of `messages`, streamed word by word."""

    def __init__(self, *, messages: Iterator[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.messages = messages

    def _next(self) -> AIMessage:
        item = next(self.messages)
        if isinstance(item, str):
            return AIMessage(item)
        return copy.copy(item)

    def _stream(self, messages: list[BaseMessage], **kwargs: Any) -> Iterator[AIMessageChunk]:
        reply = self._next()
        text = reply.content if isinstance(reply.content, str) else reply.text
        yield from _chunks_of(reply, word_chunks(text))


class FakeListChatModel(BaseChatModel):
    """Cycles through `responses`, streaming one character per chunk."""

    def __init__(self, *, responses: Sequence[str], sleep: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.responses = list(responses)
        self.sleep = sleep
        self.i = 0

    def _stream(self, messages: list[BaseMessage], **kwargs: Any) -> Iterator[AIMessageChunk]:
        text = self.responses[self.i % len(self.responses)]
        self.i += 1
        for chunk in _chunks_of(AIMessage(text), list(text)):
            if self.sleep:
                time.sleep(self.sleep)
            yield chunk


class FakeMessagesListChatModel(BaseChatModel):
    """Cycles through `responses` (messages); it cannot stream, so a call is one message."""

    def __init__(self, *, responses: Sequence[BaseMessage], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.responses = list(responses)
        self.i = 0

    def _generate(self, messages: list[BaseMessage], **kwargs: Any) -> AIMessage:
        reply = self.responses[self.i % len(self.responses)]
        self.i += 1
        # As LangChain's fake: a scripted reply of any message type is replied as given.
        return copy.copy(reply)  # type: ignore[return-value]  # BaseMessage, not AIMessage


Reply = str | AIMessage
ReplyFn = Callable[[list[BaseMessage]], Reply]


class ScriptedChatModel(BaseChatModel):
    """Scripted replies (a list, or a function of the prompt) streamed with model-like timing.

    `first_token_delay` is the time to first token, `token_delay` the gap between tokens.
    A reply may be an AIMessage with `tool_calls`, so agents can be scripted end to end.
    """

    provider = "scripted"

    def __init__(
        self,
        replies: Iterable[Reply] | ReplyFn | None = None,
        *,
        token_delay: float = 0.0,
        first_token_delay: float = 0.0,
        cycle: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("model", "scripted")
        super().__init__(**kwargs)
        self.reply_fn: ReplyFn | None = replies if callable(replies) else None
        self.replies: list[Reply] = [] if callable(replies) else list(replies or [])
        self.token_delay = token_delay
        self.first_token_delay = first_token_delay
        self.cycle = cycle
        self.calls = 0

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        if self.reply_fn is not None:
            reply = self.reply_fn(messages)
        else:
            if not self.replies:
                raise ValueError("ScriptedChatModel has no replies scripted")
            if self.calls >= len(self.replies) and not self.cycle:
                raise ValueError(
                    f"ScriptedChatModel ran out of replies: call {self.calls + 1}, "
                    f"{len(self.replies)} scripted (pass cycle=True to repeat them)"
                )
            reply = self.replies[self.calls % len(self.replies)]
        self.calls += 1
        return AIMessage(reply) if isinstance(reply, str) else copy.copy(reply)

    def _plan(self, messages: list[BaseMessage]) -> list[AIMessageChunk]:
        reply = self._reply(messages)
        chunks = _chunks_of(reply, word_chunks(reply.text))
        total = sum(len(c.text) for c in chunks)
        chunks[-1].usage_metadata = chunks[-1].usage_metadata or {
            "input_tokens": sum(len(m.text.split()) for m in messages),
            "output_tokens": len(chunks),
            "total_tokens": sum(len(m.text.split()) for m in messages) + len(chunks),
        }
        chunks[-1].response_metadata.setdefault("model_name", self.model_name)
        chunks[-1].response_metadata.setdefault("characters", total)
        return chunks

    def _stream(self, messages: list[BaseMessage], **kwargs: Any) -> Iterator[AIMessageChunk]:
        for i, chunk in enumerate(self._plan(messages)):
            delay = self.first_token_delay if i == 0 else self.token_delay
            if delay:
                time.sleep(delay)
            yield chunk

    async def _astream(
        self, messages: list[BaseMessage], **kwargs: Any
    ) -> AsyncGenerator[AIMessageChunk, None]:
        for i, chunk in enumerate(self._plan(messages)):
            delay = self.first_token_delay if i == 0 else self.token_delay
            if delay:
                await asyncio.sleep(delay)
            yield chunk
