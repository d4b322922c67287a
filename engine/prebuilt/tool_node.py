"""`ToolNode` runs the last AI message's tool calls; `tools_condition` routes to it."""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from engine.config import RunnableConfig
from engine.constants import END
from engine.messages import AIMessage, BaseMessage, ToolMessage
from engine.pregel.tool_stream import tool_call_started
from engine.tools import BaseTool, tool


def _last_ai(input: Any, key: str) -> AIMessage:
    messages = input if isinstance(input, list) else (
        input.get(key, []) if isinstance(input, dict) else getattr(input, key, []))
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return message
    raise ValueError("No AIMessage found in input")


def _error_message(call: dict[str, Any], name: str, exc: BaseException) -> ToolMessage:
    return ToolMessage(f"Error: {exc!r}\n Please fix your mistakes.", tool_call_id=call["id"],
                       name=name, status="error", id=str(uuid.uuid4()))


class ToolNode:
    """A node that runs every tool call of the last AIMessage, in parallel.

    A tool's exception becomes an error ToolMessage (the model can read it and retry)
    instead of failing the run; `handle_tool_errors=False` lets it propagate.
    """

    name = "tools"

    def __init__(self, tools: Sequence[BaseTool | Callable[..., Any]], *, name: str = "tools",
                 messages_key: str = "messages", handle_tool_errors: bool = True) -> None:
        self.tools: dict[str, BaseTool] = {}
        for t in tools:
            bt = t if isinstance(t, BaseTool) else tool(t)
            self.tools[bt.name] = bt
        self.name = name
        self.messages_key = messages_key
        self.handle_tool_errors = handle_tool_errors

    def _run_one(self, call: dict[str, Any]) -> ToolMessage:
        t = self.tools.get(call["name"])
        if t is None:
            known = ", ".join(sorted(self.tools))
            return _error_message(call, call["name"], ValueError(
                f"{call['name']} is not a valid tool, try one of [{known}]."))
        stream = tool_call_started(call, t.name)
        try:
            out = t.invoke({**call, "type": "tool_call"})
        except Exception as exc:
            if stream is not None:
                stream.failed(exc)
            if not self.handle_tool_errors:
                raise
            return _error_message(call, t.name, exc)
        if stream is not None:
            stream.finished(out)
        if out.id is None:
            out.id = str(uuid.uuid4())
        return out

    async def _arun_one(self, call: dict[str, Any]) -> ToolMessage:
        t = self.tools.get(call["name"])
        if t is None:
            return self._run_one(call)
        stream = tool_call_started(call, t.name)
        try:
            out = await t.ainvoke({**call, "type": "tool_call"})
        except Exception as exc:
            if stream is not None:
                stream.failed(exc)
            if not self.handle_tool_errors:
                raise
            return _error_message(call, t.name, exc)
        if stream is not None:
            stream.finished(out)
        if out.id is None:
            out.id = str(uuid.uuid4())
        return out

    def _output(self, input: Any, results: list[ToolMessage]) -> Any:
        return results if isinstance(input, list) else {self.messages_key: results}

    def __call__(self, input: Any) -> Any:
        calls = _last_ai(input, self.messages_key).tool_calls
        if len(calls) <= 1:
            return self._output(input, [self._run_one(c) for c in calls])
        # Each thread enters its own copy of this task's context (writer, config).
        contexts = [contextvars.copy_context() for _ in calls]
        with ThreadPoolExecutor(max_workers=min(len(calls), 16)) as pool:
            futures = [pool.submit(ctx.run, self._run_one, c) for ctx, c in zip(contexts, calls,
                                                                                strict=True)]
            return self._output(input, [f.result() for f in futures])

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None) -> Any:
        calls = _last_ai(input, self.messages_key).tool_calls
        results = await asyncio.gather(*(self._arun_one(c) for c in calls))
        return self._output(input, list(results))

    def invoke(self, input: Any, config: RunnableConfig | None = None) -> Any:
        return self(input)


def tools_condition(state: Any, messages_key: str = "messages") -> str:
    """"tools" if the last message asks for tool calls, else END."""
    if isinstance(state, list):
        messages: list[BaseMessage] = state
    elif isinstance(state, dict):
        messages = state.get(messages_key, [])
    else:
        messages = getattr(state, messages_key, [])
    if not messages:
        raise ValueError(f"No messages found in input state to tool_edge: {state}")
    last = messages[-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else END
