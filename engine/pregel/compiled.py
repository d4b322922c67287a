"""`CompiledStateGraph`: run a compiled graph — invoke, stream, their async twins, state."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack

from engine.checkpoint.base import BaseCheckpointSaver
from engine.clock import Clock
from engine.config import RunnableConfig, ensure_config, merge_configs
from engine.constants import DEFAULT_RECURSION_LIMIT, INTERRUPT, START
from engine.controller import Controller
from engine.errors import GraphInterrupt
from engine.events import Sink, global_sinks
from engine.graph.deprecated import checkpoint_during_warning, config_schema_warning
from engine.graph.jsonschema import json_schema
from engine.graph.spec import GraphSpec, NodeSpec
from engine.pregel import persistence
from engine.pregel.drivers import AsyncInbox, Chunk, adrive, drive
from engine.pregel.loop import Loop
from engine.pregel.run import RunContext
from engine.pregel.run_callbacks import make_run_callbacks
from engine.pregel.state import StateAccess
from engine.pregel.stream import StreamProjector
from engine.pregel.task import Task, peek_current
from engine.pregel.typed_values import schemas_of, typed
from engine.runnables import Runnable
from engine.runtime import RunControl, coerce_context
from engine.types import STREAM_MODES, All, GraphOutput, StreamMode
from engine.warnings import LangGraphDeprecatedSinceV10, warn_deprecated

MESSAGES_V2_KEY = "__engine_stream_messages_v2"
"""Set in `configurable` by `stream_events(version="v3")`: the `messages` mode then emits
content-block protocol events (see `engine.stream.message_events`)."""

if TYPE_CHECKING:
    from engine.graph.draw import DrawableGraph
    from engine.graph.state import StateGraph


class RunOptions(TypedDict, total=False):
    """The keyword options of `invoke` / `stream` and their async twins, besides
    `stream_mode`; any other keyword is a TypeError."""

    output_keys: str | Sequence[str] | None
    """Output only these state keys (one key: its value alone)."""
    interrupt_before: All | Sequence[str] | None
    interrupt_after: All | Sequence[str] | None
    subgraphs: bool
    """Stream subgraphs' chunks too, with their namespace."""
    version: Literal["v1", "v2"]
    """With "v2", stream items are dicts (type, ns, data) and `invoke` returns a
    `GraphOutput`."""
    sinks: Sequence[Sink] | None
    """Event sinks for this run only (besides the ones `engine.events.attach` set)."""
    controller: Controller | None
    clock: Clock | None
    debug: bool | None
    """Accepted for LangGraph compatibility; ignored."""
    context: Any
    """The run's context (`runtime.context` in nodes); a dict becomes the graph's
    dataclass or pydantic `context_schema`."""
    control: RunControl | None
    """Lets the caller ask the run to stop between steps (`GraphDrained`)."""
    durability: Literal["sync", "async", "exit"] | None
    """"exit" saves only each graph's last checkpoint of the run; "sync" and "async"
    (the default) save every step's."""
    checkpoint_during: bool | None
    """Deprecated: `durability="async"` (True) or `"exit"` (False)."""


