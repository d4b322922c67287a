"""Chat-model calls inside a recorded LangGraph run → llm_start, token…, llm_end events.

LangChain reports every model call to the callback handlers of the config it runs with,
and a LangGraph task's config inherits the handlers of its run. So one handler,
`MODEL_CALLS`, added to a recorded root run's callback manager (`attach`), sees every
model call of its tasks, of its subgraphs' tasks, and of the tools they call. The task a
call belongs to is named by the `langgraph_checkpoint_ns` metadata LangGraph gives each
task ("…|node:task_id"); its loop's observer is found in `tasks_running`.

The handler only listens. It is not a streaming handler, so a model the program calls
with `invoke` is not made to stream: its reply arrives whole and is recorded as one
token (time to first token = the call's duration). Models that stream — `stream()`,
`streaming=True`, or any call while the program asks for the `messages` stream mode —
are recorded token by token.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from engine.integrations.langchain import model_name, reported_usage

if TYPE_CHECKING:
    from tracer.langgraph.observer import LoopObserver

NS_KEY = "langgraph_checkpoint_ns"
_INTERNAL_TAG = re.compile(r"(seq|graph):step:\d+$")
"""Tags LangChain and LangGraph give their own sequence steps, not the program's."""


def _observer(metadata: dict[str, Any] | None) -> tuple[LoopObserver, str] | None:
    from tracer.langgraph.observer import tasks_running

    ns = (metadata or {}).get(NS_KEY)
    if not isinstance(ns, str) or ":" not in ns:
        return None
    task_id = ns.rsplit("|", 1)[-1].rsplit(":", 1)[-1]
    observer = tasks_running.get(task_id)
    return (observer, task_id) if observer is not None else None


class _Call:
    __slots__ = ("call_id", "count", "hidden", "metadata", "name", "observer", "started",
                 "step", "task_id")

    def __init__(self, observer: LoopObserver, task_id: str, call_id: str,
                 metadata: dict[str, Any]) -> None:
        self.observer = observer
        self.task_id = task_id
        self.call_id = call_id
        self.metadata = metadata
        self.name = metadata.get("langgraph_node")
        step = metadata.get("langgraph_step")
        self.step = step if isinstance(step, int) else observer.step
        self.hidden = "nostream" in (metadata.get("tags") or ())
        self.count = 0
        self.started = observer.bus.clock_ns()

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        data["call_id"] = self.call_id
        data["task_id"] = self.task_id
        data["name"] = self.name
        self.observer.bus.emit(kind, self.observer.ns, self.step, data)

    def token(self, chunk: Any, text: str) -> None:
        self.count += 1
        self.emit("token", {"chunk": chunk, "text": text, "index": self.count - 1,
                            "metadata": self.metadata, "hidden": self.hidden})


def _text(message: Any) -> str:
    text = getattr(message, "text", None)
    return str(text) if isinstance(text, str) else ""


class ModelCalls(BaseCallbackHandler):
    """Listens to model calls; turns those made inside recorded tasks into events."""

    run_inline = True  # called in the model's own thread or event loop, in order
    raise_error = False
    ignore_chain = True  # LangGraph's node runs are seen by the loop observer
    ignore_agent = True
    ignore_retriever = True
    ignore_custom_event = True

    def __init__(self) -> None:
        self.calls: dict[UUID, _Call] = {}

    def _start(self, run_id: UUID, serialized: dict[str, Any] | None, prompt: Any,
               tags: list[str] | None, metadata: dict[str, Any] | None,
               kwargs: dict[str, Any]) -> None:
        found = _observer(metadata)
        if found is None:
            return
        observer, task_id = found
        md = dict(metadata or {})
        tags = [t for t in tags or () if not _INTERNAL_TAG.match(t)]
        if tags:
            md["tags"] = tags
        call = _Call(observer, task_id, str(run_id), md)
        self.calls[run_id] = call
        params = kwargs.get("invocation_params") or {}
        tools = params.get("tools") or ()
        call.emit("llm_start", {
            "model": model_name(serialized, md, kwargs), "provider": md.get("ls_provider"),
            "tags": tags, "prompt": prompt,
            "tools": [_tool_name(t) for t in tools]})

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[Any]], *,
                            run_id: UUID, parent_run_id: UUID | None = None,
                            tags: list[str] | None = None,
                            metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self._start(run_id, serialized, list(messages[0]) if messages else [], tags, metadata,
                    kwargs)

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID,
                     parent_run_id: UUID | None = None, tags: list[str] | None = None,
                     metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self._start(run_id, serialized, list(prompts), tags, metadata, kwargs)

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, run_id: UUID,
                         parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        call = self.calls.get(run_id)
        if call is None:
            return
        message = getattr(chunk, "message", chunk)
        call.token(message, token if isinstance(token, str) else _text(message))

    def on_llm_end(self, response: Any, *, run_id: UUID, parent_run_id: UUID | None = None,
                   **kwargs: Any) -> None:
        call = self.calls.pop(run_id, None)
        if call is None:
            return
        message = None
        try:
            generation = response.generations[0][0]
            message = getattr(generation, "message", None)
            text = _text(message) if message is not None else getattr(generation, "text", "")
        except (AttributeError, IndexError, TypeError):
            text = ""
        if call.count == 0 and (message is not None or text):
            call.token(message, text)  # a reply that arrived whole is its one token
        call.emit("llm_end", {"message": message, "usage": reported_usage(response, message),
                              "error": None,
                              "tokens": call.count,
                              "duration": call.observer.bus.clock_ns() - call.started})

    def on_llm_error(self, error: BaseException, *, run_id: UUID,
                     parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        call = self.calls.pop(run_id, None)
        if call is not None:
            call.emit("llm_end", {"message": None, "usage": None, "error": error,
                                  "tokens": call.count,
                                  "duration": call.observer.bus.clock_ns() - call.started})


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        function = tool.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return function["name"]
        if isinstance(tool.get("name"), str):
            return tool["name"]
    return str(getattr(tool, "name", "tool"))


MODEL_CALLS = ModelCalls()


def attach(loop: Any) -> None:
    """Make `MODEL_CALLS` an inherited handler of a root run (its subgraphs inherit it).
    The loop's run manager gets a new list; the program's own managers are not touched."""
    manager = getattr(loop, "manager", None)
    if manager is None:
        return
    inherited = manager.inheritable_handlers
    if any(h is MODEL_CALLS for h in inherited):
        return
    manager.inheritable_handlers = [*inherited, MODEL_CALLS]
