"""Error handler tasks: when a node with an error handler fails for good (its retries
spent), a task of the handler node runs in the same step in its place.

As in LangGraph 1.2.22 (observed): the handler gets the failed task's input and, by a
parameter typed `NodeError`, the node's name and exception; its update and its
`Command(goto=...)` stand for the node's (the node's own edges do not fire); a failing
handler fails the run. Interrupts, parent commands, drains and stops are not failures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.errors import GraphBubbleUp, NodeError, RunStopped
from engine.pregel.ids import task_id
from engine.pregel.task import Task

if TYPE_CHECKING:
    from engine.pregel.loop import Loop

ERROR_ROUTE = "__error__"
"""The task-id part that tells a handler task from the node task it replaces."""


def handler_task(loop: Loop, failed: Task) -> Task | None:
    """The handler task to run for `failed`, or None when its failure is final."""
    error = failed.error
    name = failed.node.error_handler
    if name is None or error is None or failed.hidden:
        return None
    if isinstance(error, (GraphBubbleUp, RunStopped)):
        return None
    node = loop.spec.nodes[name]
    step = failed.step
    tid = task_id(loop.task_checkpoint_id,
                  (loop.ns_prefix + name, str(step), name, ERROR_ROUTE, failed.id))
    handler = Task(loop, node, tid, failed.path, failed.triggers, step, failed.arg)
    handler.input = (node.input_schema.node_input(loop.snapshot)
                     if failed.is_pull and failed.arg is None else failed.input)
    handler.node_error = NodeError(failed.name, error)
    handler.origin = failed
    failed.handled_by = handler
    return handler


def start_data(handler: Task) -> dict[str, Any]:
    """The handler's task_start event data (`handles`: the failed task's id)."""
    origin = handler.origin
    return {"task_id": handler.id, "name": handler.name, "triggers": handler.triggers,
            "path": handler.path, "input": handler.input,
            "handles": origin.id if origin is not None else None}
