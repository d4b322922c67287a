"""`@task`: a function whose calls, inside an entrypoint or a graph node, run as tasks.

Calling a task returns a future at once; the call runs beside its caller (a pool
thread for a sync function, an asyncio task for an async one in an event loop). Its
result is saved on the step's checkpoint, so when an entrypoint runs again after an
interrupt its earlier calls return their saved results instead of running again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import time
from collections.abc import Callable, Generator, Sequence
from datetime import timedelta
from typing import Any

from engine.cache import nodes as cache_nodes
from engine.cache.base import BaseCache, FullKey, key_text
from engine.func.injection import injectable_params, injected_kwargs
from engine.func.scope import (
    announce_start,
    finish_call,
    open_scope,
    record_failure,
    record_value,
    saved_call,
)
from engine.graph.callspec import is_async_callable
from engine.graph.spec import NodeSpec
from engine.pregel import attempts
from engine.pregel.pool import POOL
from engine.pregel.task import Task, current_task, reset_current, set_current
from engine.retry import RetryPolicy, as_policies
from engine.schema import Schema
from engine.timeout import TimeoutPolicy, sync_timeout_unsupported


class CallFuture(concurrent.futures.Future[Any]):
    """A sync call's future: `.result()` blocks; an async caller may `await` it too."""

    def __await__(self) -> Generator[Any, None, Any]:
        return asyncio.wrap_future(self).__await__()


def _name_of(fn: Any) -> str:
    while isinstance(fn, functools.partial):
        fn = fn.func
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else type(fn).__name__


