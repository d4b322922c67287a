"""What a run does for `config["callbacks"]`: graph lifecycle events and LangChain runs.

Made once per root run, and only when the config has callbacks (a run without them pays
nothing: the loop checks one attribute at graph start/end, per task and on interrupts).

- Graph lifecycle (`engine.callbacks`): `GraphCallbackHandler.on_interrupt` when the
  root graph pauses, `on_resume` when a graph or subgraph resumes from its checkpoint.
- LangChain runs (`engine.integrations.lc_runs`, when langchain-core is installed): one
  chain run per graph and per node, as LangGraph reports them, so LangChain tracers,
  `astream_events` and any callback handler see the run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.callbacks import GraphCallbackHandler, GraphLifecycleEvent, GraphLifecycleStatus
    from engine.config import RunnableConfig
    from engine.graph.spec import BranchSpec
    from engine.integrations.lc_runs import LangChainRuns
    from engine.pregel.loop import Loop
    from engine.pregel.task import Task
    from engine.types import Interrupt

log = logging.getLogger("engine")


class RunCallbacks:
    """The callbacks of one root run (shared by its subgraph runs)."""

    def __init__(self, config: RunnableConfig) -> None:
        # Imported here: engine.callbacks loads langchain-core when it is installed, which
        # a run without callbacks must not pay for.
        from engine.callbacks import graph_handlers

        callbacks = config.get("callbacks")
        self.graph_handlers: list[GraphCallbackHandler] = graph_handlers(callbacks)
        self.lc: LangChainRuns | None = None
        try:
            from engine.integrations.lc_runs import LangChainRuns
        except ImportError:  # langchain-core is optional: lifecycle events still work
            pass
        else:
            self.lc = LangChainRuns(callbacks)
        self.pending: list[Coroutine[Any, Any, Any]] = []
        """Async handlers' coroutines, awaited by the async API (`flush`)."""

    # -- graphs --------------------------------------------------------------------------
    def graph_start(self, loop: Loop, input: Any) -> None:
        if self.lc is not None:
            self.lc.graph_start(loop, input)

    def graph_end(self, loop: Loop, error: BaseException | None) -> None:
        if self.lc is not None:
            self.lc.graph_end(loop, error)

    # -- tasks ---------------------------------------------------------------------------
    def task_enter(self, task: Task) -> Any:
        """Start the node's run; the returned scope is closed by `task_exit`."""
        return self.lc.task_enter(task) if self.lc is not None else None

    def call_enter(self, call: Task, inputs: dict[str, Any]) -> Any:
        """Start a `@task` call's run under its caller's; closed as a node's is."""
        return self.lc.call_enter(call, inputs) if self.lc is not None else None

    def call_branch(self, task: Task, branch: BranchSpec, state: Any) -> Any:
        """Call a conditional edge's path function for `task` (a run of its own)."""
        if self.lc is not None:
            return self.lc.call_branch(task, branch, state)
        return task.loop.call_with_injection(branch.call, state, task)

    # -- lifecycle -----------------------------------------------------------------------
    def interrupted(self, loop: Loop, interrupts: tuple[Interrupt, ...],
                    status: GraphLifecycleStatus) -> None:
        """The graph paused: on `interrupt()` calls ("pending") or at a breakpoint
        ("interrupt_before" / "interrupt_after")."""
        if loop.ns or not self.graph_handlers:  # LangGraph reports the root graph's pause
            return
        from engine.callbacks import GraphInterruptEvent

        record = loop.cp.current
        self._dispatch("on_interrupt", GraphInterruptEvent(
            run_id=self._run_id(loop), status=status,
            checkpoint_id=record.id if record is not None else "",
            checkpoint_ns=loop.ns, interrupts=tuple(interrupts)))

    def resumed(self, loop: Loop, checkpoint_id: str) -> None:
        if not self.graph_handlers:
            return
        from engine.callbacks import GraphResumeEvent

        self._dispatch("on_resume", GraphResumeEvent(
            run_id=self._run_id(loop), status="pending", checkpoint_id=checkpoint_id,
            checkpoint_ns=loop.ns))

    def _run_id(self, loop: Loop) -> uuid.UUID | None:
        if self.lc is not None and (rid := self.lc.root_run_id()) is not None:
            return rid
        try:
            return uuid.UUID(loop.run.run_id)
        except ValueError:
            return None

    def _dispatch(self, method: str, event: GraphLifecycleEvent) -> None:
        """Call every graph handler; a failure is logged, or raised if the handler says
        `raise_error`. An async handler's coroutine runs now if no event loop runs in
        this thread, else it waits for `flush`."""
        for handler in self.graph_handlers:
            try:
                result = getattr(handler, method)(event)
                if asyncio.iscoroutine(result):
                    try:
                        asyncio.get_running_loop()
                    except RuntimeError:
                        asyncio.run(_guarded(handler, method, result))
                    else:
                        self.pending.append(_guarded(handler, method, result))
            except Exception as exc:
                log.warning("Error in %s.%s callback: %r", type(handler).__name__, method, exc)
                if getattr(handler, "raise_error", False):
                    raise

    async def flush(self) -> None:
        """Await the async handlers' calls made since the last flush, in order."""
        while self.pending:
            await self.pending.pop(0)


async def _guarded(handler: Any, method: str, coro: Coroutine[Any, Any, Any]) -> None:
    try:
        await coro
    except Exception as exc:
        log.warning("Error in %s.%s callback: %r", type(handler).__name__, method, exc)
        if getattr(handler, "raise_error", False):
            raise


def make_run_callbacks(config: RunnableConfig) -> RunCallbacks | None:
    """The run's callbacks, or None when the config names none and LangSmith tracing is
    off (the common case)."""
    if config.get("callbacks") is None and not _tracing_enabled():
        return None
    return RunCallbacks(config)


def _tracing_enabled() -> bool:
    """LangSmith tracing is on (`tracing_context(enabled=True)`, LANGSMITH_TRACING, or a
    `tracing_v2_enabled()` block): LangChain then traces a run without any callbacks given.
    Asked only when langchain-core is loaded and tracing can be on without importing
    LangSmith now (its import alone takes longer than most runs)."""
    if "langchain_core" not in sys.modules:
        return False
    if "langsmith" not in sys.modules and not any(
            os.environ.get(name, "").lower() == "true" for name in _TRACING_ENV):
        return False
    from engine.integrations.lc_events import tracing_enabled

    return tracing_enabled()


_TRACING_ENV = ("LANGSMITH_TRACING", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2",
                "LANGCHAIN_TRACING")
"""The environment variables that turn LangSmith tracing on."""
