"""Conditional edges whose path function is async.

`algo.branch_targets` cannot await: it parks an async path function's coroutine on the
task (`task.awaiting`), and whoever recorded the task's output resolves it — the async
executor by awaiting it in the run's event loop, anyone else by running it to completion
on the spot.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.graph.spec import BranchSpec
    from engine.pregel.task import Task


def park(task: Task, branch: BranchSpec, coroutine: Any) -> None:
    """Keep an async path function's coroutine until the task's routes are resolved."""
    if task.awaiting is None:
        task.awaiting = []
    task.awaiting.append((branch, coroutine))


async def aresolve(task: Task) -> None:
    """Await the parked path functions; add their targets to the task's routes."""
    from engine.pregel.algo import branch_routes

    parked, task.awaiting = task.awaiting or [], None
    for branch, coroutine in parked:
        task.routes.extend(branch_routes(branch, await coroutine))


def resolve(task: Task) -> None:
    """Run the parked path functions to completion here (outside the run's event loop:
    a sync node's worker, the input step, `update_state`)."""
    from engine.pregel.algo import branch_routes

    parked, task.awaiting = task.awaiting or [], None
    for branch, coroutine in parked:
        task.routes.extend(branch_routes(branch, run_to_completion(coroutine)))


def run_to_completion(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """The coroutine's result: in a new event loop on this thread, or on a helper
    thread when this one already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    helper = threading.Thread(target=target, name="stepscope-async-branch")
    helper.start()
    helper.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
