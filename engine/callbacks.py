"""Graph lifecycle callbacks (`langgraph.callbacks`): hear when a run pauses or resumes.

Put a `GraphCallbackHandler` in `config["callbacks"]` (a list, one handler, or a
LangChain callback manager holding it); the engine calls `on_interrupt` when a run pauses
on interrupts or a breakpoint, and `on_resume` when a graph (or a subgraph) resumes from
its checkpoint. Other handlers in the same list never hear of these events. A handler that
raises is logged and skipped, unless its `raise_error` is true: then the run fails with it.

With langchain-core installed the handler is a LangChain `BaseCallbackHandler`, so it sits
in a LangChain `CallbackManager` like any other; without it, a plain base class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias
from uuid import UUID

from engine.integrations.handler_base import HandlerBase as _HandlerBase
from engine.types import Interrupt

__all__ = (
    "GraphCallbackHandler",
    "GraphInterruptEvent",
    "GraphLifecycleEvent",
    "GraphLifecycleStatus",
    "GraphResumeEvent",
)

GraphLifecycleStatus: TypeAlias = Literal[
    "input", "pending", "done", "interrupt_before", "interrupt_after", "out_of_steps"
]
"""The run's status when a lifecycle event is reported."""


@dataclass(frozen=True)
class GraphInterruptEvent:
    """The run paused: on `interrupt()` calls (status "pending") or a breakpoint."""

    run_id: UUID | None
    status: GraphLifecycleStatus
    checkpoint_id: str
    """The checkpoint the paused run can be resumed from."""
    checkpoint_ns: tuple[str, ...]
    """The graph's namespace: () for the root graph."""
    interrupts: tuple[Interrupt, ...]


@dataclass(frozen=True)
class GraphResumeEvent:
    """A graph (the root or a subgraph) resumed from its saved checkpoint."""

    run_id: UUID | None
    status: GraphLifecycleStatus
    checkpoint_id: str
    checkpoint_ns: tuple[str, ...]


GraphLifecycleEvent: TypeAlias = GraphInterruptEvent | GraphResumeEvent


class GraphCallbackHandler(_HandlerBase):
    """Base class of graph lifecycle handlers; override the events you want (sync or
    async methods alike)."""

    def on_interrupt(self, event: GraphInterruptEvent) -> Any:
        """The run paused on interrupts or a breakpoint."""

    def on_resume(self, event: GraphResumeEvent) -> Any:
        """A graph resumed from a checkpoint."""


def graph_handlers(callbacks: Any) -> list[GraphCallbackHandler]:
    """The GraphCallbackHandlers among `config["callbacks"]`: a handler, a sequence of
    handlers, or a callback manager (its handlers and inheritable handlers)."""
    if callbacks is None:
        return []
    if isinstance(callbacks, GraphCallbackHandler):
        return [callbacks]
    if hasattr(callbacks, "handlers"):  # a LangChain callback manager
        found: list[Any] = [*callbacks.handlers, *getattr(callbacks, "inheritable_handlers", ())]
    elif isinstance(callbacks, Sequence) and not isinstance(callbacks, (str, bytes)):
        found = list(callbacks)
    else:
        raise TypeError("callbacks must be a handler, sequence, or manager")
    out: list[GraphCallbackHandler] = []
    for h in found:
        if isinstance(h, GraphCallbackHandler) and h not in out:
            out.append(h)
    return out
