"""Exceptions raised by the engine, with LangGraph's classes and messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from engine.constants import TROUBLESHOOTING


def _with_link(message: str, code: str | None) -> str:
    if code is None:
        return message
    return f"{message}\nFor troubleshooting, visit: {TROUBLESHOOTING}{code}"


class GraphRecursionError(RecursionError):
    """The run reached `recursion_limit` supersteps without stopping."""


class InvalidUpdateError(Exception):
    """A node or the input wrote something the state cannot accept."""


class EmptyInputError(Exception):
    """A run was started with no input and nothing to resume."""


class RunStopped(Exception):
    """A Controller stopped the run (the debugger's "stop")."""


class GraphBubbleUp(Exception):
    """Control flow that passes through user code (a tool node, a retry, an error
    handler) untouched: an interrupt, a command for the parent graph, a drain."""


class GraphDrained(GraphBubbleUp):
    """The run stopped at a superstep boundary because its `RunControl` was asked to
    drain; its last checkpoint resumes it."""

    def __init__(self, reason: str = "shutdown") -> None:
        self.reason = reason
        super().__init__(f"Graph drained: {reason}")


class GraphInterrupt(GraphBubbleUp):
    """Raised inside a task by `interrupt()`; the loop turns it into an interrupt."""

    def __init__(self, interrupts: tuple[Any, ...] = ()) -> None:
        super().__init__(interrupts)
        self.interrupts = interrupts


class NodeInterrupt(GraphInterrupt):
    """Deprecated (LangGraph 1.0): raised by a node to pause the run with `value` as its
    interrupt; the node runs again when the run goes on. Use `engine.types.interrupt`."""

    def __init__(self, value: Any, id: str | None = None) -> None:
        from engine.types import Interrupt
        from engine.warnings import LangGraphDeprecatedSinceV10, warn_deprecated

        warn_deprecated("NodeInterrupt is deprecated. Please use `langgraph.types.interrupt` "
                        "instead.", LangGraphDeprecatedSinceV10)
        # LangGraph's id when none is given (an Interrupt made outside interrupt()).
        super().__init__((Interrupt(value=value, id="placeholder-id" if id is None else id),))


class ParentCommand(GraphBubbleUp):
    """Carries a `Command(graph=Command.PARENT)` from a subgraph to its parent's task."""

    def __init__(self, command: Any) -> None:
        super().__init__(command)
        self.command = command


class NodeCancelledError(Exception):
    """A node raised `asyncio.CancelledError` itself (not because its run was
    cancelled): the run fails as for any other error of the node."""

    def __init__(self, node: str, message: str | None = None) -> None:
        super().__init__(message or f"Node {node!r} raised asyncio.CancelledError")
        self.node = node


class NodeTimeoutError(Exception):
    """An attempt of a node ran past its `TimeoutPolicy` (`kind` says which limit).
    Not a `TimeoutError` (an OSError): the default retry policy retries it."""

    def __init__(self, node: str, elapsed: float, *, kind: Literal["idle", "run"],
                 idle_timeout: float | None = None, run_timeout: float | None = None) -> None:
        limit = idle_timeout if kind == "idle" else run_timeout
        if kind not in ("idle", "run"):
            raise ValueError("kind must be 'idle' or 'run'")
        if limit is None:
            raise ValueError(f"{kind}_timeout is required when kind={kind!r}")
        if kind == "idle":
            message = (f"Node '{node}' exceeded its idle timeout of {limit:.3f}s without "
                       f"making progress (elapsed: {elapsed:.3f}s).")
        else:
            message = (f"Node '{node}' exceeded its run timeout of {limit:.3f}s "
                       f"(elapsed: {elapsed:.3f}s).")
        super().__init__(message)
        self.node = node
        self.elapsed = elapsed
        self.kind = kind
        self.timeout = limit
        self.idle_timeout = idle_timeout
        self.run_timeout = run_timeout


@dataclass(frozen=True, slots=True)
class NodeError:
    """What an error handler node is told (inject it with a parameter typed NodeError):
    which node failed, and with what."""

    node: str
    error: BaseException


def recursion_error(limit: int) -> GraphRecursionError:
    return GraphRecursionError(
        _with_link(
            f"Recursion limit of {limit} reached without hitting a stop condition. "
            "You can increase the limit by setting the `recursion_limit` config key.",
            "GRAPH_RECURSION_LIMIT",
        )
    )


def not_a_dict_error(value: Any) -> InvalidUpdateError:
    return InvalidUpdateError(
        _with_link(f"Expected dict, got {value}", "INVALID_GRAPH_NODE_RETURN_VALUE")
    )


def concurrent_update_error(key: str) -> InvalidUpdateError:
    return InvalidUpdateError(
        _with_link(
            f"At key '{key}': Can receive only one value per step. "
            "Use an Annotated key to handle multiple values.",
            "INVALID_CONCURRENT_GRAPH_UPDATE",
        )
    )
