"""`max_concurrency` in the config: at most that many tasks of a step run at once, as in
LangGraph 1.2.22 (observed; LangGraph is not imported here)."""

from __future__ import annotations

import asyncio
import operator
import threading
import time
from typing import Annotated, Any

from engine.graph import START, StateGraph
from engine.types import Send


class Gauge:
    """Counts the calls in progress and the most seen at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


def fan_out(node: Any) -> Any:
    return (StateGraph(Annotated[list, operator.add]).add_node("work", node)
            .add_conditional_edges(START, lambda s: [Send("work", i) for i in range(20)])
            .compile())


class TestMaxConcurrency:
    """Async and sync runs alike."""

    def test_async_nodes(self) -> None:
        """Twenty async Sends with max_concurrency 4: never more than 4 at once."""
        gauge = Gauge()

        async def work(i: int) -> list[int]:
            gauge.enter()
            await asyncio.sleep(0.01)
            gauge.leave()
            return [i]

        graph = fan_out(work)
        result = asyncio.run(graph.ainvoke([], {"max_concurrency": 4}))
        assert sorted(result) == list(range(20)) and gauge.most == 4
        gauge.most = 0
        asyncio.run(graph.ainvoke([]))
        assert gauge.most == 20

    def test_sync_nodes(self) -> None:
        """Sync nodes on the pool obey the same limit."""
        gauge = Gauge()

        def work(i: int) -> list[int]:
            gauge.enter()
            time.sleep(0.01)
            gauge.leave()
            return [i]

        result = fan_out(work).invoke([], {"max_concurrency": 3})
        assert sorted(result) == list(range(20)) and gauge.most <= 3
