"""The event bus: every transition of a run is one immutable `Event` handed to sinks.

Schema v1 (`SCHEMA_VERSION`; changes are additive). Kinds and their `data` keys:

- ``run_start``: run_id, graph (the CompiledStateGraph; `describe()` gives topology),
  input, config, state (values the run starts from), resumed, parent, wall_start (ISO),
  engine_version, python, pid, state_keys.
- ``step_start``: task_ids, names (all planned tasks, cached ones included); cached
  (only on a resumed step with tasks whose outcome was saved before: [{task_id, name,
  result}], which do not run again).
- ``task_start``: task_id, name, triggers, path, input; caller (the calling task's
  name, only for a task started by another task's call, as LangGraph's `@task`).
- ``custom``: task_id, payload.
- ``llm_start`` / ``token`` / ``llm_end``: call_id, task_id, ... (the chat-model layer).
- ``task_end``: task_id, name, path, result (dict of known writes, or None), writes
  [(channel, value)], error, interrupts, duration (ns), hidden (a Command.PARENT exit),
  returned (the node returned a valid update, even if routing failed after it);
  attempts (only when a retry policy ran the node more than once: how many times; the
  other keys then describe the last run, duration covers all runs and the waits);
  paused (only True, when the task paused without an interrupt value: a subgraph it
  ran stopped at a breakpoint).
- ``step_end``: changes {channel: new value}, writes {channel: [values written, in
  task-path order]}, wrote (any state channel written).
- ``checkpoint``: the `checkpoints`-mode payload (only with a checkpointer).
- ``interrupt``: interrupts (tuple), static (a breakpoint, not `interrupt()`), state;
  changes (only when tasks finished in the interrupted step: {channel: value} after
  their writes, which the run's output shows; the checkpoint keeps them pending).
- ``run_end``: status (done/error/interrupted/stopped), output, error, duration.

Events are immutable records; `data` is never mutated after the event is made.
Sinks are plain callables `sink(event)`; they run in the thread that emitted.

A sink that is the run's only one may take a step's own events (step_start, task_start,
task_end, step_end) in bulk instead, which costs the loop no Event and no call per task
(a trace writer's case): it has a `pending` list and a `step_done` method (`StepSink`).
The loop then appends to `pending`, in the order the events would have been emitted,
`("begin", ns, step, seq, t, tasks, todo)` (the step_start, numbered `seq`; each task
of `todo` started at `t`, numbered `seq + 1 + i`) and `("end", ns, seq, t, task)` (a
task finished; `task` is the loop's `engine.pregel.task.Task`, whose outcome is final),
and calls `step_done(ns, step, seq, t, changes, writes)` with the step_end's fields
before the next step's tasks run (a later node may change a value in place). Every
other event reaches the sink as an Event, after what was appended before it.
"""

from __future__ import annotations

import itertools
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple, Protocol

SCHEMA_VERSION = 1

EVENT_KINDS = frozenset(
    {
        "run_start",
        "step_start",
        "task_start",
        "custom",
        "llm_start",
        "token",
        "llm_end",
        "task_end",
        "step_end",
        "checkpoint",
        "interrupt",
        "run_end",
    }
)


class Event(NamedTuple):
    """One transition of a run."""

    kind: str
    seq: int
    t: int
    """Nanoseconds since the root run started (monotonic, from the run's clock)."""
    ns: tuple[str, ...]
    step: int
    data: dict[str, Any]


Sink = Callable[[Event], None]


class StepSink(Protocol):
    """A sink that takes a step's own events in bulk (see the module docstring)."""

    pending: list[tuple[Any, ...]]

    def __call__(self, event: Event) -> None: ...

    def step_done(self, ns: tuple[str, ...], step: int, seq: int, t: int,
                  changes: dict[str, Any], writes: dict[str, list[Any]]) -> None: ...

new_event = tuple.__new__
"""`new_event(Event, (kind, seq, t, ns, step, data))`: an Event without NamedTuple's
Python-level `__new__` (half the cost), for `EventBus.emit` and the loop's hot sites."""

_global_sinks: list[Sink] = []
_global_lock = threading.Lock()


_env_checked = False
AUTOTRACE_GROUP = "stepscope.autotrace"


def _env_sinks() -> None:
    """Honour STEPSCOPE_TRACE=path once: plugins registered under the entry-point group
    `stepscope.autotrace` (the tracer registers one) turn the path into a sink. The
    engine itself stays free of file I/O and of imports of the packages above it."""
    global _env_checked
    _env_checked = True
    path = os.environ.get("STEPSCOPE_TRACE")
    if not path:
        return
    from importlib.metadata import entry_points

    for ep in entry_points(group=AUTOTRACE_GROUP):
        try:
            sink = ep.load()(path)
        except Exception as exc:  # a broken plugin must not break the user's program
            warnings.warn(f"stepscope: autotrace plugin {ep.name!r} failed: {exc}",
                          stacklevel=2)
            continue
        if sink is not None:
            with _global_lock:
                _global_sinks.append(sink)


