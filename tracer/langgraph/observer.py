"""`LoopObserver`: one LangGraph Pregel loop (a root run or a subgraph run) → events.

It is attached to a loop by `tracer.langgraph.patch` once the loop has loaded its
checkpoint, and sees the loop through four of its own steps, wrapped on that loop
object only: `tick` (a superstep's tasks were planned), `put_writes` (a task finished:
the runner hands every finished task's writes there, an error or an interrupt
included), `accept_push` (a task started mid-step by `Send`/`call`), and `after_tick`
(the step's writes were applied). The end of the run is a callback on the loop's own
exit stack. The events are the engine's (engine/events.py), so the tracer's writer,
reader and viewer need nothing else.

State is read from LangGraph's channels after LangGraph applied the step, so the state
recorded for a step is what LangGraph's `values` stream shows for it, not a re-derived
copy. Nothing here changes what the loop does: each wrapper calls the loop's own method
with the same arguments and returns its result, and any failure of ours is swallowed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from engine.errors import RunStopped
from engine.events import EventBus, global_sinks
from engine.version import VERSION
from tracer.langgraph.topology import Topology, describe

# LangGraph's internal channel and config names (stable within the supported versions,
# which `tracer.langgraph.check_version` enforces).
PULL, PUSH = "__pregel_pull", "__pregel_push"
ERROR, INTERRUPT, RETURN = "__error__", "__interrupt__", "__return__"
TASK_ID_KEY = "__pregel_task_id"
TAG_HIDDEN = "langsmith:hidden"
"""LangGraph's tag for its own bookkeeping tasks (the `__start__` task that maps a run's
input into the state): its streams leave them out, and so does the trace, which shows
their writes as the step's changes, as it shows an engine run's input."""
CONF = "configurable"
_HIDDEN_CONF = {"checkpoint_ns", "checkpoint_id", "checkpoint_map"}

class Control:
    """What the next recorded root run starts with when a debugger drives it
    (`tracer.langgraph.debugging`): its Controller, and the fork it is, if one. The
    controller's task hooks get `TaskView`s, which have the fields of the engine's Task
    that a debugger reads (not its methods)."""

    controller: Any = None
    fork: dict[str, Any] | None = None
    clock_ns: Callable[[], int] | None = None
    """The run's clock (a debugger's stands still while paused); else perf_counter."""


class TaskView:
    """A LangGraph task as the Controller's hooks read it (the engine's Task fields)."""

    __slots__ = ("attempts", "error", "hidden", "id", "interrupts", "loop", "name", "step")

    def __init__(self, observer: LoopObserver, task_id: str, name: str, step: int,
                 error: BaseException | None = None, interrupts: tuple[Any, ...] = ()) -> None:
        self.loop = observer  # `.ns`, as the engine's task.loop
        self.id, self.name, self.step = task_id, name, step
        self.error, self.interrupts = error, interrupts
        self.hidden = False
        self.attempts = 1


tasks_running: dict[str, LoopObserver] = {}
"""Task id → the observer of the loop running it, while it runs: a subgraph's loop finds
its parent run here (its config names the task that runs it), whatever the thread or
event loop, and a stream writer finds the run of the task that writes."""


def _read(channels: Any, key: str) -> tuple[bool, Any]:
    channel = channels.get(key)
    if channel is None or not channel.is_available():
        return False, None
    return True, channel.get()


def _task_path(path: tuple[Any, ...]) -> tuple[Any, ...]:
    """The path as the trace stores it: a PUSH task's second item must be its index (the
    order its writes apply in). A `Send` path already is `(PUSH, index)`; a functional
    API `call` path nests its parent's path there, so its write index is used."""
    if path and path[0] == PUSH and not isinstance(path[1], int):
        index = path[2] if len(path) > 2 and isinstance(path[2], int) else 0
        return (PUSH, index)
    return tuple(path[:3])


