"""LangChain chain runs for a graph run with `config["callbacks"]` (needs langchain-core).

LangGraph reports a run to LangChain callbacks as a tree, and so do we:

    graph run (name: run_name or the graph's name; tags/metadata: the config's, plus
    │          metadata ls_integration="langgraph")
    └─ node run, one per task (name: the node; tag "graph:step:N"; metadata: the
       │         config's plus the task's langgraph_* keys)
       └─ whatever the node calls (chat models, tools, a subgraph's graph run) hangs
          under the node run's child manager (tag "seq:step:1"), which is also the
          `callbacks` of the node's config and of LangChain's child-config contextvar.

In a graph the async driver runs, a node's output reaches streaming handlers
(`astream_events`) as one `on_chain_stream` chunk before `on_chain_end` (LangGraph streams
nodes only there). A node's `TracePolicy` changes what tracers (`BaseTracer`)
record as its input/output; every other handler gets the real values.
"""

from __future__ import annotations

import copy
import logging
import sys
from typing import TYPE_CHECKING, Any
from uuid import UUID

from langchain_core.callbacks import CallbackManager
from langchain_core.callbacks.manager import CallbackManagerForChainRun
from langchain_core.runnables.config import _set_config_context, var_child_runnable_config
from langchain_core.tracers._streaming import _StreamingCallbackHandler
from langchain_core.tracers.base import BaseTracer
from langsmith.run_helpers import _set_tracing_context

from engine.config import run_metadata
from engine.errors import GraphInterrupt

if TYPE_CHECKING:
    from engine.pregel.loop import Loop
    from engine.pregel.task import Task

log = logging.getLogger("engine")



def _is_streaming(handler: Any) -> bool:
    """Whether `handler` wants a run's streamed output (astream_events' handler does)."""
    return isinstance(handler, _StreamingCallbackHandler)


def _is_tracer(handler: Any) -> bool:
    """Tracers get a TracePolicy's processed payloads (not the event stream's handler,
    which feeds the caller's own stream)."""
    return isinstance(handler, BaseTracer) and not _is_streaming(handler)


def _processed(value: Any, process: Any) -> Any:
    """What to record for `value`: `process(value)`, or `value` if that raises."""
    if process is None:
        return value
    try:
        return process(value)
    except Exception:
        log.exception("trace input/output processor raised; recording the real payload")
        return value


class LangChainRuns:
    """The chain runs of one root run: graphs by loop, node runs by task."""

    def __init__(self, callbacks: Any) -> None:
        self.callbacks = callbacks
        self.graph_runs: dict[int, CallbackManagerForChainRun] = {}
        """Keyed by `id(loop)`: the graph run of each running (sub)graph."""
        self.children: dict[str, CallbackManager] = {}
        """Keyed by task id: the child manager of each running node (for subgraphs)."""
        self.root: UUID | None = None

    def root_run_id(self) -> UUID | None:
        return self.root

    # -- graphs --------------------------------------------------------------------------
    def graph_start(self, loop: Loop, input: Any) -> None:
        config = loop.config
        parent = loop.parent_task
        if parent is None:
            inheritable: Any = self.callbacks
            run_id = config.get("run_id")
            metadata = run_metadata(config)
        else:
            inheritable = self.children.get(parent.id)
            if inheritable is None:  # the parent task has no node run
                return
            run_id = None
            metadata = dict(parent.config.get("metadata") or {})
        manager = CallbackManager.configure(
            inheritable_callbacks=inheritable,
            inheritable_tags=config.get("tags"),
            inheritable_metadata=metadata,
        )
        if "ls_integration" not in manager.metadata:
            manager.add_metadata({"ls_integration": "langgraph"})
        name = config.get("run_name") if parent is None else None
        run = manager.on_chain_start(
            None, input, name=name or loop.graph.get_name(),
            run_id=UUID(str(run_id)) if run_id is not None else None)
        self.graph_runs[id(loop)] = run
        if parent is None:
            self.root = run.run_id

    def graph_end(self, loop: Loop, error: BaseException | None) -> None:
        run = self.graph_runs.pop(id(loop), None)
        if run is None:
            return
        if error is not None:
            run.on_chain_error(error)
        elif loop.status == "interrupted" and loop.parent_task is not None:
            # A subgraph's pause leaves it as GraphInterrupt, as in LangGraph.
            run.on_chain_error(GraphInterrupt(loop.interrupts))
        else:
            run.on_chain_end(loop.output())

    # -- nodes ---------------------------------------------------------------------------
    def task_enter(self, task: Task) -> NodeRun | None:
        graph_run = self.graph_runs.get(id(task.loop))
        if graph_run is None:
            return None
        base = task.config
        metadata = {k: v for k, v in base.get("metadata", {}).items() if k != "checkpoint_ns"}
        manager = CallbackManager.configure(
            inheritable_callbacks=graph_run.get_child(f"graph:step:{task.step}"),
            inheritable_tags=base.get("tags"),
            inheritable_metadata=metadata,
        )
        policy = task.node.trace_policy
        node = NodeRun(self, task, manager, policy)
        self.children[task.id] = node.child
        return node