def global_sinks() -> tuple[Sink, ...]:
    """Sinks attached process-wide (by `attach`, or STEPSCOPE_TRACE), per run start."""
    if not _env_checked:
        _env_sinks()
    return tuple(_global_sinks)


@contextmanager
def attach(sink: Sink) -> Iterator[Sink]:
    """Attach `sink` to every root run that starts while the block is open."""
    with _global_lock:
        _global_sinks.append(sink)
    try:
        yield sink
    finally:
        with _global_lock:
            _global_sinks.remove(sink)


class EventBus:
    """Numbers events gap-free and hands them to the run's sinks, from any thread.

    No lock on the hot path: `seq` comes from an atomic counter, so it is gap-free and
    unique; events of one thread reach sinks in seq order. Events emitted at the same
    moment by two threads (parallel tasks writing custom data, say) may reach a sink in
    a different order than their seq; sinks that need strict order sort by `seq`.

    The loop's per-task sites (step_start, task_start, task_end, step_end) inline `emit`,
    which saves a Python call per event: they take `next(bus.counter)`, then
    `clock_ns() - bus.t0`, and hand the event to `bus.dispatch`, as `emit` does.
    `clock_ns` is read into a local first: `bus.clock_ns()` compiles to a method load,
    which CPython 3.11 does not specialise for a slot holding a function (~10 ns more).
    """

    __slots__ = ("_lock", "clock_ns", "counter", "dispatch", "hot", "pend", "sinks",
                 "step_done", "t0")

    def __init__(self, sinks: tuple[Sink, ...], clock_ns: Callable[[], int]) -> None:
        self.sinks: tuple[Sink, ...] = ()
        self.dispatch: Sink | None = None
        """The one callable an event is handed to: the only sink itself (no fan-out call
        in between, the common case), a fan-out over several, or None without sinks."""
        self.hot: Sink | None = None
        """Where the loop's per-task events go one by one: `dispatch`, or None when the
        only sink takes them in bulk (`pend` and `step_done`, a StepSink's)."""
        self.pend: Callable[[tuple[Any, ...]], None] | None = None
        self.step_done: Callable[..., None] | None = None
        self._set_sinks(tuple(sinks))
        self.clock_ns = clock_ns
        self.t0 = clock_ns()
        self.counter = itertools.count()
        """The next event's seq: `next(bus.counter)`."""
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return bool(self.sinks)

    def _set_sinks(self, sinks: tuple[Sink, ...]) -> None:
        # Copy-on-write: emitters read `dispatch` once per event, so each event goes to
        # the sinks of one moment, never to a half-updated set.
        self.sinks = sinks
        if not sinks:
            self.dispatch = None
        elif len(sinks) == 1:
            self.dispatch = sinks[0]
        else:
            self.dispatch = _fan_out(sinks)
        bulk = getattr(sinks[0], "step_done", None) if len(sinks) == 1 else None
        if bulk is not None:
            self.hot, self.pend, self.step_done = None, sinks[0].pending.append, bulk  # type: ignore[attr-defined]
        else:
            self.hot, self.pend, self.step_done = self.dispatch, None, None

    def add(self, sink: Sink) -> None:
        """Attach a sink; events emitted from now on reach it."""
        with self._lock:
            self._set_sinks((*self.sinks, sink))

    def remove(self, sink: Sink) -> None:
        with self._lock:
            self._set_sinks(tuple(s for s in self.sinks if s is not sink))

    @contextmanager
    def scoped(self, sink: Sink, base: tuple[str, ...]) -> Iterator[None]:
        """Attach `sink` for the events under namespace `base`, with `base` stripped."""
        depth = len(base)

        def scoped_sink(event: Event) -> None:
            if event.ns[:depth] == base:
                sink(event._replace(ns=event.ns[depth:]))

        scoped_sink.__wrapped__ = sink  # type: ignore[attr-defined]  # who is listening
        self.add(scoped_sink)
        try:
            yield
        finally:
            self.remove(scoped_sink)

    def emit(self, kind: str, ns: tuple[str, ...], step: int, data: dict[str, Any]) -> None:
        dispatch = self.dispatch
        if dispatch is not None:
            clock_ns = self.clock_ns  # a local: `self.clock_ns()` is an unspecialised load
            dispatch(new_event(
                Event, (kind, next(self.counter), clock_ns() - self.t0, ns, step, data)))


def _fan_out(sinks: tuple[Sink, ...]) -> Sink:
    """One callable that hands an event to each of `sinks`, in order."""

    def dispatch(event: Event) -> None:
        for sink in sinks:
            sink(event)

    return dispatch


class EventCapture(list[Event]):
    """A list of captured events with small query helpers for tests."""

    def kinds(self) -> list[str]:
        return [e.kind for e in self]

    def of(self, kind: str) -> list[Event]:
        return [e for e in self if e.kind == kind]


@contextmanager
def capture_events() -> Iterator[EventCapture]:
    """Collect every event of the runs started inside the block."""
    captured = EventCapture()
    lock = threading.Lock()

    def sink(event: Event) -> None:
        with lock:
            captured.append(event)

    with attach(sink):
        yield captured
