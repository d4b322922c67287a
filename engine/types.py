"""Public value types of the engine: Send, Command, Interrupt, snapshots, outputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, NamedTuple, TypedDict, TypeVar

from engine.cache.base import CachePolicy as CachePolicy  # re-exported, as in langgraph.types
from engine.channels import Overwrite as Overwrite
from engine.messages import ToolOutputMixin  # a tool may return a Command as it is
from engine.retry import RetryPolicy as RetryPolicy  # re-exported: langgraph.types has them
from engine.retry import default_retry_on as default_retry_on
from engine.timeout import TimeoutPolicy as TimeoutPolicy
from engine.warnings import (
    LangGraphDeprecatedSinceV10,
    LangGraphDeprecatedSinceV11,
    warn_deprecated,
)

if TYPE_CHECKING:
    from engine.config import RunnableConfig

StreamMode = Literal["values", "updates", "custom", "messages", "debug", "tasks", "checkpoints",
                     "tools"]
STREAM_MODES: tuple[str, ...] = (
    "values",
    "updates",
    "checkpoints",
    "tasks",
    "debug",
    "messages",
    "custom",
    "tools",
)

All = Literal["*"]
"""`interrupt_before="*"` / `interrupt_after="*"`: every node."""

StreamWriter = Callable[[Any], None]
"""A callable a node is given (or gets with `get_stream_writer()`) to emit custom data."""

N = TypeVar("N")


class Send:
    """Run `node` in the next superstep with `arg` as its whole input (map-reduce)."""

    __slots__ = ("arg", "node", "timeout")

    def __init__(self, node: str, arg: Any, *,
                 timeout: float | timedelta | TimeoutPolicy | None = None) -> None:
        self.node = node
        self.arg = arg
        self.timeout = TimeoutPolicy.coerce(timeout)
        """Limits on the task's attempts, instead of the node's own."""

    def __repr__(self) -> str:
        if self.timeout is None:
            return f"Send(node={self.node!r}, arg={self.arg!r})"
        return f"Send(node={self.node!r}, arg={self.arg!r}, timeout={self.timeout!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Send) and (self.node, self.arg, self.timeout) == (
            other.node, other.arg, other.timeout)

    def __hash__(self) -> int:
        return hash((self.node, repr(self.arg)))


@dataclass(frozen=True)
class Interrupt:
    """A pause requested by `interrupt(value)`; `id` names it for resuming."""

    value: Any = None
    id: str = ""
    response_schema: Any = None

    def __init__(self, value: Any = None, id: str = "", response_schema: Any = None,
                 **deprecated: Any) -> None:
        # LangGraph < 0.6 Interrupts (still in old checkpoints) carried `resumable`, `ns`
        # and `when`; only `ns` survives, as the id it names.
        unknown = set(deprecated) - {"resumable", "ns", "when", "interrupt_id"}
        if unknown:
            raise TypeError(f"Interrupt got unexpected keyword arguments: {sorted(unknown)}")
        if type(id) is str and not id:  # the default, not a caller's (say a str matcher)
            ns = deprecated.get("ns")
            if isinstance(ns, (list, tuple)):
                from engine.pregel.ids import interrupt_id

                id = interrupt_id("|".join(ns))
            else:
                id = deprecated.get("interrupt_id", id)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "response_schema", response_schema)

    @classmethod
    def from_ns(cls, value: Any, ns: str, *, response_schema: Any = None) -> Interrupt:
        """The interrupt of the task whose checkpoint namespace is `ns` (its id as an
        interrupt raised there, or one saved by LangGraph < 0.6 with that `ns`, gets)."""
        from engine.pregel.ids import interrupt_id

        return cls(value=value, id=interrupt_id(ns), response_schema=response_schema)

    @property
    def interrupt_id(self) -> str:
        """Deprecated: `id`."""
        warn_deprecated("`interrupt_id` is deprecated. Use `id` instead.",
                        LangGraphDeprecatedSinceV10)
        return self.id


@dataclass(frozen=True, repr=False)
class Command(ToolOutputMixin, Generic[N]):
    """Returned by a node to update state and choose where to go; given as input to resume."""

    graph: str | None = None
    update: Any = None
    resume: Any = None
    goto: str | Send | Sequence[str | Send] = ()
    """Node names and `Send`s to run next (`N`, when given, names the nodes for readers
    of the node's return annotation, as LangGraph's `Command[Literal[...]]`)."""

    PARENT: ClassVar[str] = "__parent__"

    def __repr__(self) -> str:
        parts = [
            f"{name}={value!r}"
            for name, value in (
                ("graph", self.graph),
                ("update", self.update),
                ("resume", self.resume),
                ("goto", self.goto),
            )
            if value is not None and value != ()
        ]
        return f"Command({', '.join(parts)})"

    def goto_targets(self) -> list[str | Send]:
        """`goto` as a list of node names and Sends."""
        if self.goto is None or self.goto == ():
            return []
        if isinstance(self.goto, (str, Send)):
            return [self.goto]
        return list(self.goto)


class PregelTask(NamedTuple):
    """A task of a checkpoint: what ran or will run, with its outcome."""

    id: str
    name: str
    path: tuple[Any, ...]
    error: str | None = None
    """The repr of the exception the task raised in a step that failed."""
    interrupts: tuple[Interrupt, ...] = ()
    state: RunnableConfig | StateSnapshot | None = None
    """A subgraph task's: its config, or its snapshot with `get_state(subgraphs=True)`."""
    result: dict[str, Any] | None = None