class _Call:
    """One call's settings, parsed and validated once."""

    def __init__(self, graph: CompiledStateGraph, config: RunnableConfig | None,
                 stream_mode: StreamMode | Sequence[StreamMode] | None,
                 kwargs: RunOptions) -> None:
        bound = graph.bound_config
        self.config = ensure_config(config if bound is None else merge_configs(bound, config))
        self.protocol_messages = False
        configurable = self.config.get("configurable")
        if configurable and MESSAGES_V2_KEY in configurable:
            # This run's own projection only: popped, so that a graph streamed inside a
            # node with this config keeps the v1 `messages` shape.
            configurable = dict(configurable)
            self.protocol_messages = bool(configurable.pop(MESSAGES_V2_KEY))
            self.config["configurable"] = configurable
        limit = self.config.get("recursion_limit", DEFAULT_RECURSION_LIMIT)
        if not isinstance(limit, int) or limit < 1:
            raise ValueError("recursion_limit must be at least 1")
        self.config["recursion_limit"] = limit
        mode = graph.stream_mode if stream_mode is None else stream_mode
        self.multi = not isinstance(mode, str)
        self.modes: list[str] = [mode] if isinstance(mode, str) else list(mode)
        for m in self.modes:
            if m not in STREAM_MODES:
                raise ValueError(
                    f"Invalid stream_mode {m!r}: expected one of {', '.join(STREAM_MODES)}"
                )
        self.output_keys = kwargs.pop("output_keys", None)
        self.subgraphs = bool(kwargs.pop("subgraphs", False))
        self.version = kwargs.pop("version", "v1")
        if self.version not in ("v1", "v2"):
            raise ValueError(f"Invalid version {self.version!r}: expected 'v1' or 'v2'")
        self.interrupt_before = _names(kwargs.pop("interrupt_before", None), graph)
        self.interrupt_after = _names(kwargs.pop("interrupt_after", None), graph)
        self.sinks: tuple[Sink, ...] = tuple(kwargs.pop("sinks", ()) or ())
        self.controller = kwargs.pop("controller", None)
        self.clock = kwargs.pop("clock", None)
        kwargs.pop("debug", None)
        self.context = coerce_context(graph.context_schema, kwargs.pop("context", None))
        self.control = kwargs.pop("control", None)
        durability = kwargs.pop("durability", None)
        if "checkpoint_during" in kwargs:
            during = kwargs.pop("checkpoint_during")
            durability = durability or checkpoint_during_warning(during)
        self.durability = durability
        if durability is not None:  # what a node sees, as in LangGraph
            self.config["configurable"]["__pregel_durability"] = durability
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {sorted(kwargs)}")


def _names(value: All | Sequence[str] | None,
           graph: CompiledStateGraph) -> tuple[str, ...] | None:
    if value is None:
        return None
    if value == "*":
        return tuple(graph.spec.nodes)
    return (value,) if isinstance(value, str) else tuple(value)


class PregelProtocol(Runnable):
    """LangGraph's base of every runnable graph. Empty here: it exists so that a compiled
    graph's class hierarchy (its MRO) and `isinstance(graph, Pregel)` are LangGraph's."""


class Pregel(PregelProtocol):
    """LangGraph's superstep graph class; `CompiledStateGraph` derives from it there too."""


