"""The checkpoint record and the saver interface the loop talks to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.types import CheckpointSource, Interrupt, Send

if TYPE_CHECKING:
    from engine.config import RunnableConfig


@dataclass
class PendingTask:
    """The outcome of one task of a step that did not complete (interrupt or error)."""

    name: str
    writes: list[tuple[str, Any]] = field(default_factory=list)
    routes: list[Any] = field(default_factory=list)
    result: dict[str, Any] | None = None
    error: str | None = None
    interrupts: tuple[Interrupt, ...] = ()
    resume: list[Any] = field(default_factory=list)
    done: bool = False
    failed_with: BaseException | None = None
    """The node's own error, when its error handler is what failed (or paused)."""


@dataclass
class CheckpointRecord:
    """A thread's state after one step: values, what runs next, and outcomes so far."""

    thread_id: str
    checkpoint_ns: str
    id: str
    parent_id: str | None
    created_at: str
    step: int
    source: CheckpointSource
    values: dict[str, Any]
    triggered: tuple[str, ...]
    sends: tuple[Send, ...]
    barriers: dict[str, frozenset[str]]
    next_tasks: tuple[tuple[str, str, tuple[Any, ...]], ...]
    """(task id, node name, path) of the tasks planned from this checkpoint."""
    parents: dict[str, str] = field(default_factory=dict)
    writers: tuple[str, ...] = ()
    """The nodes whose writes made this checkpoint (for an input checkpoint: those of
    the one before it); `update_state` without `as_node` updates as the last writer."""
    pending: dict[str, PendingTask] = field(default_factory=dict)
    breakpoint_done: bool = False
    """An interrupt_before stop already happened for the planned step."""
    subgraph_ns: dict[str, str] = field(default_factory=dict)
    """task id → checkpoint_ns of the subgraph that task runs."""
    results: dict[str, Any] = field(default_factory=dict)
    """task id → what that task wrote, once the step planned here has run."""
    deferred: tuple[str, ...] = ()
    """Deferred nodes triggered but held back until nothing else is left to run."""
    fork: dict[str, Any] | None = None
    """For a checkpoint seeded by `engine.pregel.fork` (source "fork"): the run and
    step it branches from, `{"run_id", "step"}`; the branch's run_start names them."""

    def config(self) -> RunnableConfig:
        return {
            "configurable": {
                "thread_id": self.thread_id,
                "checkpoint_ns": self.checkpoint_ns,
                "checkpoint_id": self.id,
            }
        }


class BaseCheckpointSaver:
    """Interface: keep checkpoint records per (thread, namespace), newest last."""

    def put(self, record: CheckpointRecord) -> None:
        raise NotImplementedError

    def get(
        self, thread_id: str, ns: str, checkpoint_id: str | None = None
    ) -> CheckpointRecord | None:
        raise NotImplementedError

    def history(self, thread_id: str, ns: str) -> list[CheckpointRecord]:
        raise NotImplementedError

    def delete_thread(self, thread_id: str) -> None:
        raise NotImplementedError
