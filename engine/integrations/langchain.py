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
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from uuid import UUID

import langchain_core
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from langchain_core.runnables import RunnableConfig as LCRunnableConfig
from langchain_core.runnables.config import var_child_runnable_config
from langchain_core.tracers._streaming import _StreamingCallbackHandler

from engine.chat_models.capture import streams_messages
from engine.pregel.task import Task, peek_current

if TYPE_CHECKING:
    from engine.pregel.loop import Loop

_INTERNAL = {"checkpoint_ns", "checkpoint_id", "checkpoint_map"}


class StepscopeCallback(BaseCallbackHandler):
    """Forwards the LangChain model callbacks of one graph run's tasks to its event bus.

    One handler serves every task of the run (made once, not per task: a task that calls
    no model costs a contextvar set and reset); a call belongs to the task running when
    it started (the engine's current task)."""

    run_inline = True

    def __init__(self, loop: Loop) -> None:
        self.loop = loop
        self.calls: dict[UUID, dict[str, Any]] = {}

    def _now(self) -> int:
        return self.loop.clock.monotonic_ns()  # stands still while a debugger pauses

    def _emit(self, task: Task, kind: str, data: dict[str, Any]) -> None:
        if task.marks is not None:  # a model event is progress for an idle timeout
            task.marks.progress()
        loop = task.loop
        if loop.bus.sinks:
            data["task_id"] = task.id
            data["name"] = task.name
            loop.bus.emit(kind, loop.ns, task.step, data)

    def _metadata(self, task: Task, tags: list[str] | None,
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
        # LangGraph leaves out the `seq:step:N` tags LangChain gives a node's children.
        own = sorted(t for t in set(tags or []) - set(run_tags) if not t.startswith("seq:step:"))
        if run_tags or own:
            out["tags"] = [*run_tags, *own]
        return out

    def on_chat_model_start(self, serialized: Any, messages: list[list[Any]], *,
                            run_id: UUID, tags: list[str] | None = None,
                            metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        task = peek_current()
        if task is None:  # a model called outside the task's context (a bare thread)
            return
        md = self._metadata(task, tags, metadata)
        call = {"call_id": str(run_id), "metadata": md, "count": 0, "task": task,
                "hidden": "nostream" in md.get("tags", ()), "t0": self._now()}
        self.calls[run_id] = call
        self._emit(task, "llm_start", {
            "call_id": str(run_id), "model": model_name(serialized, metadata or {}, kwargs),
            "provider": md["ls_provider"],
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
        self._emit(call["task"], "llm_end", {"call_id": call["call_id"], "message": message,
                               "usage": reported_usage(response, message),
                               "error": None, "tokens": call["count"],
                               "duration": self._now() - call["t0"]})

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        call = self.calls.pop(run_id, None)
        if call is not None:
            self._emit(call["task"], "llm_end", {
                "call_id": call["call_id"], "message": None, "usage": None, "error": error,
                "tokens": call["count"], "duration": self._now() - call["t0"]})


def model_name(serialized: dict[str, Any] | None, metadata: dict[str, Any],
               kwargs: dict[str, Any]) -> str:
    """The model a LangChain call asked for, as its provider names it (`gpt-4o-mini`, what
    a price table is keyed by), else the model class's name."""
    params = kwargs.get("invocation_params") or {}
    for value in (metadata.get("ls_model_name"), params.get("model"), params.get("model_name"),
                  (serialized or {}).get("name"), kwargs.get("name")):
        if isinstance(value, str) and value:
            return value
    return "langchain"


def reported_usage(response: Any, message: Any) -> Any:
    """The token usage a LangChain model call reported: its message's `usage_metadata`,
    else what the provider left in `llm_output` or the message's `response_metadata`
    (`token_usage` or `usage`, in the provider's own shape); None if neither."""
    usage = getattr(message, "usage_metadata", None)
    if usage:
        return usage
    for place in (getattr(response, "llm_output", None),
                  getattr(message, "response_metadata", None)):
        if isinstance(place, dict):
            for key in ("token_usage", "usage"):
                if isinstance(place.get(key), dict) and place[key]:
                    return place[key]
    return None


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


def capture_config(task: Task) -> tuple[ContextVar[Any], LCRunnableConfig]:
    """LangChain's config variable and the config to set it to around each task of
    `task`'s run: it carries the run's capturing handler, so a chat model a node calls
    reports to this run (the engine's current task tells which task made the call)."""
    return var_child_runnable_config, _run_config(task)


def capture_handler(task: Task) -> BaseCallbackHandler:
    """The capturing handler of `capture_config`'s config, for a task whose LangChain
    config is made elsewhere (`engine.integrations.lc_runs`, when the run has callbacks)."""
    return _run_capture(task)[0]


def _run_config(task: Task) -> LCRunnableConfig:
    return _run_capture(task)[1]


def _run_capture(task: Task) -> tuple[StepscopeCallback, LCRunnableConfig]:
    """The task's run's one capturing handler and the LangChain config carrying it, made
    at the run's first task that asks and kept on its loop."""
    loop = task.loop
    made: tuple[StepscopeCallback, LCRunnableConfig] | None = loop.langchain_config
    if made is None:
        kind = StreamingStepscopeCallback if streams_messages(task) else StepscopeCallback
        handler = kind(loop)
        made = handler, {"callbacks": [handler], "tags": list(loop.config.get("tags", []))}
        loop.langchain_config = made
    return made
