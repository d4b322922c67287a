"""`graph.step_timeout`: a superstep that takes longer raises TimeoutError (LangGraph
1.2.22, observed: `TimeoutError()` for the async API, at the deadline, with the step's
async nodes cancelled; `TimeoutError('Timed out')` for the sync one, which cannot stop a
node that runs and notices when it returns)."""

from __future__ import annotations

import time
from typing import Any, TypedDict

import pytest

from engine.graph import START, StateGraph

from .graphs import awhile


class S(TypedDict, total=False):
    hello: str


def test_unset_it_waits_for_every_node() -> None:
    graph = StateGraph(S).add_node("n", lambda s: {"hello": "x"}).add_edge(START, "n").compile()
    assert graph.step_timeout is None
    assert graph.invoke({"hello": ""}) == {"hello": "x"}


async def test_an_async_step_past_it_is_cancelled_and_raises() -> None:
    cancelled: list[str] = []

    async def quick(state: S) -> dict[str, str]:
        return {"hello": "1"}

    builder = StateGraph(S).add_node(awhile(cancelled)).add_node(quick)
    graph = builder.add_conditional_edges(START, lambda s: ["awhile", "quick"]).compile()
    graph.step_timeout = 0.2
    chunks: list[Any] = []
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async for chunk in graph.astream({"hello": "x"}, stream_mode="updates"):
            chunks.append(chunk)
    assert time.monotonic() - started < 4  # at the deadline, not when awhile would end
    assert chunks == [{"quick": {"hello": "1"}}]
    assert cancelled == ["awhile"]


def test_a_sync_step_past_it_raises_when_its_tasks_are_waited_for() -> None:
    def slow(state: S) -> dict[str, str]:
        time.sleep(0.3)
        return {"hello": "slow"}

    def also(state: S) -> dict[str, str]:
        time.sleep(0.3)
        return {}

    one = StateGraph(S).add_node(slow).add_edge(START, "slow").compile()
    one.step_timeout = 0.05
    with pytest.raises(TimeoutError, match="Timed out"):
        one.invoke({"hello": ""})
    two = (StateGraph(S).add_node(slow).add_node(also)
           .add_conditional_edges(START, lambda s: ["slow", "also"]).compile())
    two.step_timeout = 0.05
    with pytest.raises(TimeoutError, match="Timed out"):
        two.invoke({"hello": ""})
