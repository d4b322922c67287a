"""`StateGraph`: the builder. It validates as it goes and compiles to an immutable graph."""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, get_args, get_origin

from engine.constants import END, RESERVED_CHARS, START, branch_channel, join_channel
from engine.graph.callspec import CallSpec, analyse, infer_name
from engine.graph.deprecated import check_config_annotation, renamed
from engine.graph.message import is_add_messages
from engine.graph.node_policies import (
    DEFAULT_ERROR_HANDLER,
    NodeDefaults,
    error_handler_node,
)
from engine.graph.spec import BranchSpec, GraphSpec, NodeSpec
from engine.retry import RetryPolicy, as_policies
from engine.runnables import Runnable, as_node_action
from engine.schema import FieldSpec, Schema, is_state_type
from engine.timeout import TimeoutPolicy, sync_timeout_unsupported

if TYPE_CHECKING:
    from engine.checkpoint.base import BaseCheckpointSaver
    from engine.pregel.compiled import CompiledStateGraph

NodeAction = Callable[..., Any] | Runnable
"""What a node runs: a function (sync or async), a Runnable, or a compiled graph (a
subgraph; `CompiledStateGraph` is a Runnable)."""

PathMap = dict[Any, str] | list[str]
"""A conditional edge's `path_map`: the path function's results → node names, or the
node names it may return."""


class _PendingNode:
    __slots__ = ("action", "cache_policy", "defer", "destinations", "error_handler",
                 "input_schema", "is_error_handler", "metadata", "name", "retry_policy",
                 "timeout", "trace_policy")

    def __init__(self, name: str, action: Any, input_schema: Any, metadata: Any, dest: Any,
                 retry_policy: Any = None, trace_policy: Any = None, *,
                 error_handler: str | None = None, is_error_handler: bool = False,
                 timeout: TimeoutPolicy | None = None, cache_policy: Any = None,
                 defer: bool = False):
        self.name = name
        self.defer = defer
        self.trace_policy = trace_policy
        self.action = action
        self.input_schema = input_schema
        self.metadata = metadata
        self.destinations = dest
        self.retry_policy = retry_policy
        self.error_handler = error_handler
        """The node that handles this node's final failure."""
        self.is_error_handler = is_error_handler
        self.timeout = timeout
        self.cache_policy = cache_policy


def _is_compiled_graph(obj: Any) -> bool:
    from engine.pregel.compiled import CompiledStateGraph

    return isinstance(obj, CompiledStateGraph)


def _literal_targets(hint: Any) -> tuple[str, ...] | None:
    """Targets named by a `Literal[...]` or `Command[Literal[...]]` return annotation."""
    if hint is None:
        return None
    origin = get_origin(hint)
    if origin is typing.Literal:
        return tuple(str(a) for a in get_args(hint))
    if origin is not None and getattr(origin, "__name__", "") == "Command":
        args = get_args(hint)
        return _literal_targets(args[0]) if args else None
    return None


def _return_hint(fn: Any) -> Any:
    try:
        target = fn if callable(fn) and hasattr(fn, "__code__") else type(fn).__call__
        return typing.get_type_hints(target).get("return")
    except Exception:
        return None


