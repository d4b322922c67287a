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
from engine.constants import END, START
from engine.errors import GraphInterrupt

if TYPE_CHECKING:
    from engine.graph.spec import BranchSpec
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


HIDDEN = "langsmith:hidden"
"""The tag of LangGraph's bookkeeping runs (START and its conditional edges)."""


class LangChainRuns:
    """The chain runs of one root run: graphs by loop, node runs by task."""

    def __init__(self, callbacks: Any) -> None:
        self.callbacks = callbacks
        self.graph_runs: dict[int, CallbackManagerForChainRun] = {}
        """Keyed by `id(loop)`: the graph run of each running (sub)graph."""
        self.children: dict[str, CallbackManager] = {}
        """Keyed by task id: the child manager of each running node (for subgraphs)."""
        self.nodes: dict[str, NodeRun] = {}
        """Keyed by task id: each running node's run (its branches run under it)."""
        self.starts: dict[int, tuple[CallbackManagerForChainRun, Any]] = {}
        """Keyed by `id(loop)`: the hidden `__start__` run of a graph whose START has
        conditional edges, with its output; ended before the graph's first node starts."""
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
        self._end_start(loop)
        run = self.graph_runs.pop(id(loop), None)
        if run is None:
            return
        if error is not None:
            run.on_chain_error(error)
        elif loop.status == "interrupted" and loop.parent_task is not None:
            # A subgraph's pause leaves it as GraphInterrupt, as in LangGraph.
            run.on_chain_error(GraphInterrupt(loop.interrupts))
        else:
            output = loop.output()
            if loop.spec.output_schema.kind == "value":  # an entrypoint: its return value
                output = output.get(END)
            run.on_chain_end(output)

    # -- nodes ---------------------------------------------------------------------------
    def task_enter(self, task: Task) -> NodeRun | None:
        self._end_start(task.loop)
        graph_run = self.graph_runs.get(id(task.loop))
        if graph_run is None:
            return None
        base = task.loop.config
        manager = CallbackManager.configure(
            inheritable_callbacks=graph_run.get_child(f"graph:step:{task.step}"),
            inheritable_tags=base.get("tags"),
            inheritable_metadata={**base.get("metadata", {}), **_node_metadata(task)},
        )
        policy = task.node.trace_policy
        node = NodeRun(self, task, manager, policy)
        self.children[task.id] = node.child
        self.nodes[task.id] = node
        return node

    def call_enter(self, call: Task, inputs: dict[str, Any]) -> NodeRun | None:
        """A `@task` call's chain run, under the run of the task that called it (its
        inputs: the call's arguments by parameter name, as LangGraph records them)."""
        caller = self.nodes.get(call.path[3]) if len(call.path) > 3 else None
        if caller is None:
            return None
        base = call.loop.config
        manager = CallbackManager.configure(
            inheritable_callbacks=caller.child,
            inheritable_tags=base.get("tags"),
            inheritable_metadata={**base.get("metadata", {}), **_node_metadata(call)},
        )
        node = NodeRun(self, call, manager, None, inputs)
        self.children[call.id] = node.child
        self.nodes[call.id] = node
        return node

    # -- conditional edges ---------------------------------------------------------------
    def call_branch(self, task: Task, branch: BranchSpec, state: Any) -> Any:
        """Call a path function as a chain run under its node's run, tagged with its
        place in LangGraph's node sequence (the node, its state writer, one writer per
        static edge and per join, then the branches in order)."""
        def call() -> Any:
            return task.loop.call_with_injection(branch.call, state, task)

        node = task.node
        if task.name == START:
            parent = self._start_run(task)
            first = 2  # START has no function: its input writer, then its edges
        else:
            node_run = self.nodes.get(task.id)
            parent = node_run.run if node_run is not None else None
            first = 3
        if parent is None:
            return call()
        place = (first + sum(1 for e in node.edges if e != END) + len(node.joins)
                 + node.branches.index(branch))
        fn = branch.call.fn
        name = getattr(fn, "__name__", None) or type(fn).__name__
        manager = CallbackManager.configure(
            inheritable_callbacks=parent.get_child(f"seq:step:{place}"),
            inheritable_tags=task.loop.config.get("tags"),
            local_tags=[HIDDEN] if task.name == START else None,
        )
        run = manager.on_chain_start(None, state, name="Unnamed" if name == "<lambda>" else name)
        try:
            result = call()
        except BaseException as exc:
            run.on_chain_error(exc)
            raise
        run.on_chain_end(result)
        return result

    def _start_run(self, task: Task) -> CallbackManagerForChainRun | None:
        """The hidden `__start__` run LangGraph reports when START has conditional
        edges (their path functions run under it)."""
        loop = task.loop
        held = self.starts.get(id(loop))
        if held is not None:
            return held[0]
        graph_run = self.graph_runs.get(id(loop))
        if graph_run is None:
            return None
        base = loop.config
        manager = CallbackManager.configure(
            inheritable_callbacks=graph_run.get_child(f"graph:step:{task.step}"),
            inheritable_tags=base.get("tags"),
            local_tags=[HIDDEN],
            inheritable_metadata={**base.get("metadata", {}), **_node_metadata(task)},
        )
        run = manager.on_chain_start(None, task.input, name=START)
        self.starts[id(loop)] = (run, task.input)
        return run

    def _end_start(self, loop: Loop) -> None:
        held = self.starts.pop(id(loop), None)
        if held is None:
            return
        run, output = held
        if loop.driven_async:
            _stream_to(run, output)
        run.on_chain_end(output)


