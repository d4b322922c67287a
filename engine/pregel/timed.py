"""One attempt of an async task under its node's `TimeoutPolicy` (see `engine.timeout`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.timeout import AttemptClock, run_timed

if TYPE_CHECKING:
    from engine.pregel.loop import Loop
    from engine.pregel.task import Task


async def timed_attempt(loop: Loop, task: Task) -> Any:
    """Run the attempt with fresh progress marks: the task's writes, model tokens and
    `runtime.heartbeat()` touch them while it runs."""
    policy = task.timeout
    assert policy is not None
    task.marks = AttemptClock(policy)
    task.reset_runtime()  # its heartbeat is this attempt's
    try:
        return await run_timed(task.name, policy, task.marks, lambda: loop._acall(task))
    finally:
        task.marks = None
