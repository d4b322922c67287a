"""`@entrypoint`: a function run as a graph of one node, on the engine's own loop.

The graph has three channels: `__start__` (the input), `__end__` (what the function
returned) and `__previous__` (what it saved: its return value, or `entrypoint.final`'s
`save`), which the next run on the thread receives as `previous`. The `@task` calls the
function makes are tasks of the same step (see `engine.func.scope`), so a run reports
the usual events: the entrypoint's task, each call's task, the step's state change.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import typing
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, TypeAlias

from engine.checkpoint.base import BaseCheckpointSaver, CheckpointRecord
from engine.config import RunnableConfig
from engine.constants import END, INTERRUPT, START
from engine.func.injection import injectable_params, injected_kwargs
from engine.func.scope import open_scope
from engine.func.values import (
    PREVIOUS,
    EntrypointProjector,
    ValueSchema,
    record_return,
)
from engine.func.values import final as Final
from engine.graph.callspec import CallSpec, is_async_callable
from engine.graph.jsonschema import json_schema
from engine.graph.spec import GraphSpec, NodeSpec
from engine.pregel.compiled import CompiledStateGraph, _Call
from engine.pregel.loop import Loop
from engine.pregel.stream import StreamProjector
from engine.pregel.task import Task, current_task
from engine.retry import RetryPolicy, as_policies
from engine.timeout import TimeoutPolicy, sync_timeout_unsupported
from engine.types import GraphOutput, StateSnapshot


class EntrypointGraph(CompiledStateGraph):
    """What `@entrypoint` makes of a function: a graph you invoke, stream, resume."""

    stream_live = True

    def __init__(self, func: Callable[..., Any], *, checkpointer: BaseCheckpointSaver | None,
                 store: Any, cache: Any, context_schema: Any,
                 retry_policy: RetryPolicy | Sequence[RetryPolicy] | None,
                 cache_policy: Any, timeout: TimeoutPolicy | None = None) -> None:
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            raise NotImplementedError("Generators are disallowed as entrypoints. ")
        node_name = getattr(func, "__name__", type(func).__name__)
        if timeout is not None and not is_async_callable(func):
            raise sync_timeout_unsupported(node_name)
        self.func = func
        self.cache = cache
        self.context_schema = context_schema
        self.cache_policy = cache_policy
        self._inject = tuple(p for p in injectable_params(func) if p.position != 0)
        self._wants_previous = "previous" in inspect.signature(func).parameters
        run = self._arun if is_async_callable(func) else self._run
        node = NodeSpec(
            name=node_name,
            call=CallSpec(run, is_async_callable(func), (), None),
            subgraph=None,
            input_schema=ValueSchema((START,)),
            triggers=(START,),
            edges=(),
            joins=(),
            branches=(),
            destinations=None,
            retry_policy=as_policies(retry_policy),
            cache_policy=cache_policy,
            timeout=timeout,
            record=record_return,
        )
        channels = ValueSchema((START, END, PREVIOUS))
        spec = GraphSpec(
            name="LangGraph",
            state=ValueSchema((END,)),
            input_schema=ValueSchema((START,)),
            output_schema=ValueSchema((END,)),
            fields=dict(channels.fields),
            start=NodeSpec(START, None, None, ValueSchema((START,)), (START,), (node_name,),
                           (), (), None),
            nodes={node_name: node},
            joins={},
            edges=((START, node_name),),
            waiting_edges=(),
            node_order=(node_name,),
            input_step=False,
        )
        # No builder: an entrypoint is made from its function, not from a StateGraph.
        super().__init__(spec, builder=None,  # type: ignore[arg-type]
                         checkpointer=checkpointer, store=store)
        self.__wrapped__ = func
        self.__name__ = node_name
        self.__doc__ = func.__doc__

    def __repr__(self) -> str:
        return f"<entrypoint {self.__name__!r}>"

    # -- the node ------------------------------------------------------------------------
    def _prepare(self) -> tuple[Task, dict[str, Any]]:
        """The entrypoint's task with a fresh scope for its calls (see `open_scope`); the
        keyword arguments the function asks for."""
        task = current_task("entrypoint")
        open_scope(task)
        kwargs = injected_kwargs(self._inject, self.func, (None,), {}, task)
        if self._wants_previous:
            # Channels change only at the step's barrier: this is the step's `previous`.
            previous = task.loop.channels[PREVIOUS]
            kwargs["previous"] = previous.value if previous.is_available() else None
        return task, kwargs

    def _run(self, input: Any) -> Any:
        task, kwargs = self._prepare()
        try:
            return self.func(input, **kwargs)
        finally:
            # The step ends when every call has: wait for those the function let go.
            scope = task.scope
            assert scope is not None
            pending = [f for f in scope.futures if isinstance(f, concurrent.futures.Future)]
            concurrent.futures.wait(pending)

    async def _arun(self, input: Any) -> Any:
        task, kwargs = self._prepare()
        try:
            return await self.func(input, **kwargs)
        finally:
            scope = task.scope
            assert scope is not None
            pending = [asyncio.wrap_future(f) if isinstance(f, concurrent.futures.Future) else f
                       for f in scope.futures if not f.done()]
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    # -- running -------------------------------------------------------------------------
    def _projector(self, call: _Call, outlet: Any, wall_start_ns: int) -> StreamProjector:
        return EntrypointProjector(call.modes, multi=call.multi, subgraphs=call.subgraphs,
                                   version=call.version, output_keys=call.output_keys,
                                   outlet=outlet, wall_start_ns=wall_start_ns)

    def _output(self, loop: Loop, call: _Call) -> Any:
        value = loop.values().get(END)
        if call.version == "v2":
            return GraphOutput(value, tuple(loop.interrupts))
        if loop.interrupts:
            if value is None:
                return {INTERRUPT: list(loop.interrupts)}
            if isinstance(value, dict):
                return {**value, INTERRUPT: list(loop.interrupts)}
        return value

    def _child_result(self, loop: Loop) -> Any:
        result = super()._child_result(loop)
        return result.get(END)

    # -- schemas -------------------------------------------------------------------------
    def _hints(self) -> dict[str, Any]:
        try:
            return typing.get_type_hints(self.func)
        except Exception:
            return {}

    def get_input_jsonschema(self, config: RunnableConfig | None = None) -> dict[str, Any]:
        """The JSON schema of the input: the first parameter's annotation."""
        params = list(inspect.signature(self.func).parameters)
        hint = self._hints().get(params[0], Any) if params else Any
        return json_schema(hint, "LangGraphInput")

    def get_output_jsonschema(self, config: RunnableConfig | None = None) -> dict[str, Any]:
        """The JSON schema of the output: the return annotation (`final[R, S]`: R)."""
        hint = self._hints().get("return", Any)
        if hint is Final:
            hint = Any
        elif typing.get_origin(hint) is Final:
            hint = typing.get_args(hint)[0]
        return json_schema(hint, "LangGraphOutput")

    def get_context_jsonschema(self) -> dict[str, Any] | None:
        if self.context_schema is None:
            return None
        return json_schema(self.context_schema, None)

    # -- state ---------------------------------------------------------------------------
    def _snapshot(self, saver: BaseCheckpointSaver, record: CheckpointRecord,
                  subgraphs: bool) -> StateSnapshot:
        snapshot = super()._snapshot(saver, record, subgraphs)
        return snapshot._replace(values=record.values.get(END))

    def update_state(self, config: RunnableConfig, values: Any, as_node: str | None = None,
                     task_id: str | None = None) -> RunnableConfig:
        """Save `values` as if the entrypoint had returned them (the next `previous`)."""
        return super().update_state(config, values, as_node or self.__name__, task_id)