CheckpointSource = Literal["input", "loop", "update", "fork"]
"""What made a checkpoint: a run's input, a step of the loop, `update_state`, or
`engine.pregel.fork.seed_fork`."""


class CheckpointMetadata(TypedDict):
    """`StateSnapshot.metadata` (and the `checkpoints`-mode `metadata`)."""

    source: CheckpointSource
    step: int
    parents: dict[str, str]
    """Checkpoint namespace → checkpoint id of each enclosing graph (a subgraph's)."""


class StateSnapshot(NamedTuple):
    """The state of a thread at one checkpoint (`get_state`, `get_state_history`)."""

    values: Any
    next: tuple[str, ...]
    config: RunnableConfig
    metadata: CheckpointMetadata | None
    """None only for a thread without checkpoints."""
    created_at: str | None
    parent_config: RunnableConfig | None
    tasks: tuple[PregelTask, ...]
    interrupts: tuple[Interrupt, ...] = ()


class StateUpdate(NamedTuple):
    """One update of `bulk_update_state`: `values` as if node `as_node` returned them
    (task `task_id`, when given, so its result shows on that task)."""

    values: dict[str, Any] | None
    as_node: str | None = None
    task_id: str | None = None


@dataclass(frozen=True)
class GraphOutput:
    """What `invoke(version="v2")` returns: the output value and any interrupts."""

    value: Any
    interrupts: tuple[Interrupt, ...] = ()

    def __getitem__(self, key: str) -> Any:
        """Deprecated dict access: `result["__interrupt__"]` or a key of the value."""
        warn_deprecated(_GRAPH_OUTPUT_ACCESS.format("`result[key]`"),
                        LangGraphDeprecatedSinceV11)
        if key == "__interrupt__":
            return self.interrupts
        if isinstance(self.value, dict):
            return self.value[key]
        try:
            return getattr(self.value, key)
        except AttributeError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        warn_deprecated(_GRAPH_OUTPUT_ACCESS.format("`key in result`"),
                        LangGraphDeprecatedSinceV11)
        if key == "__interrupt__":
            return bool(self.interrupts)
        if isinstance(self.value, dict):
            return key in self.value
        return isinstance(key, str) and hasattr(self.value, key)


_GRAPH_OUTPUT_ACCESS = ("Accessing GraphOutput via {} is deprecated. Use `result.value` to "
                        "access the output value directly, or `result.interrupts` for "
                        "interrupts.")


@dataclass(frozen=True)
class TracePolicy:
    """What LangChain tracers record as one node's run (`add_node(trace_policy=...)`).

    Each processor gets the node's real input (or output) and returns what to record; the
    node and the graph are unaffected, and a processor that raises records the real value.
    Only tracers (LangChain `BaseTracer`s) get the processed payload.
    """

    process_inputs: Callable[[Any], Any] | None = None
    process_outputs: Callable[[Any], Any] | None = None


def interrupt(value: Any) -> Any:
    """Pause the run and surface `value`; returns the resume value once resumed."""
    from engine.pregel.task import current_task

    return current_task("interrupt").next_interrupt(value)
