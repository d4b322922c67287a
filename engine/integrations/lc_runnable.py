"""A compiled graph as a LangChain Runnable, for composing it with LangChain's:
`graph | RunnablePassthrough()` is a LangChain RunnableSequence whose first step runs the
graph (needs langchain-core).

The wrapper only delegates: `invoke`/`stream` and their async twins run the graph with
the config the sequence gives its step, so the graph's LangChain runs (and so its
`astream_events`) hang under the sequence's run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.runnables import Runnable as LCRunnable
from langchain_core.runnables import RunnableConfig as LCRunnableConfig


class GraphRunnable(LCRunnable[Any, Any]):
    """Runs an engine graph (or any engine Runnable) where LangChain expects a Runnable."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.name = graph.get_name()

    def invoke(self, input: Any, config: LCRunnableConfig | None = None,
               **kwargs: Any) -> Any:
        return self.graph.invoke(input, config, **kwargs)

    async def ainvoke(self, input: Any, config: LCRunnableConfig | None = None,
                      **kwargs: Any) -> Any:
        return await self.graph.ainvoke(input, config, **kwargs)

    def stream(self, input: Any, config: LCRunnableConfig | None = None,
               **kwargs: Any) -> Iterator[Any]:
        if not hasattr(self.graph, "stream"):
            yield self.invoke(input, config, **kwargs)
            return
        yield from self.graph.stream(input, config, **kwargs)

    async def astream(self, input: Any, config: LCRunnableConfig | None = None,
                      **kwargs: Any) -> AsyncIterator[Any]:
        if not hasattr(self.graph, "astream"):
            yield await self.ainvoke(input, config, **kwargs)
            return
        async for chunk in self.graph.astream(input, config, **kwargs):
            yield chunk


def as_langchain(runnable: Any) -> GraphRunnable:
    return GraphRunnable(runnable)