class entrypoint:
    """Decorator: `@entrypoint(checkpointer=..., store=...)` makes a function a graph.

    The function takes the run's input as its one positional argument; it may also ask
    for `previous` (what the last run on the thread saved), `config`, `writer`, `store`,
    `runtime`. It returns the run's output, or `entrypoint.final(value=..., save=...)`.
    """

    final: TypeAlias = Final
    """`entrypoint.final(value=..., save=...)`: see `engine.func.values.final`."""

    def __init__(self, checkpointer: BaseCheckpointSaver | None = None, store: Any = None,
                 cache: Any = None, context_schema: Any = None, cache_policy: Any = None,
                 retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
                 timeout: float | timedelta | TimeoutPolicy | None = None,
                 **kwargs: Any) -> None:
        from engine.graph.deprecated import renamed

        context_schema = renamed(kwargs, "config_schema", "context_schema", context_schema)
        retry_policy = renamed(kwargs, "retry", "retry_policy", retry_policy)
        if kwargs:
            raise TypeError(f"entrypoint() got unexpected arguments: {sorted(kwargs)}")
        self.checkpointer = checkpointer
        self.store = store
        self.cache = cache
        self.context_schema = context_schema
        self.cache_policy = cache_policy
        self.retry_policy = retry_policy
        self.timeout = TimeoutPolicy.coerce(timeout)
        """Limits on each attempt of an async entrypoint (a sync one is refused)."""

    def __call__(self, func: Callable[..., Any]) -> EntrypointGraph:
        return EntrypointGraph(func, checkpointer=self.checkpointer, store=self.store,
                               cache=self.cache, context_schema=self.context_schema,
                               retry_policy=self.retry_policy, cache_policy=self.cache_policy,
                               timeout=self.timeout)
