"""The debugger's hook into the loop: consulted between phases, it may pause or stop.

A Controller's methods run on the thread driving the run (never the UI's). To pause,
block inside the method; to stop, raise `engine.errors.RunStopped`. Subclass and
override what you need; the base class lets everything run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.pregel.task import Task


class Controller:
    """Let-everything-run base; the debugger subclasses it."""

    def before_step(self, ns: tuple[str, ...], step: int, tasks: list[Task],
                    state: dict[str, Any]) -> None:
        """Called after a step is planned, before any of its tasks starts (`state`: the
        channel values the step reads)."""

    def before_task(self, task: Task) -> None:
        """Called before each task is started."""

    def before_retry(self, task: Task, error: BaseException) -> None:
        """Called when a node's retry policy is about to run it again after `error`
        (after the backoff wait): stopping here spares the attempts still to come."""

    def after_task(self, task: Task) -> None:
        """Called when a task has finished (its writes are not applied yet)."""

    def after_step(self, ns: tuple[str, ...], step: int, state: dict[str, Any]) -> None:
        """Called after a step's writes were applied (`state`: the channel values now)."""
