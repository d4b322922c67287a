"""A debugging session: runs a graph in a worker thread, under the DebugController,
recording every run (the first, resumes after interrupts, forks) into one trace.

The UI thread calls the commands; the run thread calls `notify` (thread-safe, e.g. a
widget's post_message) whenever something the UI shows changed: a pause, a resume,
the end of a run. `status()` is a snapshot the UI can read at any time.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import RunStopped
from tracer.otlp import live_export
from tracer.recording import runs_before
from tracer.writer import TraceWriter
from tui.debug.breakpoints import BreakpointSet
from tui.debug.controller import DebugController, Pause, Running
from tui.debug.forking import ForkPoint
from tui.debug.runtime import runtime_for


class SessionError(Exception):
    """A command that cannot be carried out now; the message says why, for the user."""


@dataclass(frozen=True)
class Status:
    """What the session is doing, for the UI."""

    state: str
    """"idle", "running", "paused", "stopping", "interrupted", "done", "error", "stopped"."""
    pause: Pause | None
    running: tuple[Running, ...]
    interrupts: tuple[Any, ...]
    """The pending interrupts' values (state "interrupted")."""
    error: str | None
    now: float = 0.0
    """The run's clock (seconds; it stands still while paused): `Running.started`'s."""


class DebugSession:
    """One graph, one trace file, any number of root runs (one at a time)."""

    def __init__(self, graph: Any, path: str | Path, *, breakpoints: BreakpointSet | None = None,
                 notify: Callable[[], object] = lambda: None, append: bool = False,
                 config: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.runtime = runtime_for(graph)
        """The graph's runtime: stepscope's engine or real LangGraph."""
        self.graph = self.runtime.prepare(graph)
        self.topology = self.runtime.topology(self.graph)
        self.breakpoints = breakpoints if breakpoints is not None else BreakpointSet()
        self.notify = notify
        """Called (from any thread) when the status changed; the UI sets it."""
        self.controller = DebugController(self.breakpoints, self._changed, self._sync)
        self.thread_id = f"debug-{uuid.uuid4().hex[:12]}"
        self.base_config = {k: v for k, v in (config or {}).items() if k != "configurable"}
        """The target module's `config` (recursion_limit, tags…), for every run."""
        self.config: dict[str, Any] = {**self.base_config,
                                       "configurable": {"thread_id": self.thread_id}}
        self.threads: dict[str, str] = {}
        """Root run id → the checkpointer thread it ran in (forks look their step up)."""
        self._thread: threading.Thread | None = None
        self._state = "idle"
        self._failure: BaseException | None = None
        """The exception the last run failed with (kept for a post-mortem)."""
        self._interrupts: tuple[Any, ...] = ()
        self._forks = 0
        self._answer: tuple[Any, str] | None = None
        """An answer given at the pause after interrupt(), for when the run stops there."""
        self.abandoned: tuple[str, ...] = ()
        """The tasks still running when `close` gave up waiting for them."""
        # Open the trace now: appending cuts a recorded trace's footer, which must happen
        # before a reader opens the file and follows it (OSError: cannot write it).
        self.writer = TraceWriter(self.path, append=append)
        # With an OTLP endpoint in the environment (OTEL_EXPORTER_OTLP_ENDPOINT,
        # STEPSCOPE_OTLP), the session's runs are exported live, as a recording's are.
        self.live = live_export(str(self.writer.path),
                                first_run=runs_before(self.writer) if append else 0)

    # -- status --------------------------------------------------------------------------
    @property
    def latest_run(self) -> str | None:
        """The id of the root run started last (a start, resume or fork), if any."""
        return next(reversed(self.threads), None)

    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> Status:
        pause = self.controller.paused
        state = self._state
        if state == "running":
            state = "stopping" if self.controller.stopping else "paused" if pause else state
        failure = self._failure
        return Status(state, pause if state == "paused" else None,
                      tuple(self.controller.running.values()), self._interrupts,
                      None if failure is None else f"{type(failure).__name__}: {failure}",
                      self.controller.now())

    def post_mortem(self) -> BaseException | None:
        """The exception to look into: the failed task's, at a pause after it, or the
        one the last run failed with."""
        status = self.status()
        if status.pause is not None:
            return status.pause.error
        return self._failure if status.state == "error" else None

    def _changed(self) -> None:
        self.notify()

    def _sync(self) -> None:
        self.writer.sync()

    # -- runs ----------------------------------------------------------------------------
    def start(self, input: Any, *, mode: str = "step") -> None:
        """The first run, from `input`."""
        self._launch(input, self.config, mode)

    def asks(self) -> tuple[Any, ...] | None:
        """What `resume` would answer: the pending interrupts' values (empty for an
        interrupt_before/after stop); None when nothing waits for an answer. A run
        paused right after a task called interrupt() waits for one too."""
        status = self.status()
        if status.state == "interrupted":
            return status.interrupts
        if status.pause is not None and status.pause.interrupts:
            return status.pause.interrupts
        return None

    def resume(self, value: Any = None, *, mode: str = "step") -> None:
        """Continue an interrupted run; `value` answers interrupt() (Command(resume=…)).
        Paused right after the task that asked, the run first goes to its end (where
        LangGraph's semantics stop it), then resumes with the answer."""
        if self._state != "interrupted":
            if self.asks() is None:
                raise SessionError("the run is not waiting at an interrupt")
            self._answer = (value, mode)
            self.controller.cont()
            return
        payload = self.runtime.resume_input(value) if self._interrupts else None
        self._launch(payload, self.config, mode)

    def fork(self, point: ForkPoint, values: dict[str, Any] | None = None, *,
             mode: str = "step") -> None:
        """Re-run from `point` (a root run's step) with its state, or with `values`."""
        if self.active:
            raise SessionError("a run is in progress: stop it first")
        self._forks += 1
        thread = f"{self.thread_id}-fork{self._forks}"
        try:
            config = self.runtime.fork_config(self.graph, point, values,
                                              self.threads.get(point.run_id), thread)
        except ValueError as exc:
            raise SessionError(str(exc)) from None
        self._launch(None, {**self.base_config, **config}, mode,
                     fork={"run_id": point.run_id, "step": point.step})
        # Resumes continue the fork's thread from its latest checkpoint.
        self.config = {**self.base_config,
                       "configurable": {"thread_id": config["configurable"]["thread_id"]}}

    def _launch(self, input: Any, config: dict[str, Any], mode: str,
                fork: Mapping[str, Any] | None = None) -> None:
        if self.active:
            raise SessionError("a run is in progress: stop it first")
        run_id = str(uuid.uuid4())
        self.threads[run_id] = config["configurable"]["thread_id"]
        config = {**config, "run_id": run_id}
        self.controller.reset(mode)
        writer = self.writer
        self._state, self._failure, self._interrupts = "running", None, ()
        self._thread = threading.Thread(target=self._run, args=(input, config, writer, fork),
                                        name="stepscope-debug-run", daemon=True)
        self._thread.start()
        self._changed()

    def _run(self, input: Any, config: dict[str, Any], writer: TraceWriter,
             fork: Mapping[str, Any] | None) -> None:
        try:
            self.runtime.run(self.graph, input, config, (writer, self.controller.token_sink),
                             self.controller, fork, self.controller.clock)
        except RunStopped:
            self._state = "stopped"
        except Exception as exc:
            self._state, self._failure = "error", exc
        else:
            waiting, interrupts = self.runtime.pending(self.graph, config)
            if waiting:
                self._state, self._interrupts = "interrupted", interrupts
            else:
                self._state = "done"
        finally:
            writer.sync()
            self.controller.running.clear()
            answer, self._answer = self._answer, None
            if answer is not None and self._state == "interrupted":
                self._thread = None  # this thread ends now: the resume is a run of its own
                self._launch(self.runtime.resume_input(answer[0]) if self._interrupts
                             else None, self.config, answer[1])
            else:
                self._changed()

    # -- commands ------------------------------------------------------------------------
    def step(self) -> None:
        self.controller.step()

    def step_into(self) -> None:
        self.controller.step_into()

    def cont(self) -> None:
        self.controller.cont()

    def step_out(self) -> None:
        self.controller.step_out()

    def run_to(self, target: str) -> None:
        self.controller.run_to(target)

    def pause(self) -> None:
        self.controller.pause()

    def stop(self) -> None:
        if self.active:
            self.controller.stop()
            self._changed()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the current run to end (tests, shutdown); True if it has."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.active

    def wait_paused(self, timeout: float = 10.0) -> Pause | None:
        """Wait until the run pauses or ends (tests); the pause, or None if it ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pause = self.controller.paused
            if pause is not None:
                return pause
            if not self.active:
                return None
            time.sleep(0.005)
        raise TimeoutError("the run neither paused nor ended")

    def close(self, timeout: float = 0.3) -> None:
        """Stop any run and finish the trace (index and footer). A run whose node does
        not return within `timeout` is abandoned (`abandoned` names its tasks): the trace
        is closed without it, and the caller must not wait for its thread."""
        if self.active:
            running = [task.path for task in self.controller.running.values()]
            self.stop()
            if not self.wait(timeout):
                self.abandoned = tuple("/".join(path) for path in running) or ("the run",)
        self.writer.close()
        if self.live is not None:
            self.live.close()
