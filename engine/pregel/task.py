"""A task: one node run (PULL, from triggers) or one Send (PUSH) in one superstep.

While a task runs, it is the "current task" of its thread or asyncio task (a
contextvar), which is how `get_config()`, `get_stream_writer()`, `interrupt()` and
subgraphs find their run.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from engine.constants import PULL
from engine.errors import GraphInterrupt, NodeError
from engine.pregel.ids import interrupt_id
from engine.runtime import ExecutionInfo, RunControl, Runtime, server_info_from
from engine.timeout import AttemptClock, TimeoutPolicy
from engine.types import Interrupt

if TYPE_CHECKING:
    from engine.config import RunnableConfig
    from engine.func.scope import CallScope
    from engine.graph.spec import NodeSpec
    from engine.pregel.loop import Loop


class Task:
    """Mutable record of one task; the loop owns it, the worker fills in its outcome."""

    __slots__ = (
        "_config",
        "_runtime",
        "arg",
        "attempts",
        "awaiting",
        "cached",
        "checkpoint_ns",
        "duration",
        "error",
        "handled_by",
        "hidden",
        "id",
        "input",
        "interrupt_index",
        "interrupts",
        "loop",
        "marks",
        "name",
        "node",
        "node_error",
        "origin",
        "path",
        "paused",
        "prior_error",
        "result",
        "resume",
        "returned",
        "routes",
        "scope",
        "started_ns",
        "step",
        "subgraph_calls",
        "timeout",
        "triggers",
        "update_view",
        "writes",
    )

    def __init__(
        self,
        loop: Loop,
        node: NodeSpec,
        task_id: str,
        path: tuple[Any, ...],
        triggers: tuple[str, ...],
        step: int,
        arg: Any = None,
    ) -> None:
        self.loop = loop
        self.node = node
        self.name = node.name
        self.id = task_id
        self.path = path
        self.triggers = triggers
        self.step = step
        self.arg = arg
        self.input: Any = None
        self.checkpoint_ns = f"{self.name}:{task_id}"
        self.writes: list[tuple[str, Any]] = []
        self.routes: list[Any] = []
        self.result: dict[str, Any] | None = None
        self.update_view: Any = None
        """What the `updates` stream shows when it is not `result` (a list of updates,
        a single-value state's update); see `engine.pregel.updates`."""
        self.awaiting: list[tuple[Any, Any]] | None = None
        """Coroutines of async path functions, until resolved (`async_branches`)."""
        self.error: BaseException | None = None
        self.interrupts: tuple[Interrupt, ...] = ()
        self.paused = False
        """The node paused the run: an interrupt, or a subgraph stopped at a breakpoint
        (which pauses with no interrupt value)."""
        self.resume: list[Any] = []
        self.interrupt_index = 0
        self.duration = 0
        self.hidden = False
        self.cached = False
        self.returned = False
        """The node returned a valid update (routing may still fail after it)."""
        self.attempts = 1
        """How many times the node ran (more than 1 when its retry policy reran it)."""
        self.handled_by: Task | None = None
        """The error handler task that runs in this failed task's place."""
        self.origin: Task | None = None
        """For an error handler task: the failed task it stands for."""
        self.node_error: NodeError | None = None
        """For an error handler task: what it handles (injected as `NodeError`)."""
        self.timeout: TimeoutPolicy | None = node.timeout
        """Limits on each attempt: the node's, or the Send's that made the task."""
        self.marks: AttemptClock | None = None
        """Progress marks of the attempt in progress, when it is timed."""
        self.prior_error: BaseException | None = None
        """The error this task failed with before a resume: it fails again at once (its
        error handler runs; the node does not)."""
        self.subgraph_calls = 0
        """How many graphs this run of the node has called (the second and later run
        under a namespace numbered after the call, as in LangGraph)."""
        self._config: RunnableConfig | None = None
        self._runtime: Runtime[Any] | None = None
        self.started_ns = 0
        """When the first attempt started (the clock's monotonic ns)."""
        self.scope: CallScope | None = None
        """The functional API's calls made by (or inside) this task; None until it
        calls a `@task` or runs an `@entrypoint` (see `engine.func`)."""

    def start_retry(self) -> None:
        """Forget the failed attempt's outcome before the node runs again (its custom
        events and model calls were already announced and stay so)."""
        self.attempts += 1
        self._runtime = None  # its execution info names the attempt
        self.writes = []
        self.routes = []
        self.result = None
        self.update_view = None
        self.error = None
        self.interrupts = ()
        self.paused = False
        self.hidden = False
        self.returned = False
        self.interrupt_index = 0
        self.subgraph_calls = 0

    @property
    def is_pull(self) -> bool:
        return self.path[0] == PULL

    @property
    def ns(self) -> tuple[str, ...]:
        """The namespace of graphs this task runs inside it."""
        return (*self.loop.ns, self.checkpoint_ns)

    @property
    def full_checkpoint_ns(self) -> str:
        return "|".join(self.ns)

    def graph_metadata(self) -> dict[str, Any]:
        """The langgraph_* keys LangGraph puts in a task's config metadata and in
        messages-mode metadata, in LangGraph's order."""
        checkpoint_ns = self.full_checkpoint_ns
        return {
            "langgraph_step": self.step,
            "langgraph_node": self.name,
            "langgraph_triggers": self.triggers,
            "langgraph_path": self.path,
            "langgraph_checkpoint_ns": checkpoint_ns,
            "checkpoint_ns": checkpoint_ns.split("|", 1)[0],
        }

    @property
    def config(self) -> RunnableConfig:
        """The node's config, built on first use (most nodes never ask)."""
        if self._config is None:
            self._config = self.loop.task_config(self)
        return self._config

    def reset_runtime(self) -> None:
        self._runtime = None

    @property
    def runtime(self) -> Runtime[Any]:
        """The node's `Runtime`, built on first use (most nodes never ask)."""
        if self._runtime is None:
            self._runtime = _make_runtime(self)
        return self._runtime

    def writer(self, payload: Any) -> None:
        """The `custom` stream writer of this task."""
        if self.marks is not None:
            self.marks.progress()
        self.loop.emit_custom(self, payload)

    def next_interrupt(self, value: Any) -> Any:
        """`interrupt(value)`: the next resume value, or raise to pause the run."""
        index = self.interrupt_index
        self.interrupt_index = index + 1
        if index < len(self.resume):
            return self.resume[index]
        scope = self.scope
        if scope is not None:  # a resume value no interrupt of the entrypoint took yet
            taken = scope.take_resume()
            if taken:
                self.resume.append(taken[0])
                return taken[0]
        key = self.full_checkpoint_ns if index == 0 else f"{self.full_checkpoint_ns}|{index}"
        raise GraphInterrupt((Interrupt(value=value, id=interrupt_id(key)),))

    def __repr__(self) -> str:
        return f"Task({self.name!r}, step={self.step}, id={self.id[:8]})"


def _make_runtime(task: Task) -> Runtime[Any]:
    loop = task.loop
    run = loop.run
    if run.control is None:  # LangGraph hands every run a control; made when first asked
        run.control = RunControl()
    configurable = loop.config.get("configurable") or {}
    run_id = loop.config.get("run_id")
    first_attempt_ns = run.wall_start_ns + (task.started_ns - run.bus.t0)
    info = ExecutionInfo(
        checkpoint_id=loop.task_checkpoint_id,
        checkpoint_ns=task.full_checkpoint_ns,
        task_id=task.id,
        thread_id=configurable.get("thread_id"),
        run_id=None if run_id is None else str(run_id),
        node_attempt=task.attempts,
        node_first_attempt_time=first_attempt_ns / 1e9,
    )
    # A heartbeat only for a timed attempt (otherwise the default no-op).
    timed = {"heartbeat": task.marks.heartbeat} if task.marks is not None else {}
    return Runtime(context=run.context, store=loop.store, stream_writer=task.writer,
                   execution_info=info, **timed, server_info=server_info_from(configurable),
                   control=run.control)


_current: ContextVar[Task | None] = ContextVar("stepscope_task", default=None)


def current_task(what: str) -> Task:
    """The running task, or the RuntimeError LangGraph raises outside a run."""
    task = _current.get()
    if task is None:
        raise RuntimeError("Called get_config outside of a runnable context")
    return task


def set_current(task: Task | None) -> Any:
    return _current.set(task)


def reset_current(token: Any) -> None:
    _current.reset(token)


def peek_current() -> Task | None:
    return _current.get()
