"""A task: one node run (PULL, from triggers) or one Send (PUSH) in one superstep.

While a task runs, it is the "current task" of its thread or asyncio task (a
contextvar), which is how `get_config()`, `get_stream_writer()`, `interrupt()` and
subgraphs find their run.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from engine.constants import PULL
from engine.errors import GraphInterrupt
from engine.pregel.ids import interrupt_id
from engine.types import Interrupt

if TYPE_CHECKING:
    from engine.config import RunnableConfig
    from engine.graph.spec import NodeSpec
    from engine.pregel.loop import Loop


class Task:
    """Mutable record of one task; the loop owns it, the worker fills in its outcome."""

    __slots__ = (
        "_config",
        "arg",
        "attempts",
        "cached",
        "checkpoint_ns",
        "duration",
        "error",
        "hidden",
        "id",
        "input",
        "interrupt_index",
        "interrupts",
        "loop",
        "name",
        "node",
        "path",
        "paused",
        "result",
        "resume",
        "returned",
        "routes",
        "step",
        "subgraph_calls",
        "triggers",
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
        self.subgraph_calls = 0
        """How many graphs this run of the node has called (the second and later run
        under a namespace numbered after the call, as in LangGraph)."""
        self._config: RunnableConfig | None = None

    def start_retry(self) -> None:
        """Forget the failed attempt's outcome before the node runs again (its custom
        events and model calls were already announced and stay so)."""
        self.attempts += 1
        self.writes = []
        self.routes = []
        self.result = None
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

    def writer(self, payload: Any) -> None:
        """The `custom` stream writer of this task."""
        self.loop.emit_custom(self, payload)

    def next_interrupt(self, value: Any) -> Any:
        """`interrupt(value)`: the next resume value, or raise to pause the run."""
        index = self.interrupt_index
        self.interrupt_index = index + 1
        if index < len(self.resume):
            return self.resume[index]
        key = self.full_checkpoint_ns if index == 0 else f"{self.full_checkpoint_ns}|{index}"
        raise GraphInterrupt((Interrupt(value=value, id=interrupt_id(key)),))

    def __repr__(self) -> str:
        return f"Task({self.name!r}, step={self.step}, id={self.id[:8]})"


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