class LoopObserver:
    """Turns one Pregel loop's transitions into events on its root run's bus."""

    def __init__(self, loop: Any, graph: Any, parent: LoopObserver | None,
                 parent_task: str | None) -> None:
        self.loop = loop
        if parent is not None:
            self.bus: EventBus = parent.bus
        else:
            self.bus = EventBus(global_sinks(), Control.clock_ns or time.perf_counter_ns)
        self.ns: tuple[str, ...] = tuple(loop.checkpoint_ns)
        self.graph = graph
        # The keys from the graph's topology map, computed once per graph and kept
        # (the run_start records the same map).
        self.keys: list[str] = describe(graph)["state_keys"] if graph is not None else []
        self.key_set = frozenset(self.keys)
        self.parent_task = parent_task
        self.controller: Any = parent.controller if parent is not None else Control.controller
        self.fork = Control.fork if parent is None else None
        self.step = loop.step
        self.started: dict[str, int] = {}
        self.attempts: dict[str, int] = {}
        self._in_after_tick = False
        self._pending_checkpoint: tuple[Any, Any] | None = None
        self.t0 = self.bus.clock_ns()
        self.wall_start_ns = time.time_ns()
        # The loop's own methods, called by the wrappers (bound before they are shadowed).
        self._tick = loop.tick
        self._after_tick = loop.after_tick
        self._put_writes = loop.put_writes
        self._accept_push = getattr(loop, "accept_push", None)
        self._put_checkpoint = getattr(loop, "_put_checkpoint", None)
        self._aaccept_push = getattr(loop, "aaccept_push", None)

    # -- helpers -----------------------------------------------------------------------
    def _emit(self, kind: str, step: int, data: dict[str, Any]) -> None:
        self.bus.emit(kind, self.ns, step, data)

    def state(self) -> dict[str, Any]:
        out = {}
        channels = self.loop.channels
        for key in self.keys:
            present, value = _read(channels, key)
            if present:
                out[key] = value
        return out

    def attach(self) -> None:
        """Shadow the loop's methods with ours, on this loop object only."""
        loop = self.loop
        loop.tick = self.tick
        loop.after_tick = self.after_tick
        loop.put_writes = self.put_writes  # a bound method: the runner holds a WeakMethod
        if self._accept_push is not None:
            loop.accept_push = self.accept_push
        if self._aaccept_push is not None:
            loop.aaccept_push = self.aaccept_push
        if self._put_checkpoint is not None and getattr(loop, "checkpointer", None):
            loop._put_checkpoint = self.put_checkpoint
        loop.stack.push(self.exit)

    # -- run start (before LangGraph applies the input) --------------------------------
    def run_start(self) -> None:
        loop = self.loop
        config = loop.config
        configurable = {k: v for k, v in config.get(CONF, {}).items()
                        if k not in _HIDDEN_CONF and not k.startswith("__")}
        run_id = getattr(loop.manager, "run_id", None)
        inp = loop.input
        self.start_state = self.state()
        resumed = bool(loop.checkpoint.get("channel_versions")) and (
            inp is None or type(inp).__name__ == "Command")
        self._emit("run_start", self.step, {
            "run_id": str(run_id) if run_id is not None else os.urandom(16).hex(),
            "graph": Topology(self.graph), "input": inp,
            "config": {"tags": config.get("tags", []), "metadata": dict(config.get("metadata", {})),
                       "recursion_limit": config.get("recursion_limit"),
                       "configurable": configurable},
            "state": self.start_state, "state_keys": tuple(self.keys), "resumed": resumed,
            "parent": self.parent_task, "wall_start_ns": self.wall_start_ns,
            "fork": self.fork,
            "engine_version": _engine_version(), "python": _PYTHON, "pid": os.getpid(),
        })
        if resumed and self.parent_task is None and getattr(loop, "checkpointer", None):
            # The checkpoint it goes on from, re-announced as the engine does: how a run
            # follows from the thread's earlier runs (tracer.threads) is read from it.
            try:
                self._checkpoint(loop.checkpoint_config, loop.prev_checkpoint_config)
            except Exception:
                pass

    def input_applied(self) -> None:
        """After LangGraph applied the input (or a resume's `Command(update=...)`): the
        keys whose value changed, as the run's first step_end."""
        before = self.start_state
        changes = {k: v for k, v in self.state().items()
                   if k not in before or before[k] is not v}
        self.step = self.loop.step
        if changes:
            # No task wrote these, so the writer stores each as its value ("s").
            self._emit("step_end", self.step - 1 if self.step > 0 else 0, {
                "changes": changes, "writes": {k: [v] for k, v in changes.items()},
                "wrote": True})

    # -- steps and tasks ---------------------------------------------------------------
    def tick(self) -> bool:
        more = self._tick()
        if not more:
            return more
        tasks: list[Any] = []
        try:
            loop = self.loop
            self.step = step = loop.step
            tasks = [t for t in loop.tasks.values() if not _hidden(t)]
            if not tasks:
                return more
            self._emit("step_start", step, {"task_ids": [t.id for t in tasks],
                                            "names": [t.name for t in tasks]})
            for task in tasks:
                self._task_start(task, step)
                if task.writes:  # reapplied on resume or cached: it does not run again
                    self._task_end(task.id, list(task.writes))
        except Exception:  # recording never breaks the run
            pass
        controller = self.controller
        if controller is not None and tasks:
            # A debugger's pauses (RunStopped ends the run here, in the loop's thread).
            # Every "before" pause of a step comes before LangGraph submits its tasks.
            fresh = [t for t in tasks if not t.writes]
            controller.before_step(self.ns, self.step, fresh, self.state())
            for task in fresh:
                controller.before_task(TaskView(self, task.id, task.name, self.step))
        return more

    def _task_start(self, task: Any, step: int, caller: str | None = None) -> None:
        path = _task_path(task.path)
        tasks_running[task.id] = self
        self.started[task.id] = self.bus.clock_ns()
        data = {"task_id": task.id, "name": task.name, "triggers": tuple(task.triggers),
                "path": path, "input": task.input if path[0] == PUSH else None}
        if caller is not None:
            data["caller"] = caller
        self._emit("task_start", step, data)

    def accept_push(self, task: Any, write_idx: int, call: Any = None) -> Any:
        assert self._accept_push is not None
        pushed = self._accept_push(task, write_idx, call)
        self._pushed(pushed, task)
        return pushed

    async def aaccept_push(self, task: Any, write_idx: int, call: Any = None) -> Any:
        assert self._aaccept_push is not None
        pushed = await self._aaccept_push(task, write_idx, call)
        self._pushed(pushed, task)
        return pushed

    def _pushed(self, task: Any, caller: Any) -> None:
        """`task` was started by `caller` while the step ran (a functional-API call)."""
        if task is None or _hidden(task):
            return
        try:
            self._task_start(task, self.step, getattr(caller, "name", None))
            if task.writes:  # it ran before this resume: LangGraph reuses its result
                self._task_end(task.id, list(task.writes))
                return
        except Exception:
            pass
        if self.controller is not None:
            self.controller.before_task(TaskView(self, task.id, task.name, self.step))

    def put_writes(self, task_id: str, writes: Any, *, cached: bool = False) -> None:
        self._put_writes(task_id, writes, cached=cached)
        if task_id not in self.started:
            return
        view = None
        try:
            view = self._task_end(task_id, list(writes))
        except Exception:
            pass
        if view is not None:  # (only with a controller)
            try:
                self.controller.after_task(view)
            except RunStopped:
                pass  # a task's writes are in: the loop's own thread stops at its next hook

    def put_checkpoint(self, metadata: Any) -> None:
        """LangGraph saves (or, with durability="exit", only makes) a checkpoint: a saved
        one is recorded, with its id, so a fork can start from it later."""
        assert self._put_checkpoint is not None
        before = self.loop.checkpoint_config
        self._put_checkpoint(metadata)
        try:
            after = self.loop.checkpoint_config
            if after is not before:
                saved = (after, self.loop.prev_checkpoint_config)
                if self._in_after_tick:
                    self._pending_checkpoint = saved  # after the step_end, as the engine
                else:
                    self._checkpoint(*saved)
        except Exception:
            pass

    def _checkpoint(self, config: Any, parent: Any) -> None:
        wanted = ("thread_id", "checkpoint_ns", "checkpoint_id")
        own = {k: v for k, v in config.get(CONF, {}).items() if k in wanted}
        meta = self.loop.checkpoint_metadata or {}
        self._emit("checkpoint", meta.get("step", self.step), {
            "config": {CONF: own},
            "parent_config": ({CONF: {k: v for k, v in parent.get(CONF, {}).items()
                                      if k in wanted}} if parent else None),
            "metadata": {"source": meta.get("source"), "step": meta.get("step"),
                         "parents": dict(meta.get("parents") or {})},
            "next": None})

    def retrying(self, task_id: str, attempt: int) -> None:
        """LangGraph's retry policy runs the task again: `attempt` (2, 3, …) is about
        to start (its task_end then says how many ran)."""
        self.attempts[task_id] = attempt

    def custom(self, task_id: str, name: str | None, payload: Any) -> None:
        """A chunk a task wrote with its stream writer."""
        self._emit("custom", self.step, {"task_id": task_id, "name": name,
                                         "payload": payload})

    def _task_end(self, task_id: str, writes: list[tuple[str, Any]]) -> TaskView | None:
        start = self.started.pop(task_id, None)
        tasks_running.pop(task_id, None)
        task = self.loop.tasks.get(task_id)
        if start is None or task is None:
            return None
        keys = self.key_set
        # A functional-API task's return value is its write to RETURN: kept, as what
        # the task produced (LangGraph's `updates` shows it); no state key has that name.
        state_writes: list[tuple[str, Any]] = []
        error: Any = None
        found: list[Any] = []
        for write in writes:  # one pass: this runs for every task
            channel = write[0]
            if channel in keys or channel == RETURN:
                state_writes.append(write)
            elif channel == ERROR:
                if error is None:
                    error = write[1]
            elif channel == INTERRUPT:
                value = write[1]
                found.extend(value if isinstance(value, (list, tuple)) else (value,))
        interrupts = tuple(found)
        data = {
            "task_id": task_id, "name": task.name, "path": _task_path(task.path),
            "result": dict(state_writes) if state_writes else None, "writes": state_writes,
            "error": error, "interrupts": interrupts,
            "duration": self.bus.clock_ns() - start, "hidden": False,
            "returned": error is None and not interrupts}
        attempts = self.attempts.pop(task_id, 1)
        if attempts > 1:
            data["attempts"] = attempts
        self._emit("task_end", self.step, data)
        if self.controller is None:
            return None  # no debugger to hand the task to
        return TaskView(self, task_id, task.name, self.step,
                        error if isinstance(error, BaseException) else None, interrupts)

    def after_tick(self) -> None:
        self._in_after_tick = True
        try:
            self._after_tick()
        finally:
            self._in_after_tick = False
            # Also when after_tick raises GraphInterrupt for an interrupt_after
            # breakpoint: the step's writes were applied before it raised.
            try:
                self._step_end()
                if self._pending_checkpoint is not None:
                    self._checkpoint(*self._pending_checkpoint)
            except Exception:
                pass
            self._pending_checkpoint = None
        if self.controller is not None:
            self.controller.after_step(self.ns, self.step, self.state())

    def _step_end(self) -> None:
        loop = self.loop
        updated = loop.updated_channels
        if updated is None or getattr(loop, "_stepscope_step_done", None) == self.step:
            return
        loop._stepscope_step_done = self.step
        changes: dict[str, Any] = {}
        channels = loop.channels
        for key in self.keys:
            if key in updated:
                present, value = _read(channels, key)
                if present:
                    changes[key] = value
        writes: dict[str, list[Any]] = {k: [] for k in changes}
        tasks = loop.tasks.values()
        bypassed = set()
        for task in (sorted(tasks, key=_apply_order) if len(tasks) > 1 else tasks):
            for channel, value in task.writes:
                if channel in writes:
                    writes[channel].append(value)
                    if type(value).__name__ == "Overwrite":
                        bypassed.add(channel)
        for key in bypassed:
            # A reducer bypassed: the reader could not replay it from the writes, so the
            # writer must store the new value ("s"); an empty list says so.
            writes[key] = []
        self._emit("step_end", self.step, {"changes": changes, "writes": writes,
                                           "wrote": bool(changes)})

    # -- run end -----------------------------------------------------------------------
    def exit(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        """A callback on the loop's exit stack: never suppresses the exception."""
        try:
            self._run_end(exc)
        except Exception:
            pass
        # Give the loop its own methods back: the shadows made a cycle (loop → bound
        # method → observer → loop) that would keep the run's objects alive until the
        # cyclic garbage collector ran, which costs every program more time.
        state = self.loop.__dict__
        for name in ("tick", "after_tick", "put_writes", "accept_push", "aaccept_push",
                     "_put_checkpoint"):
            state.pop(name, None)

    def _run_end(self, exc: BaseException | None) -> None:
        loop = self.loop
        for task_id in list(self.started):  # tasks that never handed in writes
            tasks_running.pop(task_id, None)
        interrupts: tuple[Any, ...] = ()
        error: Any = None
        name = type(exc).__name__ if exc is not None else ""
        if exc is None:
            status = {"out_of_steps": "error", "draining": "stopped"}.get(loop.status, "done")
            if loop.status == "out_of_steps":
                error = RecursionError(
                    f"Recursion limit of {loop.config.get('recursion_limit')} reached")
        elif name in ("GraphInterrupt", "NodeInterrupt"):
            status = "interrupted"
            interrupts = tuple(exc.args[0]) if exc.args and exc.args[0] else ()
            self._emit("interrupt", self.step, {
                "interrupts": interrupts,
                "static": loop.status in ("interrupt_before", "interrupt_after")})
        elif isinstance(exc, RunStopped):
            status = "stopped"  # by the debugger
        elif name == "ParentCommand":
            status = "done"  # the subgraph handed control to its parent (Command.PARENT)
        elif isinstance(exc, Exception):
            status, error = "error", exc
        else:
            status = "stopped"  # KeyboardInterrupt, task cancelled
        self._emit("run_end", self.step, {
            "status": status, "output": None, "error": error, "interrupts": interrupts,
            "duration": self.bus.clock_ns() - self.t0})


def _hidden(task: Any) -> bool:
    config = task.config
    return config is not None and TAG_HIDDEN in config.get("tags", ())


def _apply_order(task: Any) -> tuple[int, Any]:
    """The order LangGraph applies a step's task writes in: PULL tasks by node name,
    then PUSH tasks by index (FORMAT.md §7 replays in the same order)."""
    path = _task_path(task.path)
    if path[0] == PULL:
        return (0, str(path[1]))
    return (1, path[1])


_PYTHON = sys.version.split()[0]


@cache
def _engine_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("langgraph")
    except PackageNotFoundError:
        found = "?"
    return f"langgraph {found} (stepscope {VERSION})"
