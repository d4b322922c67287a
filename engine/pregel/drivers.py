"""Two drivers for the one loop: sync (threads) and async (asyncio tasks).

A driver plans a step, starts its tasks, hands each finished task back to the loop,
and closes the step; it yields the stream chunks that arrive in its inbox meanwhile.
Chunks and finished tasks share the inbox, so they come out in the order they happened.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from queue import Empty, SimpleQueue
from typing import Any

from engine.pregel.loop import Loop
from engine.pregel.pool import POOL
from engine.pregel.task import Task


class Chunk:
    """A stream item in an inbox (wrapped so it is never mistaken for a finished Task)."""

    __slots__ = ("item",)

    def __init__(self, item: Any) -> None:
        self.item = item


def drive(loop: Loop, input: Any, inbox: SimpleQueue[Any] | None = None) -> Iterator[Any]:
    """Run `loop` to the end on this thread (tasks on the pool); yield stream items."""
    inbox = inbox if inbox is not None else SimpleQueue()
    controller = loop.run.controller
    try:
        loop.begin(input)
        yield from _drain(inbox)
        step_timeout = getattr(loop.graph, "step_timeout", None)
        while (tasks := loop.plan()) is not None:
            if not inbox.empty():  # (a generator per check costs more than the check)
                yield from _drain(inbox)
            deadline = None if step_timeout is None else time.monotonic() + step_timeout
            if len(tasks) == 1 and not loop.run.live:
                follow: Task | None = tasks[0]
                while follow is not None:  # the task, then its error handler, if any
                    if controller is not None:
                        controller.before_task(follow)
                    loop.execute(follow)
                    if deadline is not None and time.monotonic() > deadline:
                        raise TimeoutError("Timed out")  # run inline: noticed as it ends
                    follow = loop.complete(follow)
            else:
                if controller is not None:
                    # Under a controller, tasks start one by one after its say-so.
                    for task in tasks:
                        controller.before_task(task)
                        _start_sync(loop, [task], inbox, 1)
                else:
                    limit = loop.config.get("max_concurrency") or MAX_RUNNERS
                    _start_sync(loop, tasks, inbox, min(MAX_RUNNERS, limit))
                remaining = len(tasks)
                while remaining:
                    item = inbox.get() if deadline is None else _get_by(inbox, deadline)
                    if type(item) is Task:
                        handler = loop.complete(item)
                        if handler is None:
                            remaining -= 1
                        else:  # it runs in the failed task's place
                            if controller is not None:
                                controller.before_task(handler)
                            _start_sync(loop, [handler], inbox, 1)
                    else:
                        yield item.item
            if not inbox.empty():
                yield from _drain(inbox)
            loop.finish_step()
            if not inbox.empty():
                yield from _drain(inbox)
    except GeneratorExit:
        raise
    except BaseException as exc:
        loop.end(exc)
        yield from _drain(inbox)
        raise
    loop.end(None)
    yield from _drain(inbox)


def _get_by(inbox: SimpleQueue[Any], deadline: float) -> Any:
    """The inbox's next item, or TimeoutError at `deadline` (the step's `step_timeout`;
    its sync tasks go on in their threads: Python cannot stop them)."""
    try:
        return inbox.get(timeout=max(0.0, deadline - time.monotonic()))
    except Empty:
        raise TimeoutError("Timed out") from None


MAX_RUNNERS = 64
"""At most this many pool workers run one step's sync tasks; each takes the next task
from the step's queue when it finishes one, so a step of a thousand trivial tasks costs
64 thread hand-offs, not a thousand, while up to 64 blocking tasks still overlap."""


def _start_sync(loop: Loop, tasks: list[Task], inbox: Any, runners: int) -> None:
    """Run `tasks` on pool workers; each finished task is put into `inbox`."""
    ctx = contextvars.copy_context()
    queue = deque(tasks)

    def runner(own: contextvars.Context) -> None:
        # A Context can be entered by one thread at a time: each runner has its own copy.
        while True:
            try:
                task = queue.popleft()
            except IndexError:
                return
            try:
                own.run(loop.execute, task)
            except BaseException as exc:  # never lose a task: report it as failed
                task.error = exc
            inbox.put(task)

    for _ in range(min(runners, len(tasks))):
        job = functools.partial(runner, ctx.copy())
        if not POOL.submit(job):
            job()


def _drain(inbox: SimpleQueue[Any]) -> Iterator[Any]:
    while not inbox.empty():
        item = inbox.get_nowait()
        if type(item) is Task:  # pragma: no cover - tasks are only awaited in drive()
            raise RuntimeError("task finished outside of a step")
        yield item.item


class AsyncInbox:
    """An asyncio queue that threads may put into as well."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.aloop = asyncio.get_running_loop()
        self.thread = threading.get_ident()

    def put(self, item: Any) -> None:
        if threading.get_ident() == self.thread:
            self.queue.put_nowait(item)
        else:
            self.aloop.call_soon_threadsafe(self.queue.put_nowait, item)

    def drain(self) -> list[Any]:
        out = []
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if type(item) is not Task:  # a task cancelled with its run still reports in
                out.append(item.item)
        return out


