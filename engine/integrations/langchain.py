"""Capture LangChain chat models used inside a node (only when langchain-core is loaded).

While a task runs, LangChain's child-config contextvar carries a callback handler
that turns the model's callbacks into stepscope events: llm_start, one token per
chunk, llm_end. When the run streams `messages` the handler is a streaming handler, so
`invoke` streams (as under LangGraph) and every chunk is seen; otherwise a call is one
reply, as under LangGraph. stepscope never requires langchain-core:
this module is imported only when `langchain_core` is already in `sys.modules`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextvars import Token
from typing import Any
from uuid import UUID

import langchain_core
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from langchain_core.runnables import RunnableConfig as LCRunnableConfig
from langchain_core.runnables.config import var_child_runnable_config
from langchain_core.tracers._streaming import _StreamingCallbackHandler

from engine.chat_models.capture import streams_messages
from engine.pregel.task import Task, peek_current

_INTERNAL = {"checkpoint_ns", "checkpoint_id", "checkpoint_map"}


class StepscopeCallback(BaseCallbackHandler):
    """Forwards LangChain model callbacks to the event bus of the task making the call.

    One handler serves a whole loop: the task is the one running when a call starts
    (LangChain calls inline handlers in the caller's thread), kept with the call.
    """

    run_inline = True

    def __init__(self) -> None:
        self.calls: dict[UUID, dict[str, Any]] = {}

    @staticmethod
    def _now(task: Task) -> int:
        return task.loop.clock.monotonic_ns()  # stands still while a debugger pauses

    @staticmethod
    def _emit(task: Task, kind: str, data: dict[str, Any]) -> None:
        loop = task.loop
        if loop.bus.sinks:
            data["task_id"] = task.id
            data["name"] = task.name
            loop.bus.emit(kind, loop.ns, task.step, data)

    @staticmethod
    def _metadata(task: Task, tags: list[str] | None,
                  metadata: dict[str, Any] | None) -> dict[str, Any]:
        run_config = task.loop.config
        out: dict[str, Any] = {
            k: v for k, v in run_config.get("configurable", {}).items()
            if k not in _INTERNAL and not k.startswith("__")
            and isinstance(v, (str, int, float, bool))
        }
        out.update(run_config.get("metadata", {}))
        md = metadata or {}
        out["ls_integration"] = "langchain_chat_model"
        out.update(task.graph_metadata())
        out.update({
            "ls_provider": md.get("ls_provider"),
            "ls_model_type": md.get("ls_model_type", "chat"),
            "lc_versions": {"langchain-core": langchain_core.__version__},
        })
        run_tags = list(run_config.get("tags", []))
        own = sorted(set(tags or []) - set(run_tags))
        if run_tags or own:
            out["tags"] = [*run_tags, *own]
        return out

    def on_chat_model_start(self, serialized: Any, messages: list[list[Any]], *,
                            run_id: UUID, tags: list[str] | None = None,
                            metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        task = peek_current()
        if task is None:  # a call outside any task of this loop (another thread's own)
            return
        md = self._metadata(task, tags, metadata)
        call = {"call_id": str(run_id), "metadata": md, "count": 0, "task": task,
                "hidden": "nostream" in md.get("tags", ()), "t0": self._now(task)}
        self.calls[run_id] = call
        self._emit(task, "llm_start", {"call_id": str(run_id), "model": (serialized or {}).get(
            "name") or md.get("ls_model_name") or "langchain", "provider": md["ls_provider"],
            "tags": md.get("tags", []), "prompt": messages[0] if messages else [], "tools": []})

    def on_llm_new_token(self, token: str | list[str | dict[str, Any]], *,
                         chunk: GenerationChunk | ChatGenerationChunk | None = None,
                         run_id: UUID, parent_run_id: UUID | None = None,
                         tags: list[str] | None = None, **kwargs: Any) -> None:
        call = self.calls.get(run_id)
        if call is None or chunk is None:
            return
        message = getattr(chunk, "message", chunk)
        call["count"] += 1
        self._emit(call["task"], "token", {
            "call_id": call["call_id"], "chunk": message, "text": token,
            "index": call["count"] - 1, "metadata": call["metadata"], "hidden": call["hidden"]})

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        call = self.calls.pop(run_id, None)
        if call is None:
            return
        message = None
        try:
            message = response.generations[0][0].message
        except (AttributeError, IndexError):
            pass
        if call["count"] == 0 and message is not None:
            # A model that did not stream: its whole message is the one token.
            call["count"] = 1
            self._emit(call["task"], "token", {"call_id": call["call_id"], "chunk": message,
                                 "text": getattr(message, "text", ""), "index": 0,
                                 "metadata": call["metadata"], "hidden": call["hidden"]})
        task = call["task"]
        self._emit(task, "llm_end", {"call_id": call["call_id"], "message": message,
                                     "usage": getattr(message, "usage_metadata", None),
                                     "error": None, "tokens": call["count"],
                                     "duration": self._now(task) - call["t0"]})

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        call = self.calls.pop(run_id, None)
        if call is not None:
            task = call["task"]
            self._emit(task, "llm_end", {"call_id": call["call_id"], "message": None,
                                         "usage": None, "error": error,
                                         "tokens": call["count"],
                                         "duration": self._now(task) - call["t0"]})


class StreamingStepscopeCallback(StepscopeCallback, _StreamingCallbackHandler):
    """The handler for a run that streams `messages`: being a streaming handler makes
    LangChain stream `invoke` (as LangGraph's messages handler does), so every chunk is
    seen; otherwise a call is one whole reply, with a whole reply's id (`...-0`)."""

    # _StreamingCallbackHandler asks for these: outputs pass through untouched.
    def tap_output_iter(self, run_id: UUID, output: Iterator[Any]) -> Iterator[Any]:
        return output

    def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[Any]) -> AsyncIterator[Any]:
        return output


def chunk_to_message(chunk: Any) -> Any:
    """A LangChain AIMessageChunk as LangChain's whole AIMessage (for add_messages)."""
    from langchain_core.messages import message_chunk_to_message

    return message_chunk_to_message(chunk)


def loop_config(task: Task) -> LCRunnableConfig:
    """The LangChain config every task of `task`'s loop runs under: one capturing
    handler (a streaming one when the run streams `messages`) and the run's tags."""
    handler = StreamingStepscopeCallback() if streams_messages(task) else StepscopeCallback()
    return {"callbacks": [handler], "tags": list(task.loop.config.get("tags", []))}


def enter_task(task: Task) -> Token[Any] | None:
    """Put the loop's capturing handler into LangChain's config for this task (made once
    per loop, so a task that calls no model pays one contextvar set); None if no sink."""
    loop = task.loop
    if not loop.bus.sinks:
        return None
    config = loop.langchain_config
    if config is None:
        config = loop.langchain_config = loop_config(task)
    return var_child_runnable_config.set(config)


def exit_task(token: Token[Any] | None) -> None:
    if token is not None:
        var_child_runnable_config.reset(token)
