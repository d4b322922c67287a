"""Turns one chat-model call into events: llm_start, a token per chunk, llm_end.

Outside a graph task there is no bus, and recording costs one contextvar read. Inside
one, each chunk becomes a `token` event carrying the chunk and the `messages`-mode
metadata (LangGraph's `langgraph_*` keys, plus `tags` when the model has any), built
once per call.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from engine.messages import AIMessage, AIMessageChunk, BaseMessage, merge_chunks
from engine.pregel.task import Task, peek_current

if TYPE_CHECKING:
    from engine.chat_models.base import BaseChatModel
    from engine.config import RunnableConfig

_INTERNAL_CONFIGURABLE = {"checkpoint_ns", "checkpoint_id", "checkpoint_map"}


def _run_id() -> str:
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def token_metadata(task: Task, model: BaseChatModel, config: RunnableConfig | None,
                   call_kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The metadata LangGraph attaches to LLM tokens, in its key order."""
    run_config = task.loop.config
    metadata: dict[str, Any] = {}
    for key, value in run_config.get("configurable", {}).items():
        if key not in _INTERNAL_CONFIGURABLE and not key.startswith("__") and isinstance(
            value, (str, int, float, bool)
        ):
            metadata[key] = value
    metadata.update(run_config.get("metadata", {}))
    metadata["ls_integration"] = "langchain_chat_model"
    metadata.update(task.graph_metadata())
    metadata.update(model.ls_params(**(call_kwargs or {})))
    call_tags = list((config or {}).get("tags", []))
    tags = [*run_config.get("tags", []), *sorted({*model.tags, *call_tags})]
    if tags:
        metadata["tags"] = tags
    return metadata


def streams_messages(task: Task | None) -> bool:
    """Whether the run `task` belongs to streams `messages` (so model calls stream)."""
    if task is None:
        return False
    from engine.pregel.stream import StreamProjector

    for sink in task.loop.bus.sinks:
        sink = getattr(sink, "__wrapped__", sink)  # a stream nested in a task is scoped
        if isinstance(sink, StreamProjector) and sink.messages is not None:
            return True
    return False


class CallRecorder:
    """One model call's recorder; a no-op when not inside a graph task."""

    __slots__ = ("call_id", "count", "hidden", "metadata", "model", "msg_id", "started", "task")

    def __init__(self, model: BaseChatModel, task: Task | None, config: RunnableConfig | None,
                 call_kwargs: dict[str, Any] | None = None) -> None:
        self.model = model
        self.task = task
        self.call_id = _run_id()
        self.msg_id = f"lc_run--{self.call_id}"
        self.count = 0
        self.started = self._now()
        self.metadata: dict[str, Any] = {}
        self.hidden = False
        if task is not None:
            self.metadata = token_metadata(task, model, config, call_kwargs)
            self.hidden = "nostream" in self.metadata.get("tags", ())

    def _now(self) -> int:
        """The run's clock (a debugger's stands still while paused), outside a run the
        process's."""
        task = self.task
        return task.loop.clock.monotonic_ns() if task is not None else time.perf_counter_ns()

    @classmethod
    def start(cls, model: BaseChatModel, messages: list[BaseMessage],
              config: RunnableConfig | None,
              call_kwargs: dict[str, Any] | None = None) -> CallRecorder:
        rec = cls(model, peek_current(), config, call_kwargs)
        rec._emit("llm_start", {
            "model": model.model_name,
            "provider": model.ls_provider,
            "tags": rec.metadata.get("tags", list(model.tags)),
            "prompt": messages,
            "tools": [getattr(t, "name", str(t)) for t in model.bound_tools],
        })
        return rec

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        task = self.task
        if task is None:
            return
        if task.marks is not None:  # a token is progress for an idle timeout
            task.marks.progress()
        loop = task.loop
        if loop.bus.sinks:
            data["call_id"] = self.call_id
            data["task_id"] = task.id
            data["name"] = task.name
            loop.bus.emit(kind, loop.ns, task.step, data)

    def chunk(self, chunk: AIMessageChunk) -> AIMessageChunk:
        """Stamp the call's id on a streamed chunk and emit it as a token."""
        if chunk.id is None:
            chunk.id = self.msg_id
        self.count += 1
        if self.task is not None and self.task.loop.bus.sinks:
            self._emit("token", {
                "chunk": chunk,
                "text": chunk.text,
                "index": self.count - 1,
                "metadata": self.metadata,
                "hidden": self.hidden,
            })
        return chunk

    def finish_invoke(self, chunks: list[AIMessageChunk]) -> AIMessage:
        """`invoke`'s reply, streamed inside: unless the run streams `messages` (LangGraph
        then makes LangChain stream the call), its id is a whole reply's, `lc_run--<id>-0`."""
        message = self.finish_stream(chunks)
        if message.id == self.msg_id and not streams_messages(self.task):
            message.id = f"{self.msg_id}-0"
        return message

    def finish_stream(self, chunks: list[AIMessageChunk]) -> AIMessage:
        if chunks:
            if chunks[-1].chunk_position is None:
                chunks[-1].chunk_position = "last"
            merged = merge_chunks(chunks)
        else:
            merged = AIMessageChunk("", id=self.msg_id, chunk_position="last")
        from engine.messages import message_chunk_to_message

        message = message_chunk_to_message(merged)
        self._end(message, None)
        return message

    def whole(self, message: AIMessage) -> AIMessage:
        """A non-streaming reply: one token event carrying the whole message."""
        if message.id is None:
            message.id = f"{self.msg_id}-0"
        if self.task is not None:
            self.count += 1
            self._emit("token", {"chunk": message, "text": message.text, "index": 0,
                                 "metadata": self.metadata, "hidden": self.hidden})
        self._end(message, None)
        return message

    def fail(self, exc: BaseException) -> None:
        self._end(None, exc)

    def _end(self, message: AIMessage | None, error: BaseException | None) -> None:
        self._emit("llm_end", {
            "message": message,
            "usage": getattr(message, "usage_metadata", None),
            "error": error,
            "tokens": self.count,
            "duration": self._now() - self.started,
        })
