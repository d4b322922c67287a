"""`Runtime`: what a node reaches besides its state (run context, store, stream writer,
execution info, run control), injected into nodes and branches that ask for it by a
`runtime` parameter, and returned by `get_runtime()` inside a run.

Field names, defaults and `merge`'s rules follow LangGraph 1.2.22 (observed, see
tests/engine/test_runtime_api.py).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from engine.types import StreamWriter

ContextT = TypeVar("ContextT")


@dataclass(frozen=True, slots=True)
class ExecutionInfo:
    """Read-only facts about the node run in progress."""

    checkpoint_id: str
    """The checkpoint the task was planned from."""
    checkpoint_ns: str
    """The task's full namespace (`node:task_id`, `|`-joined through subgraphs)."""
    task_id: str
    thread_id: str | None = None
    """`configurable.thread_id` of the run, if any."""
    run_id: str | None = None
    """`config["run_id"]`, if given."""
    node_attempt: int = 1
    """1 on the first run of the node, 2 on its first retry, …"""
    node_first_attempt_time: float | None = None
    """Unix time (seconds) at which the first attempt started."""

    def patch(self, **overrides: Any) -> ExecutionInfo:
        """A copy with the given fields replaced."""
        return replace(self, **overrides)


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What a LangGraph server puts in `configurable` (assistant, graph, user); None when
    a graph runs on its own."""

    assistant_id: str
    graph_id: str
    user: Any = None


class RunControl:
    """Lets anyone (a signal handler, another thread) ask a run to stop at the next
    superstep boundary: the run then raises `GraphDrained` and can be resumed from its
    last checkpoint. One per run; a drained control stays drained."""

    __slots__ = ("_reason",)

    def __init__(self) -> None:
        self._reason: str | None = None

    def request_drain(self, reason: str = "shutdown") -> None:
        # One attribute write: safe from any thread without a lock.
        self._reason = reason

    @property
    def drain_requested(self) -> bool:
        return self._reason is not None

    @property
    def drain_reason(self) -> str | None:
        return self._reason


def _no_op_writer(_: Any) -> None:
    return None


def _no_op_heartbeat() -> None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Runtime(Generic[ContextT]):
    """What a node can reach besides its state: run context, store, stream writer, …"""

    context: ContextT = field(default=None)  # type: ignore[assignment]
    """The run's `context=` (coerced to the graph's `context_schema`), or None."""
    store: Any = None
    """The graph's store (`compile(store=...)`), or None."""
    stream_writer: StreamWriter = field(default=_no_op_writer)
    """Writes to the `custom` stream."""
    heartbeat: Callable[[], None] = field(default=_no_op_heartbeat)
    """Progress signal for an idle timeout; a no-op when the node has none."""
    previous: Any = None
    execution_info: ExecutionInfo | None = None
    server_info: ServerInfo | None = None
    control: RunControl | None = None

    def merge(self, other: Runtime[ContextT]) -> Runtime[ContextT]:
        """`other`'s values where it has them (truthy, or not the default writer and
        heartbeat), this runtime's elsewhere."""
        return Runtime(
            context=other.context or self.context,
            store=other.store or self.store,
            stream_writer=(self.stream_writer if other.stream_writer is _no_op_writer
                           else other.stream_writer),
            heartbeat=(self.heartbeat if other.heartbeat is _no_op_heartbeat
                       else other.heartbeat),
            previous=self.previous if other.previous is None else other.previous,
            execution_info=other.execution_info or self.execution_info,
            server_info=other.server_info or self.server_info,
            control=other.control or self.control,
        )

    def override(self, **overrides: Any) -> Runtime[ContextT]:
        """A copy with the given fields replaced."""
        return replace(self, **overrides)

    def patch_execution_info(self, **overrides: Any) -> Runtime[ContextT]:
        """A copy whose execution info has the given fields replaced."""
        if self.execution_info is None:
            raise RuntimeError("Cannot patch execution_info before it has been set")
        return replace(self, execution_info=self.execution_info.patch(**overrides))

    @property
    def drain_requested(self) -> bool:
        return self.control is not None and self.control.drain_requested

    @property
    def drain_reason(self) -> str | None:
        return self.control.drain_reason if self.control is not None else None


DEFAULT_RUNTIME: Runtime[Any] = Runtime()
"""The runtime of nothing in particular: every field at its default."""


def get_runtime(context_schema: type[ContextT] | None = None) -> Runtime[ContextT]:
    """The runtime of the node running on this thread or asyncio task (`context_schema`
    only types the result); a RuntimeError outside a run."""
    from engine.pregel.task import current_task

    runtime: Runtime[ContextT] = current_task("get_runtime").runtime
    return runtime


def coerce_context(schema: Any, context: Any) -> Any:
    """`context=` as nodes see it: a dict becomes an instance of a dataclass or pydantic
    `context_schema` (its errors propagate: TypeError, ValidationError); anything else,
    a TypedDict's dict included, passes as it is."""
    if context is None or schema is None or not isinstance(context, dict):
        return context
    if dataclasses.is_dataclass(schema) or _is_pydantic_model(schema):
        return schema(**context)
    return context


def _is_pydantic_model(schema: Any) -> bool:
    pydantic = sys.modules.get("pydantic")
    return (pydantic is not None and isinstance(schema, type)
            and issubclass(schema, pydantic.BaseModel))


def server_info_from(configurable: dict[str, Any]) -> ServerInfo | None:
    """The server's facts a run's `configurable` carries (assistant and graph ids, the
    authenticated user: anything with an `identity`), or None when it has none."""
    assistant_id = configurable.get("assistant_id")
    graph_id = configurable.get("graph_id")
    user = configurable.get("langgraph_auth_user")
    if user is not None and not hasattr(user, "identity"):
        user = None
    if assistant_id is None and graph_id is None and user is None:
        return None
    return ServerInfo(assistant_id=str(assistant_id) if assistant_id else "",
                      graph_id=str(graph_id) if graph_id else "", user=user)


__all__ = [
    "DEFAULT_RUNTIME",
    "ExecutionInfo",
    "RunControl",
    "Runtime",
    "ServerInfo",
    "get_runtime",
]
