"""An async step whose node fails for good: its other nodes are cancelled at once and the
failure raised (LangGraph 1.2.22, observed), not after the slowest node ends."""

from __future__ import annotations

import asyncio
import time
from typing import TypedDict

import pytest

from engine.graph import START, StateGraph
from engine.types import RetryPolicy

from .graphs import awhile


class S(TypedDict, total=False):
    hello: str


def _graph(bad_retry: RetryPolicy | None = None) -> tuple[object, list[str]]:
    cancelled: list[str] = []

    async def bad(state: S) -> None:
        raise ValueError("I am bad")

    graph = (StateGraph(S).add_node("agent", awhile(cancelled)).add_node("bad", bad,
                                                              retry_policy=bad_retry)
             .add_conditional_edges(START, lambda s: ["agent", "bad"]).compile())
    return graph, cancelled


async def test_the_other_nodes_are_cancelled_and_the_error_raised() -> None:
    graph, cancelled = _graph()
    started = time.monotonic()
    with pytest.raises(ValueError, match="I am bad"):
        await asyncio.wait_for(graph.ainvoke({"hello": "x"}), 4)  # type: ignore[attr-defined]
    assert time.monotonic() - started < 4
    assert cancelled == ["awhile"]


async def test_a_retried_failure_still_cancels_once_it_is_final() -> None:
    graph, cancelled = _graph(RetryPolicy(max_attempts=2, initial_interval=0.01,
                                          jitter=False, retry_on=ValueError))
    with pytest.raises(ValueError, match="I am bad"):
        await asyncio.wait_for(graph.ainvoke({"hello": "x"}), 4)  # type: ignore[attr-defined]
    assert cancelled == ["awhile"]
