"""The functional API's calls: a `@task` called inside a running task becomes a task of
the same step (a PUSH task), run at once beside its caller and reported on the bus.

A `CallScope` is shared by an entrypoint's run of one step and every call made in it:
it numbers each caller's calls (so a call's task id is the same when the entrypoint
runs again after an interrupt, and its saved result is replayed instead of rerun),
holds the resume values no interrupt took yet, and keeps the calls' futures so the
caller's task ends only after all of them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from engine.checkpoint.base import PendingTask
from engine.constants import PUSH
from engine.errors import GraphInterrupt
from engine.events import Event, new_event
from engine.pregel.ids import task_id

if TYPE_CHECKING:
    from engine.graph.spec import NodeSpec
    from engine.pregel.loop import Loop
    from engine.pregel.task import Task

RETURN = "__return__"
"""The channel name a call's return value is written to (as LangGraph names it)."""


class CallScope:
    """Shared by one entrypoint attempt (or one graph node) and the calls made inside it."""

    def __init__(self, loop: Loop, fresh_resume: list[Any] | None = None) -> None:
        self.loop = loop
        self._lock = threading.Lock()
        self._fresh = list(fresh_resume or ())
        self._counters: dict[str, int] = {}
        self.futures: list[Any] = []
        """Every call's future, in call order (the caller waits for all before it ends)."""

    def take_resume(self) -> list[Any]:
        """The next resume value nobody took yet, as a 1-list (empty: none left)."""
        with self._lock:
            return [self._fresh.pop(0)] if self._fresh else []

    def new_call(self, parent: Task, node: NodeSpec, args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> Task:
        """The task for `parent`'s next call of `node`: numbered in call order."""
        from engine.pregel.task import Task

        with self._lock:
            index = self._counters.get(parent.id, 0)
            self._counters[parent.id] = index + 1
        tid = task_id(parent.id, (PUSH, node.name, str(index)))
        call = Task(self.loop, node, tid, (PUSH, parent.path, index, parent.id), (PUSH,),
                    parent.step, arg=(args, kwargs))
        call.input = (args, kwargs)
        call.scope = self
        return call

    def track(self, future: Any) -> None:
        with self._lock:
            self.futures.append(future)


def open_scope(task: Task) -> CallScope:
    """A new scope for `task`'s calls (an entrypoint's run, or a graph node that calls
    tasks). Resume values beyond those its own interrupts took in earlier runs go to
    the scope, so the first interrupt to ask for one gets it, in a call or not."""
    current = task.loop.cp.current
    saved = current.pending.get(task.id) if current is not None else None
    # Its own: answers of earlier runs, and any its interrupts took already in this one
    # (a graph node may ask before its first call opens the scope).
    own = max(len(saved.resume) if saved is not None else 0, task.interrupt_index)
    fresh = task.resume[own:]
    task.resume = task.resume[:own]
    scope = task.scope = CallScope(task.loop, fresh)
    return scope


def saved_call(task: Task) -> PendingTask | None:
    """What an earlier run of this step saved for the call `task`, if anything."""
    current = task.loop.cp.current
    if current is None:
        return None
    return current.pending.get(task.id)


def event_path(task: Task) -> tuple[Any, ...]:
    """A call's path as events show it: `(PUSH, index)`, the shape a Send's path has and
    traces store (the task's own path nests its caller's, as LangGraph's does)."""
    return (PUSH, task.path[2])


def announce_start(task: Task, caller: str) -> None:
    loop = task.loop
    bus = loop.bus
    dispatch = bus.dispatch
    if dispatch is not None:
        dispatch(new_event(Event, ("task_start", next(bus.counter), bus.clock_ns() - bus.t0,
                                   loop.ns, task.step,
                                   {"task_id": task.id, "name": task.name,
                                    "triggers": task.triggers, "path": event_path(task),
                                    "input": task.input, "caller": caller})))


def finish_call(task: Task, cached: bool = False) -> None:
    """A call ended: keep its outcome on the step's checkpoint and announce it."""
    loop = task.loop
    current = loop.cp.current
    if current is not None:
        if task.interrupts:
            current.pending[task.id] = PendingTask(task.name, interrupts=task.interrupts,
                                                   resume=list(task.resume))
        elif task.error is None:
            current.pending[task.id] = PendingTask(task.name, writes=list(task.writes),
                                                   result=task.result, done=True)
    bus = loop.bus
    dispatch = bus.dispatch
    if dispatch is not None:
        data = {
            "task_id": task.id, "name": task.name, "path": event_path(task),
            "result": task.result, "writes": task.writes, "error": task.error,
            "interrupts": task.interrupts, "duration": task.duration,
            "hidden": False, "returned": task.returned, "call": True,
        }
        if task.attempts != 1:
            data["attempts"] = task.attempts
        if cached:
            data["cached"] = True
        dispatch(new_event(Event, ("task_end", next(bus.counter), bus.clock_ns() - bus.t0,
                                   loop.ns, task.step, data)))


def record_value(task: Task, value: Any) -> None:
    task.result = value
    task.writes = [(RETURN, value)]
    task.returned = True


def record_failure(task: Task, exc: BaseException) -> BaseException:
    """Note how a call failed; return what its future raises."""
    if isinstance(exc, GraphInterrupt):
        task.interrupts = tuple(exc.interrupts)
        return GraphInterrupt(task.interrupts)
    task.error = exc
    return exc