class StateGraph:
    """A graph whose nodes read and write a shared state, LangGraph-style."""

    def __init__(
        self,
        state_schema: Any = None,
        context_schema: type[Any] | None = None,
        *,
        input_schema: type[Any] | None = None,
        output_schema: type[Any] | None = None,
        **legacy: Any,
    ) -> None:
        input_schema = renamed(legacy, "input", "input_schema", input_schema)
        output_schema = renamed(legacy, "output", "output_schema", output_schema)
        context_schema = renamed(legacy, "config_schema", "context_schema", context_schema)
        if legacy:
            raise TypeError(f"StateGraph() got unexpected arguments: {sorted(legacy)}")
        if state_schema is None:
            if input_schema is None:
                raise ValueError("StateGraph needs a state schema")
            state_schema = input_schema
        self.state_schema = state_schema
        # As LangGraph, refuse a bad reducer when the builder is made (a schema of a
        # kind the engine does not run is refused at compile time, as before).
        try:
            managed = Schema(state_schema).managed
        except TypeError:
            managed = {}
        self.managed = dict(managed)
        """The managed value keys of the state (see `engine.managed`)."""
        self.context_schema = context_schema
        self.input_schema = input_schema or state_schema
        self.output_schema = output_schema or state_schema
        self.nodes: dict[str, _PendingNode] = {}
        self.edges: set[tuple[str, str]] = set()
        self._edge_order: list[tuple[str, str]] = []
        self.waiting_edges: list[tuple[tuple[str, ...], str]] = []
        self.branches: dict[str, list[tuple[Callable[..., Any], Any]]] = {}
        self.compiled = False
        self._node_defaults = NodeDefaults()

    # -- nodes -------------------------------------------------------------------------
    def add_node(
        self,
        node: str | NodeAction,
        action: NodeAction | None = None,
        *,
        defer: bool = False,
        metadata: dict[str, Any] | None = None,
        input_schema: type[Any] | None = None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        cache_policy: Any = None,
        destinations: dict[str, str] | tuple[str, ...] | None = None,
        error_handler: NodeAction | None = None,
        timeout: float | timedelta | TimeoutPolicy | None = None,
        **kwargs: Any,
    ) -> StateGraph:
        """Add a node; a bare callable is named after itself (its `__name__`),
        as in LangGraph.

        `retry_policy` (a `RetryPolicy` or a list of them, the first matching one applies)
        reruns the node when it raises; see `engine.retry`. `error_handler` runs (as node
        `__error_handler__<name>`, in the same step) when the node fails for good: it
        gets the node's input and, by a parameter typed `NodeError`, the failure; what
        it returns stands for the node's update. `timeout` (seconds, a timedelta or a
        `TimeoutPolicy`) limits each attempt of an async node; see `engine.timeout`.
        `defer=True` holds the node back, once triggered, until nothing else is left to
        run: it then runs once, as the run would otherwise end.
        """
        timeout_policy = TimeoutPolicy.coerce(timeout)
        input_schema = renamed(kwargs, "input", "input_schema", input_schema)
        retry_policy = renamed(kwargs, "retry", "retry_policy", retry_policy)
        if isinstance(node, str):
            name = node
            if action is None:
                raise ValueError(f"Node `{name}` needs an action")
        else:
            action, name = node, infer_name(node)
        if not _is_compiled_graph(action):
            action = as_node_action(action)
        if not callable(action) and not _is_compiled_graph(action):
            raise TypeError(f"Node `{name}` must be callable, got {type(action).__name__}")
        if not isinstance(action, Runnable):
            check_config_annotation(action)
        for ch in RESERVED_CHARS:
            if ch in name:
                raise ValueError(
                    f"'{ch}' is a reserved character and is not allowed in the node names."
                )
        if name in self.nodes:
            raise ValueError(f"Node `{name}` already present.")
        if name in (START, END):
            raise ValueError(f"Node `{name}` is reserved.")
        if isinstance(destinations, dict):  # target → the edge's label in drawings
            destinations = {str(k): str(v) for k, v in destinations.items()}
        elif destinations is not None:
            destinations = tuple(destinations)
        handler = None
        if error_handler is not None:
            handler = error_handler_node(name)
            if handler in self.nodes:
                raise ValueError(
                    f"Auto-generated error handler node `{handler}` already exists.")
            self.nodes[handler] = _PendingNode(handler, error_handler, input_schema, None, None,
                                               is_error_handler=True)
        self.nodes[name] = _PendingNode(name, action, input_schema, metadata, destinations,
                                        retry_policy, kwargs.pop("trace_policy", None),
                                        error_handler=handler, timeout=timeout_policy,
                                        cache_policy=cache_policy, defer=defer)
        return self

    def set_node_defaults(
        self,
        *,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        cache_policy: Any = None,
        error_handler: NodeAction | None = None,
        timeout: float | timedelta | TimeoutPolicy | None = None,
    ) -> StateGraph:
        """Policies for every node that does not set its own, applied at compile time
        (before or after `add_node` alike); see `engine.graph.node_policies`."""
        self._node_defaults.update(retry_policy=retry_policy, cache_policy=cache_policy,
                                   error_handler=error_handler, timeout=timeout)
        return self

    def add_sequence(self, nodes: Sequence[NodeAction | tuple[str, NodeAction]]) -> StateGraph:
        """Add nodes (callables or (name, callable) pairs) joined by edges in order."""
        if not nodes:
            raise ValueError("Sequence requires at least one node.")
        previous: str | None = None
        for item in nodes:
            if isinstance(item, tuple):
                name, action = item
            else:
                name, action = infer_name(item), item
            if name in self.nodes:
                raise ValueError(
                    f"Node names must be unique: node with the name '{name}' already exists."
                )
            self.add_node(name, action)
            if previous is not None:
                self.add_edge(previous, name)
            previous = name
        return self

    # -- edges -------------------------------------------------------------------------
    def add_edge(self, start_key: str | Sequence[str], end_key: str) -> StateGraph:
        """An edge; a list of sources makes a waiting edge that joins them."""
        if isinstance(start_key, str):
            if start_key == END:
                raise ValueError("END cannot be a start node")
            if end_key == START:
                raise ValueError("START cannot be an end node")
            if (start_key, end_key) not in self.edges:
                self.edges.add((start_key, end_key))
                self._edge_order.append((start_key, end_key))
            return self
        sources = tuple(start_key)
        for s in sources:
            if s == END:
                raise ValueError("END cannot be a start node")
        if end_key == START:
            raise ValueError("START cannot be an end node")
        if len(sources) == 1:
            return self.add_edge(sources[0], end_key)
        self.waiting_edges.append((sources, end_key))
        return self

    def add_conditional_edges(
        self,
        source: str,
        path: Callable[..., Any],
        path_map: PathMap | None = None,
    ) -> StateGraph:
        """A branch: `path(state)` returns a key (through `path_map`), names, Sends or END."""
        if source == END:
            raise ValueError("END cannot be a start node")
        self.branches.setdefault(source, []).append((path, path_map))
        return self

    def set_entry_point(self, key: str) -> StateGraph:
        return self.add_edge(START, key)

    def set_conditional_entry_point(
        self, path: Callable[..., Any], path_map: PathMap | None = None
    ) -> StateGraph:
        return self.add_conditional_edges(START, path, path_map)

    def set_finish_point(self, key: str) -> StateGraph:
        return self.add_edge(key, END)

    # -- compile -----------------------------------------------------------------------
    def validate(self, interrupt: Sequence[str] = ()) -> None:
        """Check the structure; raises ValueError with LangGraph's messages."""
        known = set(self.nodes)
        sources = {s for s, _ in self._edge_order} | {
            s for group, _ in self.waiting_edges for s in group
        } | set(self.branches)
        for s in sorted(sources - {START}):
            if s not in known:
                raise ValueError(f"Found edge starting at unknown node '{s}'")
        if START not in sources:
            raise ValueError(
                "Graph must have an entrypoint: add at least one edge from START to another node"
            )
        for _, target in self._edge_order:
            if target != END and target not in known:
                raise ValueError(f"Found edge ending at unknown node `{target}`")
        for _, target in self.waiting_edges:
            if target != END and target not in known:
                raise ValueError(f"Found edge ending at unknown node `{target}`")
        for source, branches in self.branches.items():
            for _, path_map in branches:
                for target in _map_targets(path_map):
                    if target != END and target not in known:
                        raise ValueError(
                            f"At '{source}' node, 'condition' branch found unknown target "
                            f"'{target}'"
                        )
        for name in interrupt:
            if name != "*" and name not in known:
                raise ValueError(f"Interrupt node `{name}` not found")
        self._check_subgraph_cycles()

    def _check_subgraph_cycles(self, seen: tuple[StateGraph, ...] = ()) -> None:
        if self in seen:
            raise ValueError("A graph cannot contain itself as a subgraph (cyclic reference)")
        for pending in self.nodes.values():
            # An entrypoint (engine.func) has no builder and cannot hold a graph.
            if _is_compiled_graph(pending.action) and pending.action.builder is not None:
                pending.action.builder._check_subgraph_cycles((*seen, self))

    def compile(
        self,
        checkpointer: BaseCheckpointSaver | bool | None = None,
        *,
        cache: Any = None,
        store: Any = None,
        interrupt_before: Sequence[str] | str | None = None,
        interrupt_after: Sequence[str] | str | None = None,
        debug: bool = False,
        name: str | None = None,
        transformers: Sequence[Any] | None = None,
    ) -> CompiledStateGraph:
        """Validate and freeze the graph into a runnable CompiledStateGraph.

        `transformers`: stream transformer classes or `scope -> transformer` factories
        that every `stream_events(version="v3")` run of the graph registers after the
        built-in ones (see `engine.stream`); kept as `graph.stream_transformers`.
        """
        from engine.checkpoint.base import BaseCheckpointSaver
        from engine.pregel.compiled import CompiledStateGraph

        if checkpointer not in (None, True, False) and not isinstance(
                checkpointer, BaseCheckpointSaver):
            raise TypeError(
                "Invalid checkpointer provided. Expected an instance of "
                "`BaseCheckpointSaver`, `True`, `False`, or `None`. Received "
                f"{type(checkpointer).__name__}. Pass a proper saver (e.g., InMemorySaver, "
                "AsyncPostgresSaver).")
        self._add_default_error_handler()
        before = _as_names(interrupt_before, self.nodes)
        after = _as_names(interrupt_after, self.nodes)
        self.validate([*before, *after])
        self.compiled = True
        spec = self._build_spec(name or "LangGraph", before, after)
        graph = CompiledStateGraph(spec, builder=self, checkpointer=checkpointer, store=store)
        graph.cache = cache
        graph.context_schema = self.context_schema
        if transformers:
            graph.stream_transformers = tuple(transformers)
        return graph

    def _add_default_error_handler(self) -> None:
        handler = self._node_defaults.error_handler
        if handler is None:
            return
        existing = self.nodes.get(DEFAULT_ERROR_HANDLER)
        if existing is not None and not existing.is_error_handler:
            raise ValueError(f"Auto-generated default error handler node "
                             f"`{DEFAULT_ERROR_HANDLER}` already exists.")
        self.nodes[DEFAULT_ERROR_HANDLER] = _PendingNode(
            DEFAULT_ERROR_HANDLER, handler, None, None, None, is_error_handler=True)

    def _build_spec(self, name: str, before: tuple[str, ...], after: tuple[str, ...]) -> GraphSpec:
        state = Schema(self.state_schema)
        inp = Schema(self.input_schema)
        out = Schema(self.output_schema)
        fields: dict[str, FieldSpec] = dict(state.fields)
        node_schemas: dict[str, Schema] = {}
        calls: dict[str, CallSpec | None] = {}
        for pending in self.nodes.values():
            call = None if _is_compiled_graph(pending.action) else analyse(pending.action)
            calls[pending.name] = call
            schema_cls = pending.input_schema
            if schema_cls is None and call is not None and is_state_type(call.first_hint):
                schema_cls = call.first_hint
            node_schemas[pending.name] = Schema(schema_cls) if schema_cls else state
        # A path function annotated with its own state type reads that (private) schema.
        branch_calls = {id(path): analyse(path) for paths in self.branches.values()
                        for path, _ in paths}
        branch_schemas = {key: Schema(call.first_hint) for key, call in branch_calls.items()
                          if is_state_type(call.first_hint)}
        for schema in (inp, out, *node_schemas.values(), *branch_schemas.values()):
            for key, f in schema.fields.items():
                fields.setdefault(key, f)

        joins: dict[str, tuple[tuple[str, ...], str]] = {}
        node_joins: dict[str, list[str]] = {n: [] for n in self.nodes}
        extra_triggers: dict[str, list[str]] = {n: [] for n in self.nodes}
        for sources, target in self.waiting_edges:
            channel = join_channel(sources, target)
            joins[channel] = (sources, target)
            for s in sources:
                node_joins.setdefault(s, []).append(channel)
            if target != END:
                extra_triggers[target].append(channel)

        def edges_from(source: str) -> tuple[str, ...]:
            return tuple(t for s, t in self._edge_order if s == source)

        def branches_from(source: str) -> tuple[BranchSpec, ...]:
            out_b = []
            for path, path_map in self.branches.get(source, []):
                pm = _normalise_path_map(path_map)
                ends = tuple(pm.values()) if pm else _literal_targets(_return_hint(path))
                out_b.append(BranchSpec(source, branch_calls[id(path)], pm, ends,
                                        name=infer_name(path),
                                        input_schema=branch_schemas.get(id(path))))
            return tuple(out_b)

        nodes: dict[str, NodeSpec] = {}
        defaults = self._node_defaults
        for pending in self.nodes.values():
            n = pending.name
            timeout = defaults.timeout_for(pending.timeout)
            call = calls[n]  # None for a subgraph, which can be timed
            if timeout is not None and call is not None and not call.is_async:
                raise sync_timeout_unsupported(n)
            dest = pending.destinations
            if dest is None and calls[n] is not None:
                hint = _return_hint(pending.action)
                # A node's destinations come from `Command[Literal[...]]` only (a bare
                # Literal return is a branch's, as LangGraph reads them).
                is_command = getattr(get_origin(hint), "__name__", "") == "Command"
                dest = _literal_targets(hint) if is_command else None
            nodes[n] = NodeSpec(
                name=n,
                call=calls[n],
                subgraph=pending.action if calls[n] is None else None,
                input_schema=node_schemas[n],
                triggers=tuple(sorted([branch_channel(n), *extra_triggers[n]])),
                edges=edges_from(n),
                joins=tuple(node_joins.get(n, ())),
                branches=branches_from(n),
                destinations=dest,
                metadata=pending.metadata,
                retry_policy=as_policies(defaults.retry_for(pending.retry_policy)),
                error_handler=defaults.handler_for(pending.error_handler,
                                                   pending.is_error_handler),
                is_error_handler=pending.is_error_handler,
                timeout=timeout,
                cache_policy=defaults.cache_policy if pending.cache_policy is None
                else pending.cache_policy,
                trace_policy=pending.trace_policy,
                defer=pending.defer,
            )
        start = NodeSpec(START, None, None, inp, (START,), edges_from(START),
                         tuple(node_joins.get(START, ())), branches_from(START), None)
        return GraphSpec(
            name=name,
            state=state,
            input_schema=inp,
            output_schema=out,
            fields=fields,
            start=start,
            nodes=nodes,
            joins=joins,
            edges=tuple(self._edge_order),
            waiting_edges=tuple(self.waiting_edges),
            interrupt_before=before,
            interrupt_after=after,
            node_order=tuple(self.nodes),
            message_keys=frozenset(k for k, f in fields.items() if is_add_messages(f.reducer)),
            deferred=frozenset(n for n, spec in nodes.items() if spec.defer),
        )


def _normalise_path_map(path_map: Any) -> dict[Any, str] | None:
    if path_map is None:
        return None
    if isinstance(path_map, dict):
        return dict(path_map)
    return {name: name for name in path_map}


def _map_targets(path_map: Any) -> list[str]:
    pm = _normalise_path_map(path_map)
    return list(pm.values()) if pm else []


def _as_names(value: Sequence[str] | str | None, nodes: dict[str, Any]) -> tuple[str, ...]:
    if value is None:
        return ()
    if value == "*":
        return tuple(nodes)
    if isinstance(value, str):
        return (value,)
    return tuple(value)
