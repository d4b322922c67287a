"""`ToolRuntime`: what a tool gets when it asks for it (`runtime: ToolRuntime`).

`ToolNode` fills it in for each call: the state the node received, the task's config, the
call's id and the task's stream writer. The model never sees the argument.
`emit_output_delta` streams a partial output on the `tools` stream mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from engine.integrations.injected_base import DirectlyInjected
from engine.pregel.tool_stream import emit_output_delta

ContextT = TypeVar("ContextT")
StateT = TypeVar("StateT")


def _no_writer(chunk: Any) -> None:
    """The stream writer outside a run: the chunk goes nowhere."""


@dataclass
class ToolRuntime(DirectlyInjected, Generic[ContextT, StateT]):
    """One tool call's runtime: state, context, config, stream writer, call id, store."""

    state: StateT | None = None
    context: ContextT | None = None
    config: dict[str, Any] = field(default_factory=dict)
    stream_writer: Any = _no_writer
    tool_call_id: str | None = None
    store: Any = None

    def emit_output_delta(self, delta: Any) -> None:
        """Send a partial output of this call on the `tools` stream (a no-op when the run
        does not stream `tools`)."""
        emit_output_delta(delta)


def runtime_for(call: dict[str, Any], state: Any, config: Any) -> ToolRuntime[Any, Any]:
    """The runtime of one tool call a ToolNode makes, inside the node's task."""
    from engine.pregel.task import peek_current

    task = peek_current()
    return ToolRuntime(state=state, config=dict(config or {}),
                       stream_writer=task.writer if task is not None else _no_writer,
                       tool_call_id=call.get("id"))
