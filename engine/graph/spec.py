"""The immutable description a StateGraph compiles to: nodes, branches, channels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.graph.callspec import CallSpec
from engine.retry import RetryPolicy
from engine.schema import FieldSpec, Schema
from engine.timeout import TimeoutPolicy


@dataclass(frozen=True)
class BranchSpec:
    """A conditional edge: `path(state)` picks targets, translated through `path_map`."""

    source: str
    call: CallSpec
    path_map: dict[Any, str] | None
    ends: tuple[str, ...] | None
    """Possible targets, for drawing (from path_map or a Literal return hint)."""
    name: str = "condition"
    input_schema: Any = None
    """The Schema the path function's first argument is annotated with (what it reads),
    or None for the graph's state."""


@dataclass(frozen=True)
class NodeSpec:
    """One node: how to call it and where its edges lead."""

    name: str
    call: CallSpec | None
    """None for a subgraph node (see `subgraph`) and for START."""
    subgraph: Any
    """A CompiledStateGraph run as this node, or None."""
    input_schema: Schema
    triggers: tuple[str, ...]
    edges: tuple[str, ...]
    joins: tuple[str, ...]
    branches: tuple[BranchSpec, ...]
    destinations: tuple[str, ...] | dict[str, str] | None
    """Where the node's Commands may go (a dict: each target's label in drawings)."""
    metadata: dict[str, Any] | None = None
    retry_policy: Sequence[RetryPolicy] | None = None
    """The node's retry policies, tried in order (None: a failure is final)."""
    error_handler: str | None = None
    """The node that runs in this node's place when it fails for good, or None."""
    is_error_handler: bool = False
    """An error handler: run only for a failed node, never triggered by edges."""
    timeout: TimeoutPolicy | None = None
    """Limits on each attempt (async nodes and subgraphs only)."""
    trace_policy: Any = None
    """A `TracePolicy`: what LangChain tracers record as the node's input and output."""
    cache_policy: Any = None
    """A `CachePolicy`: the node's outcome is cached by its input (None: never)."""
    defer: bool = False
    """Triggered, it waits until no other task is left to run (LangGraph's `defer`)."""
    record: Callable[[Any, Any], None] | None = None
    """Records what the node returned in its own way (`record(task, value)`), instead of
    as a state update: the functional API's nodes return plain values."""


@dataclass(frozen=True)
class GraphSpec:
    """Everything the loop needs, fixed at compile time."""

    name: str
    state: Schema
    input_schema: Schema
    output_schema: Schema
    fields: dict[str, FieldSpec]
    """Every state channel, in declaration order (state, then input/output/node schemas)."""
    start: NodeSpec
    nodes: dict[str, NodeSpec]
    joins: dict[str, tuple[tuple[str, ...], str]]
    """Barrier channel → (sources, target)."""
    edges: tuple[tuple[str, str], ...]
    waiting_edges: tuple[tuple[tuple[str, ...], str], ...]
    interrupt_before: tuple[str, ...] = ()
    interrupt_after: tuple[str, ...] = ()
    node_order: tuple[str, ...] = field(default=())
    input_step: bool = True
    """The input is written by a `__start__` task in a step of its own, as StateGraph
    does; False: straight into the input checkpoint's channels (the functional API)."""
    message_keys: frozenset[str] = frozenset()
    """State keys merged by `add_messages` (their new messages get ids at task end)."""
    deferred: frozenset[str] = frozenset()
    """Nodes added with `defer=True` (see `NodeSpec.defer`)."""

    def node(self, name: str) -> NodeSpec:
        return self.nodes[name]


