"""`ToolNode` runs the last AI message's tool calls; `tools_condition` routes to it.

A ToolNode takes the engine's tools, langchain-core's, or plain functions. Each call
runs with its injected arguments (`InjectedState`; `InjectedToolCallId` the tool fills
itself) and becomes a ToolMessage, or the `Command` the tool returned. Control flow
raised inside a tool (`interrupt()`, a command for the parent graph) passes through:
it pauses or redirects the graph as it would in any node. Other exceptions follow
`handle_tool_errors`, with LangGraph's default: arguments the tool's schema refuses
become an error ToolMessage the model can read, anything else fails the run.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from engine.config import RunnableConfig
from engine.constants import END
from engine.errors import GraphBubbleUp, RunStopped
from engine.messages import AIMessage, BaseMessage, ToolMessage
from engine.prebuilt.injection import TOOL_RUNTIME, injected_args, injected_values
from engine.prebuilt.tool_errors import ErrorHandling, error_content, invalid_tool_message
from engine.prebuilt.tool_runtime import runtime_for
from engine.pregel.tool_stream import tool_call_started
from engine.tools import tool as make_tool
from engine.types import Command

_PASS_THROUGH = (GraphBubbleUp, RunStopped)


def _messages_of(input: Any, key: str) -> list[Any]:
    if isinstance(input, list):
        return input
    if isinstance(input, dict):
        return list(input.get(key, []))
    return list(getattr(input, key, []))


def _last_ai(input: Any, key: str) -> AIMessage:
    for message in reversed(_messages_of(input, key)):
        if isinstance(message, AIMessage):
            return message
    raise ValueError("No AIMessage found in input")


class ToolNode:
    """A node that runs every tool call of the last AIMessage, in parallel."""

    name = "tools"

    def __init__(self, tools: Sequence[Any], *, name: str = "tools",
                 tags: list[str] | None = None, messages_key: str = "messages",
                 handle_tool_errors: ErrorHandling = None) -> None:
        self.tools: dict[str, Any] = {}
        self.injected: dict[str, dict[str, Any]] = {}
        for t in tools:
            made = t if hasattr(t, "invoke") and hasattr(t, "name") else make_tool(t)
            self.tools[made.name] = made
            self.injected[made.name] = injected_args(made)
        self.name = name
        self.tags = list(tags or [])
        self.messages_key = messages_key
        self.handle_tool_errors = handle_tool_errors

    # -- one call ---------------------------------------------------------------------------
    def _prepare(self, call: dict[str, Any], input: Any,
                 config: RunnableConfig | None = None) -> dict[str, Any]:
        wanted = self.injected.get(call["name"])
        args = dict(call.get("args") or {})
        if wanted:
            args.update(injected_values(wanted, input))
            for name, what in wanted.items():
                if what is TOOL_RUNTIME:
                    args[name] = runtime_for(call, input, config)
        return {**call, "args": args, "type": "tool_call"}

    def _settle(self, call: dict[str, Any], out: Any) -> Any:
        if isinstance(out, Command):
            # The ToolMessage answering this call, inside the Command, names the tool.
            update = out.update
            messages = update.get(self.messages_key) if isinstance(update, dict) else None
            for message in messages if isinstance(messages, list) else ():
                if isinstance(message, ToolMessage) and message.tool_call_id == call["id"]:
                    message.name = call["name"]
            return out
        if isinstance(out, BaseMessage):
            return out
        return ToolMessage(out, tool_call_id=call["id"], name=call["name"])

    def _failed(self, call: dict[str, Any], exc: Exception) -> ToolMessage:
        content = error_content(self.handle_tool_errors, call, exc)
        if content is None:
            raise exc
        return ToolMessage(content, tool_call_id=call["id"], name=call["name"],
                           status="error")

    def _run_one(self, call: dict[str, Any], input: Any, config: RunnableConfig | None) -> Any:
        found = self.tools.get(call["name"])
        if found is None:
            return invalid_tool_message(call, list(self.tools))
        stream = tool_call_started(call, found.name)  # the `tools` stream mode, if asked
        try:
            out = self._settle(call, found.invoke(self._prepare(call, input, config), config))
        except _PASS_THROUGH:
            if stream is not None:
                stream.left()
            raise
        except Exception as exc:
            if stream is not None:
                stream.failed(exc)
            return self._failed(call, exc)
        if stream is not None:
            stream.finished(out)
        return out

    async def _arun_one(self, call: dict[str, Any], input: Any,
                        config: RunnableConfig | None) -> Any:
        found = self.tools.get(call["name"])
        if found is None:
            return invalid_tool_message(call, list(self.tools))
        stream = tool_call_started(call, found.name)
        try:
            prepared = self._prepare(call, input, config)
            out = self._settle(call, await found.ainvoke(prepared, config))
        except _PASS_THROUGH:
            if stream is not None:
                stream.left()
            raise
        except Exception as exc:
            if stream is not None:
                stream.failed(exc)
            return self._failed(call, exc)
        if stream is not None:
            stream.finished(out)
        return out

    # -- the node ---------------------------------------------------------------------------
    def _output(self, input: Any, results: list[Any]) -> Any:
        """Messages under `messages_key` (a list for a list input); with Commands among
        them, one update per call in call order (each message alone, each Command)."""
        if not any(isinstance(r, Command) for r in results):
            return results if isinstance(input, list) else {self.messages_key: results}
        return [r if isinstance(r, Command) else (
            [r] if isinstance(input, list) else {self.messages_key: [r]}) for r in results]

    def _calls(self, input: Any) -> tuple[Any, list[dict[str, Any]]]:
        """The state and the calls to run: one call sent with its state (what
        create_react_agent's Send carries), or the last AI message's calls."""
        if isinstance(input, dict) and input.get("__type") == "tool_call_with_context":
            return input["state"], [input["tool_call"]]
        return input, _last_ai(input, self.messages_key).tool_calls

    def __call__(self, input: Any, config: RunnableConfig | None = None) -> Any:
        input, calls = self._calls(input)
        if len(calls) <= 1:
            return self._output(input, [self._run_one(c, input, config) for c in calls])
        # Each thread enters its own copy of this task's context (writer, config).
        contexts = [contextvars.copy_context() for _ in calls]
        with ThreadPoolExecutor(max_workers=min(len(calls), 16)) as pool:
            futures = [pool.submit(ctx.run, self._run_one, c, input, config)
                       for ctx, c in zip(contexts, calls, strict=True)]
            return self._output(input, [f.result() for f in futures])

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None) -> Any:
        input, calls = self._calls(input)
        results = await asyncio.gather(*(self._arun_one(c, input, config) for c in calls))
        return self._output(input, list(results))

    def invoke(self, input: Any, config: RunnableConfig | None = None) -> Any:
        return self(input, config)


def tools_condition(state: Any, messages_key: str = "messages") -> str:
    """"tools" if the last message asks for tool calls, else END."""
    messages: list[Any] = _messages_of(state, messages_key)
    if not messages:
        raise ValueError(f"No messages found in input state to tool_edge: {state}")
    last = messages[-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else END