async def adrive(loop: Loop, input: Any, inbox: AsyncInbox | None = None) -> AsyncIterator[Any]:
    """Run `loop` in this event loop (sync nodes on the pool); yield stream items."""
    inbox = inbox if inbox is not None else AsyncInbox()
    controller = loop.run.controller
    loop.driven_async = True
    running: set[asyncio.Task[Any]] = set()
    try:
        loop.begin(input)
        for item in inbox.drain():
            yield item
        step_timeout = getattr(loop.graph, "step_timeout", None)
        while (tasks := loop.plan()) is not None:
            for item in inbox.drain():
                yield item
            deadline = None if step_timeout is None else time.monotonic() + step_timeout
            # `max_concurrency` in the config: at most that many tasks at once, the
            # next one starting as one finishes.
            waiting = deque(tasks)
            for _ in range(min(len(tasks), loop.config.get("max_concurrency") or len(tasks))):
                task = waiting.popleft()
                if controller is not None:
                    controller.before_task(task)
                _start_async(loop, task, inbox, running)
            remaining = len(tasks)
            while remaining:
                if deadline is None:
                    item = await inbox.queue.get()
                else:  # past the step's timeout: TimeoutError (its nodes are cancelled)
                    item = await asyncio.wait_for(inbox.queue.get(),
                                                  max(0.0, deadline - time.monotonic()))
                if type(item) is Task:
                    handler = loop.complete(item)
                    if handler is None:
                        remaining -= 1
                        if loop.step_failed:
                            # A node failed for good: as LangGraph, the step's other
                            # nodes are cancelled, none is started, and the error raised.
                            _cancel(running)
                            if running:
                                await asyncio.wait(running)
                            break
                        if waiting:
                            task = waiting.popleft()
                            if controller is not None:
                                controller.before_task(task)
                            _start_async(loop, task, inbox, running)
                    else:  # it runs in the failed task's place
                        if controller is not None:
                            controller.before_task(handler)
                        _start_async(loop, handler, inbox, running)
                else:
                    yield item.item
            running.clear()
            for item in inbox.drain():
                yield item
            loop.finish_step()
            for item in inbox.drain():
                yield item
    except GeneratorExit:
        _cancel(running)
        raise
    except asyncio.CancelledError as exc:
        # The consumer was cancelled (e.g. a v3 run's abort): so are the running nodes
        # and, through them, their subgraphs. Nothing more is yielded.
        _cancel(running)
        if running:  # their own handlers of the cancellation run before the run ends
            await asyncio.wait(running)
        loop.end(exc)
        raise
    except BaseException as exc:
        if running:  # failed mid-step: stop the step's async nodes too
            _cancel(running)
            await asyncio.wait(running)
        loop.end(exc)
        for item in inbox.drain():
            yield item
        raise
    loop.end(None)
    for item in inbox.drain():
        yield item


def _start_async(loop: Loop, task: Task, inbox: AsyncInbox,
                 running: set[asyncio.Task[Any]]) -> None:
    """An async node or subgraph as an asyncio task; a sync node on the pool."""
    node = task.node
    if node.subgraph is not None or (node.call and node.call.is_async):
        running.add(asyncio.ensure_future(_run_async(loop, task, inbox)))
    else:
        _start_sync(loop, [task], inbox, 1)
def _cancel(running: set[asyncio.Task[Any]]) -> None:
    for task in running:
        if not task.done():
            task.cancel()


async def _run_async(loop: Loop, task: Task, inbox: AsyncInbox) -> None:
    await loop.aexecute(task)
    inbox.put(task)

