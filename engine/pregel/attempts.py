"""One task's attempts: run its node (or subgraph), retry it as its policy says, record
how it ended, with LangChain's per-task scope around it. The loop's drivers call
`Loop.execute` / `Loop.aexecute`, which come here; `engine.func` retries its task calls
with `retry_delay` and `next_attempt` too.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from engine import retry
from engine.errors import (
    GraphBubbleUp,
    GraphInterrupt,
    NodeCancelledError,
    ParentCommand,
    RunStopped,
)
from engine.pregel import algo, async_branches
from engine.pregel.task import Task, reset_current, set_current
from engine.timeout import AttemptClock, run_timed

if TYPE_CHECKING:
    from engine.pregel.loop import Loop

log = logging.getLogger("engine")
_capture_config: Callable[[Task], tuple[ContextVar[Any], Any]] | None = None
"""`engine.integrations.langchain.capture_config`, once LangChain is loaded and a task
first asks."""


def langchain_enter(task: Task) -> Any:
    """The task's scope for LangChain: a chain run for the node when the run has
    callbacks; else, if LangChain is loaded and anyone listens, the token of LangChain's
    config variable set to the run's capturing config (made once per run: the set and
    its reset are all a task pays); or None."""
    loop = task.loop
    callbacks = loop.run.callbacks
    if callbacks is not None and (scope := callbacks.task_enter(task)) is not None:
        return scope
    capture = loop.langchain_capture
    if capture is None:
        if not loop.bus.sinks or "langchain_core" not in sys.modules:
            return None  # asked again next task: a node may import LangChain
        global _capture_config
        if _capture_config is None:  # imported once (only when LangChain is loaded)
            from engine.integrations.langchain import capture_config

            _capture_config = capture_config
        capture = loop.langchain_capture = _capture_config(task)
    return capture[0].set(capture[1])


def langchain_exit(scope: Any, task: Task) -> None:
    """Close the scope `langchain_enter` opened (never raises: a failure of a callback
    that says `raise_error` becomes the task's error)."""
    if type(scope) is Token:
        scope.var.reset(scope)
        return
    try:
        scope.close(task)
    except Exception as exc:
        if task.error is None and not task.interrupts:
            task.error = exc


def _keep_output(scope: Any, value: Any) -> None:
    """A callbacks scope ends its chain run with the node's return value."""
    if type(scope) is not Token:
        scope.output = value


def execute(loop: Loop, task: Task) -> None:
    """Run one sync task to completion, retried as its node's policy says; record its
    outcome; never raises."""
    token = set_current(task)
    lc = langchain_enter(task)
    start = task.started_ns = loop.clock.monotonic_ns()
    try:
        node = task.node
        call = node.call  # None exactly for a subgraph node (see NodeSpec)
        if task.prior_error is not None:  # failed before a resume: its handler runs
            raise task.prior_error
        while True:
            try:
                try:
                    if call is None:
                        value = node.subgraph.run_as_subgraph(task)
                    elif call.is_async:
                        raise TypeError(
                            f'No synchronous function provided to "{task.name}".\n'
                            "Either initialize with a synchronous function or invoke "
                            "via the async API (ainvoke, astream, etc.)"
                        )
                    else:
                        value = loop.call_with_injection(call, task.input, task)
                except ParentCommand as pc:
                    value = pc.command
                if lc is not None:
                    _keep_output(lc, value)
                algo.record_output(task, value, loop.snapshot)
                if task.awaiting:
                    async_branches.resolve(task)
                break
            except Exception as exc:
                delay = retry_delay(loop, task, exc)
                if delay is None:
                    raise
                failure = exc
            getattr(loop.clock, "sleep", time.sleep)(delay)
            next_attempt(loop, task, failure)
    except BaseException as exc:
        record_exception(loop, task, exc)
    finally:
        task.duration = loop.clock.monotonic_ns() - start
        if lc is not None:
            langchain_exit(lc, task)
        reset_current(token)


async def aexecute(loop: Loop, task: Task) -> None:
    """Run one async task (or async subgraph) to completion, retried as its node's
    policy says; never raises."""
    token = set_current(task)
    lc = langchain_enter(task)
    start = task.started_ns = loop.clock.monotonic_ns()
    try:
        if task.prior_error is not None:  # failed before a resume: its handler runs
            raise task.prior_error
        while True:
            try:
                try:
                    if task.timeout is None:
                        value = await acall(loop, task)
                    else:
                        value = await timed_attempt(task, lambda: acall(loop, task))
                except ParentCommand as pc:
                    value = pc.command
                if lc is not None:
                    _keep_output(lc, value)
                algo.record_output(task, value, loop.snapshot)
                if task.awaiting:
                    await async_branches.aresolve(task)
                break
            except Exception as exc:
                delay = retry_delay(loop, task, exc)
                if delay is None:
                    raise
                failure = exc
            await getattr(loop.clock, "asleep", asyncio.sleep)(delay)
            next_attempt(loop, task, failure)
    except asyncio.CancelledError as exc:
        running = asyncio.current_task()
        if running is not None and running.cancelling():
            raise  # the run is being torn down: let the cancellation through
        # The node raised CancelledError itself: a failure like any other.
        error = NodeCancelledError(task.name)
        error.__cause__ = exc
        record_exception(loop, task, error)
    except BaseException as exc:
        record_exception(loop, task, exc)
    finally:
        task.duration = loop.clock.monotonic_ns() - start
        if lc is not None:
            langchain_exit(lc, task)
        reset_current(token)


async def acall(loop: Loop, task: Task) -> Any:
    """One attempt of an async task's node (or subgraph)."""
    node = task.node
    call = node.call
    if call is None:
        return await node.subgraph.arun_as_subgraph(task)
    value = loop.call_with_injection(call, task.input, task)
    return await value if call.is_async else value


def next_attempt(loop: Loop, task: Task, failure: Exception) -> None:
    """After a retry's wait: the controller may stop or hold the next attempt."""
    if loop.run.controller is not None:
        loop.run.controller.before_retry(task, failure)
    task.start_retry()


def retry_delay(loop: Loop, task: Task, exc: Exception) -> float | None:
    """Seconds to wait before `task` runs again after `exc`; None: the failure is final.
    A pause, a jump to the parent graph or a stop is never retried."""
    policies = task.node.retry_policy
    if not policies or isinstance(exc, (GraphBubbleUp, RunStopped)):
        return None
    delay = retry.delay_after(policies, exc, task.attempts)
    if delay is not None:
        log.info("Retrying task %s after %.2f seconds (attempt %d) after %s %s",
                 task.name, delay, task.attempts, type(exc).__name__, exc, exc_info=exc)
    return delay


def record_exception(loop: Loop, task: Task, exc: BaseException) -> None:
    if isinstance(exc, GraphInterrupt):
        task.interrupts = tuple(exc.interrupts)
        task.paused = True
    elif isinstance(exc, ParentCommand):
        task.hidden = True
        task.error = exc
    elif isinstance(exc, (KeyboardInterrupt, SystemExit)):
        raise exc
    else:
        task.error = exc


async def timed_attempt(task: Task, attempt: Callable[[], Awaitable[Any]]) -> Any:
    """One attempt (`attempt()`) under the task's `TimeoutPolicy` (`engine.timeout`), with
    fresh progress marks: the task's writes, model tokens and `runtime.heartbeat()` touch
    them. A graph node's attempt and a functional API task call's both come here."""
    policy = task.timeout
    assert policy is not None
    task.marks = AttemptClock(policy)
    task.reset_runtime()  # its heartbeat is this attempt's
    try:
        return await run_timed(task.name, policy, task.marks, attempt)
    finally:
        task.marks = None