class CompiledStateGraph(Pregel, StateAccess):
    """A validated, immutable graph, ready to run."""

    stream_mode: StreamMode | Sequence[StreamMode] = "updates"
    stream_live: bool = False
    """Stream every chunk as it happens, even those of a lone task (an entrypoint's
    `@task` calls are reported while the entrypoint still runs)."""
    step_timeout: float | None = None
    """Seconds a superstep may take (set on the compiled graph, as in LangGraph): past
    it the run raises TimeoutError, its async nodes cancelled (sync ones cannot be)."""
    context_schema: Any = None
    """The builder's `context_schema` (what `context=` holds)."""
    cache: Any = None
    """The `BaseCache` of nodes with a `cache_policy` (`compile(cache=...)`)."""
    bound_config: RunnableConfig | None = None
    """The config `with_config` bound: every call's config is merged over it."""
    stream_transformers: tuple[Callable[[tuple[str, ...]], Any], ...] = ()
    """Extra v3 transformer factories, from `compile(transformers=...)`."""

    def __init__(self, spec: GraphSpec, *, builder: StateGraph,
                 checkpointer: BaseCheckpointSaver | bool | None, store: Any) -> None:
        self.spec = spec
        self.builder = builder
        self.checkpointer = checkpointer
        self.store = store
        self.name = spec.name
        self.node_subgraphs = persistence.node_subgraphs(spec.nodes)
        """Node name → the graph it runs as a subgraph (see `persistence.node_subgraphs`)."""

    def __repr__(self) -> str:
        return f"<CompiledStateGraph {self.name!r} nodes={list(self.spec.nodes)}>"

    @property
    def nodes(self) -> dict[str, NodeSpec]:
        """`__start__` first, then the nodes in the order they were added."""
        return {START: self.spec.start, **self.spec.nodes}

    @property
    def has_async_nodes(self) -> bool:
        """Whether any node (subgraphs included) is async, so the graph needs the async API."""
        for node in self.spec.nodes.values():
            if node.subgraph is not None and node.subgraph.has_async_nodes:
                return True
            if node.call is not None and node.call.is_async:
                return True
        return False

    def with_config(self, config: RunnableConfig | None = None,
                    **kwargs: Any) -> CompiledStateGraph:
        """This graph with `config` (and keyword config keys) bound to every call."""
        clone = copy.copy(self)
        extra: RunnableConfig = {**(config or {}), **kwargs}  # type: ignore[typeddict-item]
        clone.bound_config = merge_configs(self.bound_config, extra)
        return clone

    # -- running -------------------------------------------------------------------------
    def _root(self, call: _Call, outlet: Any, live: bool) -> tuple[RunContext, Loop]:
        sinks = (*global_sinks(), *call.sinks)
        run = RunContext(sinks, clock=call.clock, controller=call.controller,
                         outlet=outlet, live=live, recursion_limit=call.config["recursion_limit"],
                         run_id=call.config.get("run_id"), durability=call.durability,
                         context=call.context, control=call.control)
        run.callbacks = make_run_callbacks(call.config)
        return run, Loop(self, run, call.config, interrupt_before=call.interrupt_before,
                         interrupt_after=call.interrupt_after,
                         checkpointer=persistence.root_saver(self.checkpointer))

    def _child(self, call: _Call, parent: Task) -> Loop:
        parent_loop = parent.loop
        config = call.config if call.config.get("configurable") else parent_loop.config
        return Loop(self, parent_loop.run, config,
                    ns=persistence.child_ns(self.checkpointer, parent), parent_task=parent,
                    interrupt_before=call.interrupt_before,
                    interrupt_after=call.interrupt_after,
                    checkpointer=persistence.child_saver(self.checkpointer, parent))

    @staticmethod
    def _parent(call: _Call) -> Task | None:
        """The task this call runs inside as a subgraph (None: a root run, also for a
        call that addresses a thread of its own)."""
        parent = peek_current()
        if parent is not None and persistence.addresses_own_thread(call.config):
            # The node's own config (its checkpoint_ns is the task's) still calls a
            # subgraph, as in LangGraph, whose task config carries the task's keys.
            configurable = call.config.get("configurable") or {}
            if configurable.get("checkpoint_ns") != parent.full_checkpoint_ns:
                return None
        return parent

    def _projector(self, call: _Call, outlet: Any, wall_start_ns: int) -> StreamProjector:
        return StreamProjector(call.modes, multi=call.multi, subgraphs=call.subgraphs,
                               version=call.version, output_keys=call.output_keys,
                               outlet=outlet, wall_start_ns=wall_start_ns,
                               protocol_messages=call.protocol_messages)

    def stream(self, input: Any, config: RunnableConfig | None = None, *,
               stream_mode: StreamMode | Sequence[StreamMode] | None = None,
               **kwargs: Unpack[RunOptions]) -> Iterator[Any]:
        """Run the graph, yielding chunks of the requested stream modes.

        One mode yields its chunks bare; a list of modes yields `(mode, chunk)` pairs, and
        `subgraphs=True` prefixes each with the namespace, as LangGraph does.
        """
        call = _Call(self, config, stream_mode, kwargs)
        return self._stream(call, input)

    def _stream(self, call: _Call, input: Any) -> Iterator[Any]:
        inbox: SimpleQueue[Any] = SimpleQueue()

        def outlet(item: Any) -> None:
            inbox.put(Chunk(item))

        parent = self._parent(call)
        if parent is not None:
            loop = self._child(call, parent)
            projector = self._projector(call, outlet, loop.run.wall_start_ns)
            with loop.run.bus.scoped(projector, loop.ns):
                yield from drive(loop, input, inbox)
            self._child_result(loop)
            return
        live = (self.stream_live or "custom" in call.modes or "messages" in call.modes
                or "tools" in call.modes)
        run, loop = self._root(call, outlet, live)
        projector = self._projector(call, outlet, run.wall_start_ns)
        run.bus.add(projector)
        if "tools" in call.modes:
            run.tools_out = projector.put_tools
        yield from drive(loop, input, inbox)

    async def astream(self, input: Any, config: RunnableConfig | None = None, *,
                      stream_mode: StreamMode | Sequence[StreamMode] | None = None,
                      **kwargs: Unpack[RunOptions]) -> AsyncIterator[Any]:
        """The async twin of `stream`: async nodes run as asyncio tasks."""
        call = _Call(self, config, stream_mode, kwargs)
        inbox = AsyncInbox()

        def outlet(item: Any) -> None:
            inbox.put(Chunk(item))

        parent = self._parent(call)
        if parent is not None:
            loop = self._child(call, parent)
            projector = self._projector(call, outlet, loop.run.wall_start_ns)
            with loop.run.bus.scoped(projector, loop.ns):
                async for item in adrive(loop, input, inbox):
                    yield item
            self._child_result(loop)
            return
        run, loop = self._root(call, outlet, True)
        projector = self._projector(call, outlet, run.wall_start_ns)
        run.bus.add(projector)
        if "tools" in call.modes:
            run.tools_out = projector.put_tools
        callbacks = run.callbacks
        async for item in adrive(loop, input, inbox):
            if callbacks is not None:
                await callbacks.flush()
            yield item
        if callbacks is not None:
            await callbacks.flush()

    def stream_events(self, input: Any, config: RunnableConfig | None = None, *,
                      version: str = "v2",
                      transformers: Sequence[Callable[[tuple[str, ...]], Any]] | None = None,
                      **kwargs: Any) -> Any:
        """With `version="v3"`, a `GraphRunStream` (see `engine.stream`); reading it
        drives the run. "v1" / "v2" are async only (as in langchain-core)."""
        if version == "v3":
            from engine.stream.v3 import open_run

            return open_run(self, input, config, transformers, kwargs)
        from engine.pregel import events_v2

        return events_v2.stream_events(self, input, config, version, kwargs)

    def astream_events(self, input: Any, config: RunnableConfig | None = None, *,
                       version: str = "v2",
                       transformers: Sequence[Callable[[tuple[str, ...]], Any]] | None = None,
                       **kwargs: Any) -> Any:
        """With `version="v3"`, an awaitable of an `AsyncGraphRunStream`; with "v1" / "v2",
        LangChain's StreamEvent dicts (needs langchain-core; see `engine.pregel.events_v2`)."""
        if version == "v3":
            from engine.stream.v3 import aopen_run, reject_owned_kwargs

            reject_owned_kwargs(kwargs)
            run: Awaitable[Any] = aopen_run(self, input, config, transformers, kwargs)
            return run
        from engine.pregel import events_v2

        return events_v2.astream_events(self, input, config, version, kwargs)

    def invoke(  # type: ignore[override]  # a graph takes only its RunOptions keywords
        self, input: Any, config: RunnableConfig | None = None, *,
        stream_mode: StreamMode | Sequence[StreamMode] = "values",
        **kwargs: Unpack[RunOptions],
    ) -> Any:
        """Run to the end; return the output state (or the list of chunks of a mode)."""
        if stream_mode != "values":
            return list(self.stream(input, config, stream_mode=stream_mode, **kwargs))
        call = _Call(self, config, "values", kwargs)
        parent = self._parent(call)
        if parent is not None:
            loop = self._child(call, parent)
        else:
            _, loop = self._root(call, None, False)
        for _ in drive(loop, input):
            pass
        if parent is not None:
            self._child_result(loop)  # an interrupt inside pauses the calling task too
        return self._output(loop, call)

    async def ainvoke(  # type: ignore[override]  # a graph takes only its RunOptions keywords
        self, input: Any, config: RunnableConfig | None = None, *,
        stream_mode: StreamMode | Sequence[StreamMode] = "values",
        **kwargs: Unpack[RunOptions],
    ) -> Any:
        if stream_mode != "values":
            return [c async for c in self.astream(input, config, stream_mode=stream_mode,
                                                  **kwargs)]
        call = _Call(self, config, "values", kwargs)
        parent = self._parent(call)
        if parent is not None:
            loop = self._child(call, parent)
        else:
            _, loop = self._root(call, None, False)
        async for _ in adrive(loop, input):
            pass
        if parent is not None:
            self._child_result(loop)
        elif loop.run.callbacks is not None:
            await loop.run.callbacks.flush()
        return self._output(loop, call)

    def _output(self, loop: Loop, call: _Call) -> Any:
        keys = call.output_keys
        if isinstance(keys, str):
            value: Any = loop.values().get(keys)
        elif keys is not None:
            values = loop.values()
            value = {k: values[k] for k in keys if k in values}
        else:
            value = loop.output()
        if call.version == "v2":
            if keys is None:  # the state typed as the output schema (pydantic, dataclass)
                value = typed(schemas_of(self)[0], value)
            return GraphOutput(value, tuple(loop.interrupts))
        if loop.interrupts and isinstance(value, dict):
            value = {**value, INTERRUPT: list(loop.interrupts)}
        return value

    def config_schema(self) -> Any:
        """Deprecated: the context schema (LangGraph warns the same way)."""
        config_schema_warning()
        return self.context_schema if self.context_schema is not None else dict

    def get_config_jsonschema(self) -> dict[str, Any]:
        """Deprecated: the context schema as JSON schema (needs pydantic)."""
        warn_deprecated("`get_config_jsonschema` is deprecated. Use `get_context_jsonschema` "
                        "instead.", LangGraphDeprecatedSinceV10)
        return json_schema(self.context_schema, None) if self.context_schema else {}

    def clear_cache(self, nodes: Sequence[str] | None = None) -> None:
        """Forget the cached outcomes of these nodes (of every node without names)."""
        from engine.cache.nodes import clear

        clear(self.cache, list(nodes if nodes is not None else self.spec.nodes))

    async def aclear_cache(self, nodes: Sequence[str] | None = None) -> None:
        self.clear_cache(nodes)

    # -- as a subgraph node --------------------------------------------------------------
    def run_as_subgraph(self, task: Task) -> dict[str, Any]:
        """Run inside `task` (a node of a parent graph); return the output state."""
        call = _Call(self, None, "values", {})
        loop = self._child(call, task)
        loop.stream_keys = self._output_keys()
        for _ in drive(loop, task.input):
            pass
        return self._child_result(loop)

    async def arun_as_subgraph(self, task: Task) -> dict[str, Any]:
        call = _Call(self, None, "values", {})
        loop = self._child(call, task)
        loop.stream_keys = self._output_keys()
        async for _ in adrive(loop, task.input):
            pass
        return self._child_result(loop)

    def _output_keys(self) -> tuple[str, ...]:
        """What a subgraph run as a node streams, as LangGraph runs it: its output keys."""
        return self.spec.output_schema.keys or tuple(self.spec.fields)

    def _child_result(self, loop: Loop) -> dict[str, Any]:
        if loop.status == "interrupted":
            raise GraphInterrupt(loop.interrupts)
        return loop.output()

    # -- schemas -------------------------------------------------------------------------
    def get_input_jsonschema(self, config: RunnableConfig | None = None) -> dict[str, Any]:
        """The JSON schema of the graph's input (built with pydantic)."""
        from engine.graph.json_schema import state_json_schema

        return state_json_schema(self.spec.input_schema, f"{self.name}Input")

    def get_output_jsonschema(self, config: RunnableConfig | None = None) -> dict[str, Any]:
        """The JSON schema of the graph's output (built with pydantic)."""
        from engine.graph.json_schema import state_json_schema

        return state_json_schema(self.spec.output_schema, f"{self.name}Output")

    def get_context_jsonschema(self) -> dict[str, Any] | None:
        """The JSON schema of the graph's `context_schema`, or None."""
        from engine.graph.json_schema import context_json_schema

        return context_json_schema(self.builder.context_schema)

    # -- drawing -------------------------------------------------------------------------
    def get_graph(self, config: RunnableConfig | None = None, *,
                  xray: int | bool = False) -> DrawableGraph:
        from engine.graph.draw import DrawableGraph

        return DrawableGraph.from_spec(self.spec, xray=xray)

    def describe(self) -> dict[str, Any]:
        """The topology as plain data (stored in traces, drawn by the TUI).

        Built once per compiled graph (its spec is frozen at compile time) and shared:
        callers must not mutate it. A recorder describes the graph at every run start,
        and for a graph of 1000 nodes building it costs about as much as running it.
        """
        topology: dict[str, Any] | None = self.__dict__.get("_topology")
        if topology is None:
            from engine.graph.topology import describe

            topology = self.__dict__["_topology"] = describe(self.spec)
        return topology
