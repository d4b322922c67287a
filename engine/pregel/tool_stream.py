"""The `tools` stream mode: each tool call's lifecycle, as LangGraph streams it.

`ToolNode` announces every tool call it runs: `tool-started` (tool_call_id, tool_name,
input), any number of `tool-output-delta` (a tool's partial output, sent with
`emit_output_delta` while it runs), then `tool-finished` (its output) or `tool-error`
(the exception's message, even when ToolNode turns it into an error ToolMessage). Each
chunk carries the namespace of the graph the tool ran in.

Costs nothing unless a run streams `tools`: the run then has a `tools_out` writer.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from engine.pregel.task import peek_current

ToolsOut = Callable[[tuple[str, ...], dict[str, Any]], None]
"""Where a run's `tools` chunks go: (namespace, payload)."""

_delta_writer: ContextVar[Callable[[Any], None] | None] = ContextVar(
    "stepscope_tool_delta_writer", default=None)


class ToolCallStream:
    """One tool call being streamed; `finished` or `failed` closes it."""

    __slots__ = ("call_id", "ns", "out", "token")

    def __init__(self, out: ToolsOut, ns: tuple[str, ...], call_id: str) -> None:
        self.out = out
        self.ns = ns
        self.call_id = call_id
        self.token: Token[Callable[[Any], None] | None] = _delta_writer.set(self.delta)

    def delta(self, value: Any) -> None:
        self.out(self.ns, {"event": "tool-output-delta", "tool_call_id": self.call_id,
                           "delta": value})

    def finished(self, output: Any) -> None:
        _delta_writer.reset(self.token)
        self.out(self.ns, {"event": "tool-finished", "tool_call_id": self.call_id,
                           "output": output})

    def left(self) -> None:
        """The call ended without an outcome of its own (an interrupt, a parent command)."""
        _delta_writer.reset(self.token)

    def failed(self, error: BaseException) -> None:
        _delta_writer.reset(self.token)
        self.out(self.ns, {"event": "tool-error", "tool_call_id": self.call_id,
                           "message": str(error)})


def tool_call_started(call: dict[str, Any], tool_name: str) -> ToolCallStream | None:
    """Announce a tool call of the running task; None when nobody streams `tools`."""
    task = peek_current()
    out = task.loop.run.tools_out if task is not None else None
    if task is None or out is None:
        return None
    ns = task.loop.ns
    out(ns, {"event": "tool-started", "tool_call_id": call.get("id"),
             "tool_name": tool_name, "input": call.get("args", {})})
    return ToolCallStream(out, ns, call.get("id") or "")


def emit_output_delta(delta: Any) -> None:
    """Send a partial output of the running tool call (a no-op unless the run streams
    `tools` and a ToolNode runs this tool)."""
    writer = _delta_writer.get()
    if writer is not None:
        writer(delta)
