"""The Pregel loop as one state machine; `drivers.py` runs it sync or async.

Phases, per superstep:
  plan     — the tasks triggered by the previous step (computed when it finished);
  execute  — the driver runs them concurrently and hands each back to `complete`;
  update   — `finish_step` applies all writes at the barrier, in task-path order,
             saves a checkpoint and plans the next step.
Everything observable leaves as events on the run's bus.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from engine.cache import nodes as cache_nodes
from engine.channels import Barrier
from engine.checkpoint.base import PendingTask
from engine.constants import START
from engine.errors import (
    GraphDrained,
    ParentCommand,
    RunStopped,
    recursion_error,
)
from engine.events import Event, new_event
from engine.managed import with_managed
from engine.pregel import algo, attempts, begin, error_handling
from engine.pregel.checkpointing import Checkpointing
from engine.pregel.ids import checkpoint_id, node_bits
from engine.pregel.run import RunContext
from engine.pregel.task import Task
from engine.types import CheckpointSource, Interrupt

if TYPE_CHECKING:
    from engine.callbacks import GraphLifecycleStatus
    from engine.config import RunnableConfig
    from engine.graph.callspec import CallSpec
    from engine.graph.spec import GraphSpec

log = logging.getLogger("engine")


class Loop:
    """One graph's run (the root, or a subgraph inside a parent task)."""

    def __init__(
        self,
        graph: Any,
        run: RunContext,
        config: RunnableConfig,
        *,
        ns: tuple[str, ...] = (),
        parent_task: Task | None = None,
        interrupt_before: tuple[str, ...] | None = None,
        interrupt_after: tuple[str, ...] | None = None,
        checkpointer: Any = None,
    ) -> None:
        self.graph = graph
        self.spec: GraphSpec = graph.spec
        self.run = run
        self.bus = run.bus
        self.clock = run.clock
        self.config = config
        self.ns = ns
        self.ns_str = "|".join(ns)
        self.ns_prefix = self.ns_str + "|" if ns else ""
        self.parent_task = parent_task
        self.store: Any = graph.store
        """The graph's store (`compile(store=...)`), else its parent graph's."""
        if self.store is None and parent_task is not None:
            self.store = parent_task.loop.store
        self.cache: Any = graph.cache
        """The graph's node cache (`compile(cache=...)`), else its parent graph's."""
        if self.cache is None and parent_task is not None:
            self.cache = parent_task.loop.cache
        self.interrupt_before = (
            self.spec.interrupt_before if interrupt_before is None else interrupt_before
        )
        self.interrupt_after = (
            self.spec.interrupt_after if interrupt_after is None else interrupt_after
        )
        limit = config.get("recursion_limit", run.recursion_limit)
        self.recursion_limit: int = limit
        self.channels = {k: f.make_channel() for k, f in self.spec.fields.items()}
        self.langchain_config: Any = None
        """This run's model-capturing LangChain handler and the child config carrying it
        (engine.integrations.langchain), made at the first task that needs them."""
        self.langchain_capture: tuple[Any, Any] | None = None
        """LangChain's config variable and that config, set around each task
        (`engine.pregel.attempts.langchain_enter`), made with them."""
        self.stream_keys: tuple[str, ...] = tuple(self.spec.fields)
        """The keys `values` and `updates` show: every channel (private ones too), or for
        a subgraph run as a node only its output schema's (see `run_as_subgraph`)."""
        self.barriers = {
            name: Barrier(name, frozenset(sources))
            for name, (sources, _) in self.spec.joins.items()
        }
        self.step = -1
        self.tasks: list[Task] = []
        self.next_tasks: list[Task] = []
        self.done: list[Task] = []
        self.step_failed = False
        self.snapshot: dict[str, Any] = {}
        self.status = "running"
        self.interrupts: tuple[Interrupt, ...] = ()
        self.breakpoint_done = False
        self.deferred: set[str] = set()
        """Deferred nodes triggered and held back until nothing else is left to run."""
        self._node_bits = node_bits(f"{run.run_id}|{self.ns_str}")
        self.stop = 0
        """The step at which the run stops (what managed values count down to)."""
        self.task_checkpoint_id = ""
        """The checkpoint the next tasks were planned from (their runtime's)."""
        self.cp = Checkpointing(self, checkpointer)
        self.t0 = self.clock.monotonic_ns()
        self.driven_async = False
        """Run by the async driver (then, as in LangGraph, nodes stream their output to
        LangChain's streaming callback handlers)."""

    # -- small helpers -------------------------------------------------------------------
    def emit(self, kind: str, data: dict[str, Any], step: int | None = None) -> None:
        if self.bus.sinks:
            self.bus.emit(kind, self.ns, self.step if step is None else step, data)

    def new_checkpoint_id(self, step: int) -> str:
        return checkpoint_id(self.clock.unix_ns(), step, self._node_bits)

    def values(self) -> dict[str, Any]:
        """Every available channel value, in declaration order."""
        return {k: c.value for k, c in self.channels.items() if c.is_available()}

    def state_values(self) -> dict[str, Any]:
        """The state keys as `values` mode shows them."""
        chans = self.channels
        return {k: chans[k].value for k in self.spec.state.keys if chans[k].is_available()}

    def output(self) -> Any:
        chans = self.channels
        if self.spec.output_schema.kind == "root":
            return self.spec.output_schema.view(self.values())
        keys = self.spec.output_schema.keys or tuple(chans)
        return {k: chans[k].value for k in keys if k in chans and chans[k].is_available()}

    def task_config(self, task: Task) -> RunnableConfig:
        base = self.config
        metadata = {**base.get("metadata", {}), **task.graph_metadata()}
        configurable = {**base.get("configurable", {}),
                        "checkpoint_ns": task.full_checkpoint_ns}
        return {
            **base,
            "tags": list(base.get("tags", ())),
            "metadata": metadata,
            "configurable": configurable,
            "recursion_limit": self.recursion_limit,
        }

    def emit_custom(self, task: Task, payload: Any) -> None:
        self.emit("custom", {"task_id": task.id, "name": task.name, "payload": payload},
                  step=task.step)

    def call_with_injection(self, call: CallSpec, state: Any, task: Task) -> Any:
        if not call.wants:
            return call.fn(state)
        kwargs: dict[str, Any] = {}
        for want in call.wants:
            name, kind = want.split("=", 1)
            if kind == "config":
                kwargs[name] = task.config
            elif kind == "writer":
                kwargs[name] = task.writer
            elif kind == "runtime":
                kwargs[name] = task.runtime
            elif kind == "store":
                kwargs[name] = self.store
            elif kind == "node_error":
                kwargs[name] = task.node_error
            else:
                kwargs[name] = None
        return call.fn(state, **kwargs)

    # -- begin (engine.pregel.begin) -----------------------------------------------------
    def begin(self, input: Any) -> None:
        """Start from `input`, or from the thread's checkpoint (a resume, a fork)."""
        begin.begin(self, input)

    # -- plan ----------------------------------------------------------------------------
    def plan(self) -> list[Task] | None:
        """The tasks to run now, or None when the run is over (done or interrupted)."""
        if self.status != "running":
            return None
        if self.step > self.recursion_limit:
            raise recursion_error(self.recursion_limit)
        tasks = self.next_tasks
        if not tasks:
            self.status = "done"
            return None
        if (
            self.interrupt_before
            and not self.breakpoint_done
            and any(t.name in self.interrupt_before for t in tasks)
        ):
            self.cp.mark_breakpoint()
            self._interrupt((), static=True, status="interrupt_before")
            return None
        control = self.run.control
        if control is not None and control.drain_requested:
            # A drain stops the run between steps; its checkpoint resumes it.
            self.status = "stopped"
            raise GraphDrained(control.drain_reason or "shutdown")
        self.breakpoint_done = False
        self.tasks = tasks
        self.done = []
        self.step_failed = False
        snapshot = self.snapshot = self.values()
        todo: list[Task] = []
        for task in tasks:
            if task.arg is not None or not task.is_pull:
                task.input = task.arg
            else:
                schema = task.node.input_schema
                task.input = schema.node_input(snapshot)
                if schema.managed:
                    task.input = with_managed(task.input, schema.managed, self.step, self.stop)
            if task.cached or (task.node.cache_policy is not None and self.cache is not None
                               and cache_nodes.lookup(self.cache, task)):
                # Saved before this resume, or in the node cache: announced as cached
                # with the step, not run again.
                self.done.append(task)
            else:
                todo.append(task)
        if self.run.controller is not None:
            self.run.controller.before_step(self.ns, self.step, todo, snapshot)
        bus = self.bus
        dispatch = bus.hot
        if dispatch is None:
            if bus.pend is not None:  # taken in bulk (see engine.events)
                counter = bus.counter
                seq = next(counter)
                for _ in todo:
                    next(counter)
                bus.pend(("begin", self.ns, self.step, seq, bus.clock_ns() - bus.t0,
                          tasks, todo))
        else:  # EventBus.emit, inlined (see EventBus)
            ns, step = self.ns, self.step
            clock_ns = bus.clock_ns  # a local (see EventBus)
            if len(tasks) == 1:  # the common case, without two comprehensions
                only = tasks[0]
                ids, names = [only.id], [only.name]
            else:
                ids, names = [t.id for t in tasks], [t.name for t in tasks]
            start_data: dict[str, Any] = {"task_ids": ids, "names": names}
            if len(todo) != len(tasks):  # resumed: outcomes saved before, not run again
                start_data["cached"] = [{"task_id": t.id, "name": t.name, "result": t.result}
                                        for t in tasks if t.cached]
            dispatch(new_event(Event, ("step_start", next(bus.counter), clock_ns() - bus.t0,
                                       ns, step, start_data)))
            for t in todo:
                dispatch(new_event(Event, ("task_start", next(bus.counter), clock_ns() - bus.t0,
                                           ns, step,
                                           {"task_id": t.id, "name": t.name,
                                            "triggers": t.triggers, "path": t.path,
                                            "input": t.input})))
        return todo

    # -- execute (called by drivers) -----------------------------------------------------
    def execute(self, task: Task) -> None:
        """Run one sync task to completion (`engine.pregel.attempts`); never raises."""
        attempts.execute(self, task)

    async def aexecute(self, task: Task) -> None:
        """Run one async task to completion (`engine.pregel.attempts`); never raises."""
        await attempts.aexecute(self, task)

    def complete(self, task: Task) -> Task | None:
        """A task finished: announce it (updates come out in completion order). Returns
        the error handler task the driver must run in its place, if it has one."""
        self.done.append(task)
        failed = self.step_failed
        handler = None
        if task.error is not None and not task.hidden:
            if task.node.error_handler is not None:
                handler = error_handling.handler_task(self, task)
            if handler is None:
                self.step_failed = True
        bus = self.bus
        dispatch = bus.hot
        if failed and self.cp.enabled:
            # With a checkpointer, LangGraph reports no sibling of a failed task that finishes
            # after it (measured on 1.2.22), so neither do we.
            pass
        elif dispatch is None and task.error is None:
            if bus.pend is not None:  # taken in bulk (see engine.events)
                bus.pend(("end", self.ns, next(bus.counter), bus.clock_ns() - bus.t0, task))
        elif (dispatch := bus.dispatch) is not None:
            # One by one (also a failed task's, in bulk mode: its error is recorded now,
            # before raising it at the barrier adds the loop's frames to its traceback).
            # EventBus.emit, inlined (see EventBus).
            data = {
                "task_id": task.id, "name": task.name, "path": task.path,
                "result": task.result, "writes": task.writes, "error": task.error,
                "interrupts": task.interrupts, "duration": task.duration,
                "hidden": task.hidden, "returned": task.returned,
            }
            if task.hidden and isinstance(task.error, ParentCommand):
                # Control flow, not a failure: the task handed its parent a Command.
                data["error"] = None
                data["command"] = task.error.command
            if task.attempts != 1:  # only a retried task says so (the schema is additive)
                data["attempts"] = task.attempts
            if task.paused and not task.interrupts:  # a subgraph's breakpoint paused it
                data["paused"] = True
            if task.update_view is not None:  # only when `result` is not what updates show
                data["update"] = task.update_view
            clock_ns = bus.clock_ns
            dispatch(new_event(Event, ("task_end", next(bus.counter), clock_ns() - bus.t0,
                                       self.ns, task.step, data)))
        if (task.node.cache_policy is not None and self.cache is not None
                and task.error is None and not task.interrupts):
            cache_nodes.keep(self.cache, task)
        if self.run.controller is not None:
            self.run.controller.after_task(task)
        if handler is not None:
            self.tasks = [handler if t is task else t for t in self.tasks]
            self.emit("task_start", error_handling.start_data(handler), step=handler.step)
        return handler

    # -- update --------------------------------------------------------------------------
    def finish_step(self) -> None:
        """The barrier: raise the step's error, pause on interrupts, or apply writes."""
        tasks = self.tasks
        errors: list[Task] = []
        for task in self.done:  # one pass: a step's tasks nearly always all succeeded
            error = task.error
            if error is not None:
                if task.hidden and isinstance(error, ParentCommand):
                    raise error
                if task.handled_by is None:
                    errors.append(task)
        if errors:
            self.cp.save_pending(tasks)
            stopped = [t.error for t in errors if isinstance(t.error, RunStopped)]
            if stopped:  # the debugger stopped the run inside a task (or its subgraph)
                self.status = "stopped"
                raise stopped[0]
            self.status = "error"
            first = errors[0]
            exc = first.error
            assert exc is not None
            exc.add_note(f"During task with name '{first.name}' and id '{first.id}'")
            raise exc
        interrupted = [t for t in tasks if t.paused]
        if interrupted:
            self.cp.save_pending(tasks)
            self._interrupt(tuple(i for t in interrupted for i in t.interrupts), static=False,
                            completed=[t for t in self.done if not t.paused and t.error is None])
            return
        self._apply(tasks)
        if self.interrupt_after and any(t.name in self.interrupt_after for t in tasks):
            self._interrupt((), static=True, status="interrupt_after")

    def _apply(self, tasks: list[Task], source: CheckpointSource = "loop") -> None:
        self.cp.record_results(tasks)
        changed, triggered, sends, writes = algo.apply_writes(
            self.spec, self.channels, self.barriers, tasks)
        bus = self.bus
        if bus.dispatch is not None:  # EventBus.emit, inlined (see EventBus)
            chans = self.channels
            if len(changed) == 1:  # the common case, without a comprehension
                key = changed[0]
                changes, wrote = {key: chans[key].value}, True
            else:
                changes, wrote = {k: chans[k].value for k in changed}, bool(changed)
            clock_ns = bus.clock_ns
            step_done = bus.step_done
            if step_done is not None:  # taken in bulk (see engine.events)
                step_done(self.ns, self.step, next(bus.counter), clock_ns() - bus.t0,
                          changes, writes)
            else:
                bus.dispatch(new_event(Event, (
                    "step_end", next(bus.counter), clock_ns() - bus.t0, self.ns, self.step,
                    {"changes": changes, "writes": writes, "wrote": wrote})))
        if self.run.controller is not None:
            self.run.controller.after_step(self.ns, self.step, self.values())
        if self.spec.deferred:
            triggered = self._hold_deferred(triggered, sends)
        cid = self.task_checkpoint_id = self.new_checkpoint_id(self.step)
        self.step += 1
        self.next_tasks = algo.prepare_tasks(self, self.spec, self.step, triggered, sends, cid)
        self.cp.save(source, cid, self.next_tasks, triggered=tuple(triggered),
                     sends=tuple(sends), step=self.step - 1, ran=tasks)

    def _hold_deferred(self, triggered: set[str], sends: list[Any]) -> set[str]:
        """The nodes to run next: deferred ones are held back (each once, however often
        triggered) until nothing else would run, when the run would otherwise end."""
        held = {name for name in triggered if name in self.spec.deferred}
        now = triggered - held
        self.deferred |= held
        if not now and not sends and self.deferred:
            now, self.deferred = self.deferred, set()
        return now

    def _interrupt(self, interrupts: tuple[Interrupt, ...], static: bool,
                   completed: list[Task] | None = None,
                   status: GraphLifecycleStatus = "pending") -> None:
        """Pause. The writes of the step's tasks that finished are kept on the checkpoint
        (`save_pending`) and, as in LangGraph, show in the run's output: they are applied
        here to this run's channels, and the event names what they changed."""
        self.status = "interrupted"
        self.interrupts = interrupts
        if self.run.callbacks is not None:
            self.run.callbacks.interrupted(self, interrupts, status)
        data: dict[str, Any] = {"interrupts": interrupts, "static": static,
                                "state": self.state_values()}
        if completed:
            changed = algo.apply_writes(self.spec, self.channels, self.barriers, completed)[0]
            if changed:
                data["changes"] = {k: self.channels[k].value for k in changed}
        self.emit("interrupt", data)

    def end(self, error: BaseException | None = None) -> None:
        self.cp.flush()
        raised, command = error, None
        if isinstance(error, ParentCommand):  # a subgraph handing its parent a Command
            command, error = error.command, None
            self.status = "done"
        if error is not None and self.status == "running":
            self.status = "stopped" if isinstance(error, RunStopped) else "error"
        if self.bus.sinks:
            data = {
                "status": self.status,
                "output": self.output() if error is None else None,
                "error": error,
                "interrupts": self.interrupts,
                "duration": self.clock.monotonic_ns() - self.t0,
            }
            if command is not None:
                data["command"] = command
            self.emit("run_end", data)
        if self.run.callbacks is not None:
            self.run.callbacks.graph_end(self, raised)


__all__ = ["START", "Loop", "PendingTask"]