class TaskFunction:
    """What `@task` makes of a function: calling it schedules a task and returns a future."""

    def __init__(self, func: Callable[..., Any], *, name: str | None = None,
                 retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
                 cache_policy: Any = None,
                 timeout: float | timedelta | TimeoutPolicy | None = None) -> None:
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            raise NotImplementedError("Generators are not supported in the Functional API")
        self.func = func
        self.name = name or _name_of(func)
        self.retry_policy = as_policies(retry_policy)
        self.cache_policy = cache_policy
        self.is_async = is_async_callable(func)
        self.timeout = TimeoutPolicy.coerce(timeout)
        """Limits on each attempt of a call (async tasks only, as for graph nodes)."""
        if self.timeout is not None and not self.is_async:
            raise sync_timeout_unsupported(self.name, "Task")
        self._inject = injectable_params(func)
        try:
            self._signature: inspect.Signature | None = inspect.signature(func)
            """Binds a call's arguments to their names (its LangChain run's inputs)."""
        except (TypeError, ValueError):
            self._signature = None
        self.node = NodeSpec(self.name, None, None, Schema(None), (), (), (), (), None,
                             retry_policy=self.retry_policy, timeout=self.timeout)
        functools.update_wrapper(self, func)

    def __repr__(self) -> str:
        return f"<task {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        parent = current_task("task")  # LangGraph's RuntimeError outside a run
        scope = parent.scope
        if scope is None:  # a graph node that calls tasks
            scope = open_scope(parent)
        call = scope.new_call(parent, self.node, args, kwargs)
        saved = saved_call(call)
        if saved is not None and saved.done:  # ran before this step was resumed
            done = CallFuture()
            done.set_result(saved.result)
            return done
        if saved is not None:
            call.resume = list(saved.resume)
        announce_start(call, parent.name)
        if saved is None and self.cache_policy is not None and call.loop.cache is not None:
            hit = self._cached(call)
            if hit is not None:
                return hit
        if self.is_async:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                future: Any = asyncio.ensure_future(self._arun(call))
                scope.track(future)
                return future
        future = CallFuture()
        ctx = contextvars.copy_context()
        job = functools.partial(ctx.run, self._run, call, future)
        if not POOL.submit(job):
            job()
        scope.track(future)
        return future

    # -- caching -------------------------------------------------------------------------
    def _cache_key(self, call: Task) -> FullKey:
        args, kwargs = call.input
        return cache_nodes.namespace(self.name), key_text(self.cache_policy.key_func(*args,
                                                                                     **kwargs))

    def _cached(self, call: Task) -> CallFuture | None:
        """A finished future if the cache has this call's result (announced as cached)."""
        full = self._cache_key(call)
        found = call.loop.cache.get([full])
        if full not in found:
            return None
        record_value(call, found[full])
        finish_call(call, cached=True)
        done = CallFuture()
        done.set_result(call.result)
        return done

    def _keep(self, call: Task) -> None:
        if self.cache_policy is not None and call.loop.cache is not None:
            call.loop.cache.set({self._cache_key(call): (call.result, self.cache_policy.ttl)})

    def clear_cache(self, cache: BaseCache) -> None:
        """Forget this task's cached results in `cache`."""
        cache_nodes.clear(cache, [self.name])

    async def aclear_cache(self, cache: BaseCache) -> None:
        self.clear_cache(cache)

    # -- running -------------------------------------------------------------------------
    def _invoke(self, call: Task) -> Any:
        if self.is_async:  # an async task called from sync code
            return asyncio.run(self._attempt(call))
        args, kwargs = call.input
        extra = injected_kwargs(self._inject, self.func, args, kwargs, call)
        return self.func(*args, **kwargs, **extra)

    async def _attempt(self, call: Task) -> Any:
        """One attempt of an async task's call, under its timeout when it has one."""
        if call.timeout is not None:
            return await attempts.timed_attempt(call, lambda: self._acall(call))
        return await self._acall(call)

    async def _acall(self, call: Task) -> Any:
        args, kwargs = call.input
        extra = injected_kwargs(self._inject, self.func, args, kwargs, call)
        return await self.func(*args, **kwargs, **extra)

    def _chain_run(self, call: Task) -> Any:
        """The call's LangChain chain run when the run has callbacks (else None), under
        its caller's, its inputs the call's arguments by parameter name."""
        callbacks = call.loop.run.callbacks
        if callbacks is None:
            return None
        args, kwargs = call.input
        inputs: dict[str, Any] = {"args": list(args), **kwargs}  # without a signature
        if self._signature is not None:
            try:
                inputs = dict(self._signature.bind_partial(*args, **kwargs).arguments)
            except TypeError:  # arguments the function does not take: the call fails
                pass
        return callbacks.call_enter(call, inputs)

    def _end_chain_run(self, run: Any, call: Task) -> None:
        run.output = call.result  # ended with it only when the call succeeded (NodeRun)
        attempts.langchain_exit(run, call)

    def _run(self, call: Task, future: CallFuture) -> None:
        loop = call.loop
        token = set_current(call)
        chain_run = self._chain_run(call)
        start = loop.clock.monotonic_ns()
        outcome: BaseException | None = None
        try:
            while True:
                try:
                    value = self._invoke(call)
                    break
                except Exception as exc:
                    delay = attempts.retry_delay(loop, call, exc)
                    if delay is None:
                        raise
                    failure = exc
                getattr(loop.clock, "sleep", time.sleep)(delay)
                attempts.next_attempt(loop, call, failure)
            record_value(call, value)
            self._keep(call)
        except BaseException as exc:
            outcome = record_failure(call, exc)
        finally:
            call.duration = loop.clock.monotonic_ns() - start
            if chain_run is not None:
                self._end_chain_run(chain_run, call)
            reset_current(token)
        finish_call(call)
        if outcome is None:
            future.set_result(call.result)
        else:
            future.set_exception(outcome)

    async def _arun(self, call: Task) -> Any:
        loop = call.loop
        token = set_current(call)
        chain_run = self._chain_run(call)
        start = loop.clock.monotonic_ns()
        outcome: BaseException | None = None
        cancelled: asyncio.CancelledError | None = None
        try:
            while True:
                try:
                    value = await self._attempt(call)
                    break
                except Exception as exc:
                    delay = attempts.retry_delay(loop, call, exc)
                    if delay is None:
                        raise
                    failure = exc
                await getattr(loop.clock, "asleep", asyncio.sleep)(delay)
                attempts.next_attempt(loop, call, failure)
            record_value(call, value)
            self._keep(call)
        except asyncio.CancelledError as exc:  # the caller cancelled the call's future
            call.error = cancelled = exc
        except BaseException as exc:
            outcome = record_failure(call, exc)
        finally:
            call.duration = loop.clock.monotonic_ns() - start
            if chain_run is not None:
                self._end_chain_run(chain_run, call)
            reset_current(token)
        finish_call(call)
        if cancelled is not None:
            raise cancelled
        if outcome is not None:
            raise outcome
        return call.result


def task(
    __func_or_none__: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
    cache_policy: Any = None,
    timeout: float | timedelta | TimeoutPolicy | None = None,
    **kwargs: Any,
) -> Any:
    """Make a function a task: `@task`, `@task()`, `@task(name=..., retry_policy=...)`.
    `timeout` (seconds, a timedelta or a `TimeoutPolicy`) limits each attempt of a call of
    an async task (a sync one is refused here, as LangGraph does)."""
    if "retry" in kwargs:
        from engine.graph.deprecated import renamed

        retry_policy = renamed(kwargs, "retry", "retry_policy", retry_policy)
    if kwargs:
        raise TypeError(f"task() got unexpected arguments: {sorted(kwargs)}")
    timeout = TimeoutPolicy.coerce(timeout)  # a bad one is refused here, as LangGraph does

    def decorate(func: Callable[..., Any]) -> TaskFunction:
        return TaskFunction(func, name=name, retry_policy=retry_policy,
                            cache_policy=cache_policy, timeout=timeout)

    if __func_or_none__ is not None:
        return decorate(__func_or_none__)
    return decorate
