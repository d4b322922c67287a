"""The debugger's Controller: a gate the run's threads pass at every phase boundary.

The run's threads call the hooks (before a step, before a task, after a task, after a
step, and — through `token_sink` — on each streamed token). A hook pauses by blocking
on a condition until the UI thread says go (`step`, `step_into`, `cont`) or `stop`,
which makes the blocked hook (or the next one) raise RunStopped. Only one pause is
open at a time: other threads reaching a hook meanwhile wait at the gate too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine import Controller
from engine.clock import PausableClock
from engine.errors import RunStopped
from tui.debug.breakpoints import Breakpoint, BreakpointSet, node_path

_UNSET: Any = object()


@dataclass(frozen=True)
class Pause:
    """Where a run is paused, and why."""

    where: str
    """"step" (before a step), "task" (before a task), "task_done", "step_done", "token"."""
    ns: tuple[str, ...]
    step: int
    reason: str
    node: str | None = None
    task_id: str | None = None
    tasks: tuple[str, ...] = ()
    """The planned nodes (before a step)."""
    breakpoint: Breakpoint | None = None
    detail: str = ""
    interrupts: tuple[Any, ...] = ()
    """After a task that called interrupt(): what it asks (the values), answerable now."""
    error: BaseException | None = None
    """After a task that failed: its exception, traceback and frames still alive (the
    run's thread waits here), for a post-mortem."""

    def describe(self) -> str:
        scope = "/".join(p.split(":", 1)[0] for p in self.ns)
        at = f"{scope} " if scope else ""
        if self.where == "step":
            what = f"before {at}step {self.step} ({', '.join(self.tasks) or 'no tasks'})"
        elif self.where == "task":
            what = f"before {at}{self.node} (step {self.step})"
        elif self.where == "task_done":
            what = f"after {at}{self.node} (step {self.step})"
        elif self.where == "step_done":
            what = f"after {at}step {self.step}"
        else:
            what = f"in {at}{self.node} (step {self.step})"
        return f"{what} · {self.reason}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class Running:
    """A task that has started and not finished."""

    path: tuple[str, ...]
    step: int
    started: float
    """When it was let go, in seconds of the run's clock (which stands still while the
    run is paused)."""


class DebugController(Controller):
    """Pauses the run where the mode or a breakpoint says; see the module doc."""

    def __init__(self, breakpoints: BreakpointSet, on_change: Callable[[], None] = lambda: None,
                 sync: Callable[[], None] = lambda: None,
                 clock: PausableClock | None = None) -> None:
        self.breakpoints = breakpoints
        self.clock = clock or PausableClock()
        """The run's clock: it stands still from a pause until the run goes on, so the
        trace's durations and token times leave the pause out."""
        self._on_change = on_change
        self._sync = sync
        self._cond = threading.Condition()
        self.mode = "step"
        """"step": pause before each step at the paused depth or above; "into": before
        every step and task at any depth; "out": at the first step boundary above the
        paused depth; "continue": only at breakpoints (and a run_to target)."""
        self._depth = 0
        self._requested = False
        self._stop = False
        self.paused: Pause | None = None
        self.running: dict[str, Running] = {}
        self._before: dict[tuple[str, ...], dict[str, Any]] = {}
        self._text: dict[str, str] = {}
        self._hit_calls: set[str] = set()
        self._until: Breakpoint | None = None
        """A run_to target, dropped once reached (or when the run is reset)."""

    # -- commands (UI thread) ------------------------------------------------------------
    def reset(self, mode: str = "step") -> None:
        """Ready for a new run (start, resume or fork)."""
        with self._cond:
            self.mode, self._depth = mode, 0
            self._requested = self._stop = False
            self.paused = None
            self.running.clear()
            self._until = None
            self._before.clear()
            self._text.clear()
            self._hit_calls.clear()

    def step(self) -> None:
        """Run to the next step at this depth (or a breakpoint)."""
        self._go("step")

    def step_into(self) -> None:
        """Run to the next task or step, at any depth (into subgraphs)."""
        self._go("into")

    def cont(self) -> None:
        """Run until a breakpoint (or the end)."""
        self._go("continue")

    def step_out(self) -> None:
        """Run until the graph paused in has finished: the next pause in its parent (at
        the root, as continue)."""
        self._go("out")

    def run_to(self, target: str) -> None:
        """Run until a task of node `target` (a name, or `sub/inner`) is about to start,
        or a breakpoint: a breakpoint used once."""
        self._until = Breakpoint("before", target)
        self._go("continue")

    def pause(self) -> None:
        """Pause at the next phase boundary."""
        with self._cond:
            self._requested = True

    def stop(self) -> None:
        """Stop the run: the paused hook, or the next one, raises RunStopped."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    @property
    def stopping(self) -> bool:
        return self._stop

    def now(self) -> float:
        """The run's clock, in seconds (standing still while paused)."""
        return self.clock.monotonic_ns() / 1e9

    def _go(self, mode: str) -> None:
        with self._cond:
            self.mode = mode
            self._depth = len(self.paused.ns) if self.paused is not None else 0
            self._requested = False
            self.paused = None
            self._cond.notify_all()
        self._on_change()

    # -- the gate (run threads) ----------------------------------------------------------
    def _gate(self, decide: Callable[[], Pause | None]) -> None:
        cond = self._cond
        with cond:
            while self.paused is not None and not self._stop:
                cond.wait()
            if self._stop:
                raise RunStopped("stopped from the debugger")
            pause = decide()
            if pause is None:
                return
            self.clock.pause()
            self._sync()  # before anyone can see the pause: the trace shows all until now
            self._requested = False
            self.paused = pause
        self._on_change()
        with cond:
            try:
                while self.paused is pause and not self._stop:
                    cond.wait()
            finally:
                self.clock.resume()
            if self._stop:
                raise RunStopped("stopped from the debugger")

    def _wanted(self, where: str, ns: tuple[str, ...]) -> str | None:
        if self._requested:
            return "paused"
        if self.mode == "into" and where in ("step", "task"):
            return "step into"
        if self.mode == "step" and where == "step" and len(ns) <= self._depth:
            return "step"
        if self.mode == "out" and where in ("step", "step_done") and len(ns) < self._depth:
            return "step out"
        return None

    # -- hooks ---------------------------------------------------------------------------
    def before_step(self, ns: tuple[str, ...], step: int, tasks: list[Any], state: Any) -> None:
        if self.breakpoints.of_kind("change"):
            self._before[ns] = dict(state)
        names = tuple(t.name for t in tasks)

        def decide() -> Pause | None:
            reason = self._wanted("step", ns)
            return Pause("step", ns, step, reason, tasks=names) if reason else None

        self._gate(decide)

    def before_task(self, task: Any) -> None:
        ns, path = task.loop.ns, node_path(task.loop.ns, task.name)

        def decide() -> Pause | None:
            until = self._until
            if until is not None and until.matches_node(path):
                self._until = None
                return Pause("task", ns, task.step, f"ran to {until.target}", task.name,
                             task.id)
            hit = next((b for b in self.breakpoints.of_kind("before") if b.matches_node(path)),
                       None)
            reason = f"breakpoint {hit.text}" if hit else self._wanted("task", ns)
            return (Pause("task", ns, task.step, reason, task.name, task.id, breakpoint=hit)
                    if reason else None)

        self._gate(decide)
        self.running[task.id] = Running(path, task.step, self.now())

    def before_retry(self, task: Any, error: BaseException) -> None:
        """A stop ends the task's retries; a pause holds the next attempt."""
        ns = task.loop.ns

        def decide() -> Pause | None:
            if not self._requested:
                return None
            why = f"retry: attempt {task.attempts + 1} after {type(error).__name__}: {error}"
            return Pause("task", ns, task.step, why, task.name, task.id)

        self._gate(decide)

    def after_task(self, task: Any) -> None:
        self.running.pop(task.id, None)
        ns, path = task.loop.ns, node_path(task.loop.ns, task.name)

        def decide() -> Pause | None:
            hit, detail = self._task_hit(task, path)
            reason = f"breakpoint {hit.text}" if hit else self._wanted("task_done", ns)
            asks = tuple(getattr(i, "value", i) for i in task.interrupts or ())
            return (Pause("task_done", ns, task.step, reason, task.name, task.id,
                          breakpoint=hit, detail=detail, interrupts=asks,
                          error=_failure(task)) if reason else None)

        self._gate(decide)

    def _task_hit(self, task: Any, path: tuple[str, ...]) -> tuple[Breakpoint | None, str]:
        error = _failure(task)
        if error is not None:
            for bp in self.breakpoints.of_kind("error"):
                return bp, f"{type(error).__name__}: {error}"
        if task.interrupts:
            for bp in self.breakpoints.of_kind("interrupt"):
                return bp, ", ".join(repr(i.value) for i in task.interrupts)
        for bp in self.breakpoints.of_kind("after"):
            if bp.matches_node(path):
                return bp, ""
        return None, ""

    def after_step(self, ns: tuple[str, ...], step: int, state: Any) -> None:
        before = self._before.pop(ns, None)

        def decide() -> Pause | None:
            hit, detail = self._step_hit(ns, before, state)
            reason = f"breakpoint {hit.text}" if hit else self._wanted("step_done", ns)
            return (Pause("step_done", ns, step, reason, breakpoint=hit, detail=detail)
                    if reason else None)

        self._gate(decide)

    def _step_hit(self, ns: tuple[str, ...], before: dict[str, Any] | None,
                  state: Any) -> tuple[Breakpoint | None, str]:
        if ns:
            return None, ""
        for bp in self.breakpoints.of_kind("if"):
            try:
                if bp.holds(state):
                    return bp, ""
            except Exception as exc:  # a bad expression stops, as pdb's do, and says why
                return bp, f"the expression raised {type(exc).__name__}: {exc}"
        if before is not None:
            for bp in self.breakpoints.of_kind("change"):
                old, new = before.get(bp.target, _UNSET), state.get(bp.target, _UNSET)
                if _differs(old, new):
                    return bp, ""
        return None, ""

    # -- tokens (a sink on the run's bus) ------------------------------------------------
    def token_sink(self, event: Any) -> None:
        """Watch streamed text for token: breakpoints (pass this in the run's sinks)."""
        if event.kind != "token":
            return
        patterns = self.breakpoints.of_kind("token")
        if not patterns:
            return
        data = event.data
        call = str(data.get("call_id"))
        text = self._text.get(call, "") + str(data.get("text") or "")
        self._text[call] = text
        if call in self._hit_calls:
            return
        hit = next((bp for bp in patterns if bp.code.search(text)), None)
        if hit is None:
            return
        self._hit_calls.add(call)  # once per call: the text only grows
        tail = text[-40:].replace("\n", " ")

        def decide() -> Pause:
            return Pause("token", event.ns, event.step, f"breakpoint {hit.text}",
                         data.get("name"), data.get("task_id"), breakpoint=hit,
                         detail=f"…{tail}")

        self._gate(decide)


def _differs(old: Any, new: Any) -> bool:
    if old is new:
        return False
    try:
        return bool(old != new)
    except Exception:  # values whose comparison raises (arrays): different objects
        return True


def _failure(task: Any) -> BaseException | None:
    """The task's exception, if it failed in a way a person debugs (not a stop)."""
    error: BaseException | None = task.error
    if error is None or task.hidden or isinstance(error, RunStopped):
        return None
    return error
