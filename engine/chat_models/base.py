"""`BaseChatModel`: every call is observable, token by token.

A provider implements `_stream` (and, if it has a cheaper path, `_astream`) yielding
`AIMessageChunk`s; or `_generate` for a model that cannot stream. The base class does
the rest: `invoke` streams internally (so `messages` mode and the token timeline see
every chunk, as LangGraph's streaming callback makes them), and inside a graph task
each call emits `llm_start`, one `token` per chunk, and `llm_end` on the run's bus.
"""

from __future__ import annotations

import copy
import os
from collections.abc import AsyncGenerator, Iterator, Sequence
from contextlib import aclosing
from typing import Any

from engine.chat_models.capture import CallRecorder
from engine.config import RunnableConfig
from engine.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    convert_to_messages,
    merge_chunks,
    message_chunk_to_message,
)
from engine.runnables import Runnable


class BaseChatModel(Runnable):
    """A chat model: messages in, an AIMessage out, chunks observable on the way."""

    provider: str | None = None
    """`ls_provider` in metadata; defaults to the lower-cased class name (a class default
    a provider sets, which `init_chat_model` may override per instance)."""

    def __init__(
        self,
        *,
        tags: Sequence[str] | None = None,
        streaming: bool = True,
        disable_streaming: bool = False,
        model: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.tags: list[str] = list(tags or [])
        self.streaming = streaming
        self.disable_streaming = disable_streaming
        self.model_name = model or kwargs.pop("model_name", None) or type(self).__name__
        self.bound_tools: list[Any] = []
        self.tool_choice: Any = None
        self.bound_kwargs: dict[str, Any] = {}
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments: {sorted(kwargs)}")

    # -- what providers implement ----------------------------------------------------------
    def _stream(self, messages: list[BaseMessage], **kwargs: Any) -> Iterator[AIMessageChunk]:
        raise NotImplementedError(f"{type(self).__name__} cannot stream")

    async def _astream(
        self, messages: list[BaseMessage], **kwargs: Any
    ) -> AsyncGenerator[AIMessageChunk, None]:
        """Chunks, asynchronously: an async generator (callers `aclose()` it early)."""
        for chunk in self._stream(messages, **kwargs):
            yield chunk

    def _generate(self, messages: list[BaseMessage], **kwargs: Any) -> AIMessage:
        return message_chunk_to_message(merge_chunks(list(self._stream(messages, **kwargs))))

    async def _agenerate(self, messages: list[BaseMessage], **kwargs: Any) -> AIMessage:
        chunks = [c async for c in self._astream(messages, **kwargs)]
        return message_chunk_to_message(merge_chunks(chunks))

    @property
    def can_stream(self) -> bool:
        return type(self)._stream is not BaseChatModel._stream

    # -- configuration --------------------------------------------------------------------
    @property
    def ls_provider(self) -> str:
        return self.provider or type(self).__name__.lower()

    def ls_params(self, **kwargs: Any) -> dict[str, Any]:
        """The `ls_*` keys of token metadata, in LangChain's order, for one call's kwargs."""
        return {"ls_provider": self.ls_provider, "ls_model_type": "chat"}

    def with_config(self, config: RunnableConfig | None = None, **kwargs: Any) -> BaseChatModel:
        """A copy with extra tags (`with_config(tags=[...])`)."""
        merged: dict[str, Any] = {**(config or {}), **kwargs}
        clone = copy.copy(self)
        clone.tags = [*self.tags, *merged.get("tags", [])]
        return clone

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None,
                   **kwargs: Any) -> BaseChatModel:
        """A copy that offers `tools` to the model (providers send their schemas)."""
        clone = copy.copy(self)
        clone.bound_tools = list(tools)
        clone.tool_choice = tool_choice
        clone.bound_kwargs = {**self.bound_kwargs, **kwargs}
        return clone

    def with_structured_output(self, schema: Any, *, include_raw: bool = False,
                               **kwargs: Any) -> Runnable:
        """Replies parsed into `schema` (pydantic model, TypedDict or JSON schema), the
        model made to answer through a tool call (see `engine.chat_models.structured`)."""
        from engine.chat_models.structured import StructuredOutput

        return StructuredOutput(self, schema, include_raw=include_raw)

    def bind(self, **kwargs: Any) -> BaseChatModel:
        clone = copy.copy(self)
        clone.bound_kwargs = {**self.bound_kwargs, **kwargs}
        return clone

    def _should_stream(self) -> bool:
        return self.can_stream and self.streaming and not self.disable_streaming

    # -- calling --------------------------------------------------------------------------
    def invoke(self, input: Any, config: RunnableConfig | None = None,
               **kwargs: Any) -> AIMessage:
        """One reply. Streams internally when it can, so every chunk is observed."""
        messages = convert_to_messages(input)
        kwargs = {**self.bound_kwargs, **kwargs}
        rec = CallRecorder.start(self, messages, config, kwargs)
        try:
            if self._should_stream():
                chunks = []
                for chunk in self._stream(messages, **kwargs):
                    chunks.append(rec.chunk(chunk))
                message = rec.finish_invoke(chunks)
            else:
                message = rec.whole(self._generate(messages, **kwargs))
        except BaseException as exc:
            rec.fail(exc)
            raise
        return message

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None,
                      **kwargs: Any) -> AIMessage:
        messages = convert_to_messages(input)
        kwargs = {**self.bound_kwargs, **kwargs}
        rec = CallRecorder.start(self, messages, config, kwargs)
        try:
            if self._should_stream():
                chunks = []
                stream = self._astream(messages, **kwargs)
                async with aclosing(stream):
                    async for chunk in stream:
                        chunks.append(rec.chunk(chunk))
                message = rec.finish_invoke(chunks)
            else:
                generated = await self._agenerate(messages, **kwargs)
                message = rec.whole(generated)
        except BaseException as exc:
            rec.fail(exc)
            raise
        return message

    def stream(self, input: Any, config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[AIMessageChunk]:
        """Chunks as they arrive (one whole-message chunk if streaming is disabled)."""
        messages = convert_to_messages(input)
        if not self._should_stream():
            yield _as_chunk(self.invoke(messages, config, **kwargs))
            return
        kwargs = {**self.bound_kwargs, **kwargs}
        rec = CallRecorder.start(self, messages, config, kwargs)
        chunks: list[AIMessageChunk] = []
        try:
            for chunk in self._stream(messages, **kwargs):
                chunks.append(rec.chunk(chunk))
                yield chunks[-1]
        except BaseException as exc:
            rec.fail(exc)
            raise
        rec.finish_stream(chunks)

    async def astream(self, input: Any, config: RunnableConfig | None = None,
                      **kwargs: Any) -> AsyncGenerator[AIMessageChunk, None]:
        messages = convert_to_messages(input)
        if not self._should_stream():
            yield _as_chunk(await self.ainvoke(messages, config, **kwargs))
            return
        kwargs = {**self.bound_kwargs, **kwargs}
        rec = CallRecorder.start(self, messages, config, kwargs)
        chunks: list[AIMessageChunk] = []
        stream = self._astream(messages, **kwargs)
        try:
            # aclosing: a caller that stops early closes the provider's stream at once.
            async with aclosing(stream):
                async for chunk in stream:
                    chunks.append(rec.chunk(chunk))
                    yield chunks[-1]
        except BaseException as exc:
            rec.fail(exc)
            raise
        rec.finish_stream(chunks)

    def stream_events(self, input: Any, config: RunnableConfig | None = None, *,
                      version: str = "v2", **kwargs: Any) -> Any:
        """With `version="v3"`, the reply as a `ChatModelStream` (`.text`, `.output`)."""
        if version != "v3":
            raise NotImplementedError(
                f"stream_events(version={version!r}) on a chat model: only 'v3' exists here")
        from engine.chat_models.model_stream import open_model_stream

        return open_model_stream(self, input, config, kwargs)

    async def astream_events(self, input: Any, config: RunnableConfig | None = None, *,
                             version: str = "v2", **kwargs: Any) -> Any:
        """With `version="v3"`, the reply as an `AsyncChatModelStream` (await it)."""
        if version != "v3":
            raise NotImplementedError(
                f"astream_events(version={version!r}) on a chat model: only 'v3' exists here")
        from engine.chat_models.model_stream import aopen_model_stream

        return await aopen_model_stream(self, input, config, kwargs)

    def batch(self, inputs: Sequence[Any], config: RunnableConfig | None = None,
              **kwargs: Any) -> list[AIMessage]:
        return [self.invoke(i, config, **kwargs) for i in inputs]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model_name!r})"


def _as_chunk(message: AIMessage) -> AIMessageChunk:
    return AIMessageChunk(
        message.content, additional_kwargs=message.additional_kwargs,
        response_metadata=message.response_metadata, id=message.id, name=message.name,
        tool_calls=list(message.tool_calls), usage_metadata=message.usage_metadata,
        chunk_position="last",
    )


def env(name: str, default: str | None = None) -> str | None:
    """Read a provider setting from the environment (kept here so tests can see it)."""
    return os.environ.get(name, default)