class NodeRun:
    """One node's chain run, open while its task runs (`close` ends it)."""

    __slots__ = ("child", "output", "owner", "policy", "run", "token", "tracing")

    def __init__(self, owner: LangChainRuns, task: Task, manager: CallbackManager,
                 policy: Any, inputs: Any = None) -> None:
        self.owner = owner
        self.policy = policy
        self.output: Any = None
        process = policy.process_inputs if policy is not None else None
        given = task.input if inputs is None else inputs
        recorded = _processed(given, process)
        if recorded is given:
            self.run = manager.on_chain_start(None, given, name=task.name)
        else:
            real, tracers = _split(manager)
            self.run = real.on_chain_start(None, given, name=task.name)
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
        self.owner.nodes.pop(task.id, None)
        run = self.run
        if task.error is not None:
            run.on_chain_error(task.error)
            return
        if task.interrupts:
            run.on_chain_error(GraphInterrupt(task.interrupts))
            return
        output = self.output
        if task.loop.driven_async:
            _stream_to(run, output)
        process = self.policy.process_outputs if self.policy is not None else None
        recorded = _processed(output, process)
        if recorded is output:
            run.on_chain_end(output)
        else:
            real, tracers = _split(run)
            tracers.on_chain_end(recorded)
            real.on_chain_end(output)


def _node_metadata(task: Task) -> dict[str, Any]:
    """A node run's langgraph_* metadata (the `checkpoint_ns` key is for its children)."""
    metadata = task.graph_metadata()
    del metadata["checkpoint_ns"]
    return metadata


def _stream_to(run: CallbackManagerForChainRun, output: Any) -> None:
    """`output` as the run's one streamed chunk, for the handlers that want chunks."""
    for handler in run.handlers:
        if isinstance(handler, _StreamingCallbackHandler):
            for _ in handler.tap_output_iter(run.run_id, iter((output,))):
                pass


def _split(manager: Any) -> tuple[Any, Any]:
    """Two copies of `manager`: one for every handler but the tracers, one for them."""
    real, tracers = copy.copy(manager), copy.copy(manager)
    tracers.handlers = [h for h in manager.handlers if _is_tracer(h)]
    real.handlers = [h for h in manager.handlers if not _is_tracer(h)]
    return real, tracers


__all__ = ["LangChainRuns", "NodeRun"]
