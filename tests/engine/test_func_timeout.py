"""`timeout=` on `@task` and `@entrypoint`: as on graph nodes, it limits each attempt of an
async task call or entrypoint; a sync one is refused when it is declared (LangGraph 1.2.22,
observed: the same ValueError text, "Task 'f' is sync" / "Node 'f' is sync")."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest

from engine.errors import NodeTimeoutError
from engine.func import entrypoint, task
from engine.types import RetryPolicy, TimeoutPolicy

SYNC_REFUSED = "only supported for async nodes"


def test_a_sync_task_or_entrypoint_with_a_timeout_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match=SYNC_REFUSED) as info:
        @task(timeout=TimeoutPolicy(idle_timeout=0.05))
        def sync_task(value: int) -> int:
            return value

    assert "Task 'sync_task' is sync" in str(info.value)
    with pytest.raises(ValueError, match=SYNC_REFUSED) as info:
        @entrypoint(timeout=0.05)
        def sync_entry(value: int) -> int:
            return value

    assert "Node 'sync_entry' is sync" in str(info.value)


def test_a_non_positive_timeout_is_refused_by_the_decorator_factory() -> None:
    with pytest.raises(ValueError, match="run_timeout must be greater than 0"):
        task(timeout=0)
    with pytest.raises(ValueError, match="idle_timeout must be greater than 0"):
        entrypoint(timeout=TimeoutPolicy(idle_timeout=-1))


async def test_a_task_call_past_its_idle_timeout_fails_its_caller() -> None:
    @task(timeout=TimeoutPolicy(idle_timeout=0.05))
    async def slow(x: int) -> int:
        await asyncio.sleep(0.5)
        return x + 1

    @entrypoint()
    async def workflow(x: int) -> int:
        return await slow(x)

    with pytest.raises(NodeTimeoutError) as info:
        await workflow.ainvoke(1)
    assert info.value.node == "slow"
    assert "idle timeout" in str(info.value)


async def test_a_task_within_its_timeout_returns_and_its_own_timeout_kwarg_is_the_callers(
) -> None:
    @task(timeout=timedelta(seconds=5))
    async def echo(*, timeout: int) -> int:
        await asyncio.sleep(0)
        return timeout

    @entrypoint()
    async def workflow(x: int) -> int:
        return await echo(timeout=x)

    assert await workflow.ainvoke(7) == 7


async def test_an_entrypoint_past_its_run_timeout_fails_after_its_child_started() -> None:
    started = threading.Event()

    @task()
    def child(value: int) -> int:
        started.set()
        return value + 1

    @entrypoint(timeout=0.05)
    async def parent(value: int) -> int:
        child(value)
        await asyncio.sleep(0.5)
        return value

    with pytest.raises(NodeTimeoutError) as info:
        await parent.ainvoke(1)
    assert info.value.node == "parent" and "run timeout" in str(info.value)
    assert started.wait(timeout=5)


async def test_a_timed_out_task_attempt_is_retried_by_its_policy() -> None:
    attempts: list[int] = []

    @task(timeout=TimeoutPolicy(run_timeout=0.05),
          retry_policy=RetryPolicy(initial_interval=0.01, jitter=False,
                                   retry_on=NodeTimeoutError))
    async def flaky(x: int) -> int:
        attempts.append(x)
        if len(attempts) == 1:
            await asyncio.sleep(0.5)  # the first attempt times out
        return x * 2

    @entrypoint()
    async def workflow(x: int) -> int:
        return await flaky(x)

    assert await workflow.ainvoke(4) == 8
    assert attempts == [4, 4]