class NodeRun:
    """One node's chain run, open while its task runs (`close` ends it)."""

    __slots__ = ("child", "output", "owner", "policy", "run", "token", "tracing")

    def __init__(self, owner: LangChainRuns, task: Task, manager: CallbackManager,
                 policy: Any) -> None:
        self.owner = owner
        self.policy = policy
        self.output: Any = None
        process = policy.process_inputs if policy is not None else None
        recorded = _processed(task.input, process)
        if recorded is task.input:
            self.run = manager.on_chain_start(None, task.input, name=task.name)
        else:
            real, tracers = _split(manager)
            self.run = real.on_chain_start(None, task.input, name=task.name)
            tracers.on_chain_start(None, recorded, name=task.name, run_id=self.run.run_id)
            self.run.handlers = manager.handlers
        self.child = self.run.get_child("seq:step:1")
        if task.loop.bus.sinks and "langchain_core" in sys.modules:
            # messages mode and the recorder capture the node's models as they do
            # without callbacks.
            from engine.integrations.langchain import capture_handler

            self.child.add_handler(capture_handler(task), inherit=True)
        # The node's config names its run's child manager; never the root's run_id, which
        # whatever the node calls would take for its own.
        config = {k: v for k, v in task.config.items() if k != "run_id"}
        config["callbacks"] = self.child
        task._config = config  # type: ignore[assignment]  # the node's config names its run
        # LangChain's child config, and LangSmith's current run tree (the node's run, when
        # a LangChainTracer traces it: `get_current_run_tree()` inside the node).
        self.token, self.tracing = _set_config_context(config)  # type: ignore[arg-type]

    def close(self, task: Task) -> None:
        var_child_runnable_config.reset(self.token)
        if self.tracing is not None:
            _set_tracing_context(self.tracing)
        self.owner.children.pop(task.id, None)
        run = self.run
        if task.error is not None:
            run.on_chain_error(task.error)
            return
        if task.interrupts:
            run.on_chain_error(GraphInterrupt(task.interrupts))
            return
        output = self.output
        for handler in run.handlers if task.loop.driven_async else ():
            if isinstance(handler, _StreamingCallbackHandler):
                for _ in handler.tap_output_iter(run.run_id, iter((output,))):
                    pass
        process = self.policy.process_outputs if self.policy is not None else None
        recorded = _processed(output, process)
        if recorded is output:
            run.on_chain_end(output)
        else:
            real, tracers = _split(run)
            tracers.on_chain_end(recorded)
            real.on_chain_end(output)


def _split(manager: Any) -> tuple[Any, Any]:
    """Two copies of `manager`: one for every handler but the tracers, one for them."""
    real, tracers = copy.copy(manager), copy.copy(manager)
    tracers.handlers = [h for h in manager.handlers if _is_tracer(h)]
    real.handlers = [h for h in manager.handlers if not _is_tracer(h)]
    return real, tracers


__all__ = ["LangChainRuns", "NodeRun"]
