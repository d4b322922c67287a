"""`model.stream_events(..., version="v3")`: one reply as a `ChatModelStream`.

The reply is the model's own `stream()` (so a graph run around the call sees its tokens
as usual); each chunk pulled becomes protocol events dispatched into the stream, and the
end of the chunks finishes it with the merged message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from engine.chat_models.protocol_events import ReplyEvents
from engine.chat_models.stream import AsyncChatModelStream, ChatModelStream
from engine.messages import AIMessageChunk, merge_chunks, message_chunk_to_message

if TYPE_CHECKING:
    from engine.chat_models.base import BaseChatModel
    from engine.config import RunnableConfig


class _Pump:
    """Feeds chunks into a stream one at a time."""

    def __init__(self, stream: ChatModelStream | AsyncChatModelStream) -> None:
        self.stream = stream
        self.reply = ReplyEvents()
        self.chunks: list[AIMessageChunk] = []
        self.over = False

    def feed(self, chunk: AIMessageChunk) -> None:
        self.chunks.append(chunk)
        for event in self.reply.chunk(chunk):
            self.stream.dispatch(event)

    def end(self, error: BaseException | None) -> None:
        self.over = True
        if error is not None:
            self.stream.fail(error)
            return
        merged = merge_chunks(self.chunks) if self.chunks else AIMessageChunk("")
        for event in self.reply.finish(message_chunk_to_message(merged)):
            self.stream.dispatch(event)


def open_model_stream(model: BaseChatModel, input: Any, config: RunnableConfig | None,
                      kwargs: dict[str, Any]) -> ChatModelStream:
    stream = ChatModelStream()
    pump = _Pump(stream)
    chunks: Iterator[AIMessageChunk] = model.stream(input, config, **kwargs)

    def pull() -> bool:
        if pump.over:
            return False
        try:
            pump.feed(next(chunks))
        except StopIteration:
            pump.end(None)
        except Exception as exc:
            pump.end(exc)
        return True

    stream.set_request_more(pull)
    return stream


async def aopen_model_stream(model: BaseChatModel, input: Any, config: RunnableConfig | None,
                             kwargs: dict[str, Any]) -> AsyncChatModelStream:
    stream = AsyncChatModelStream()
    pump = _Pump(stream)
    chunks: AsyncIterator[AIMessageChunk] = model.astream(input, config, **kwargs)

    async def pull() -> bool:
        if pump.over:
            return False
        try:
            pump.feed(await chunks.__anext__())
        except StopAsyncIteration:
            pump.end(None)
        except Exception as exc:
            pump.end(exc)
        return True

    stream.set_arequest_more(pull)
    return stream
