"""`graph | runnable`: a compiled graph composes with LangChain Runnables as in LangGraph."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from typing_extensions import TypedDict

import engine.graph as eng_graph

lg_graph = pytest.importorskip("langgraph.graph")


class State(TypedDict):
    key: str


def build(mod: Any) -> Any:
    def up(state: State) -> State:
        return {"key": state["key"] + " up"}

    async def down(state: State) -> State:
        return {"key": state["key"] + " down"}

    return (mod.StateGraph(State).add_node("up", up).add_node("down", down)
            .add_edge(mod.START, "up").add_edge("up", "down").compile())


class TestCompose:
    """The composed chain runs the graph: invoke, stream, events."""

    def test_sync_needs_sync_nodes(self) -> None:
        for mod in (lg_graph, eng_graph):
            chain = build(mod) | RunnablePassthrough()
            # `down` is async: as in LangGraph, the sync API refuses it.
            with pytest.raises(TypeError, match="No synchronous function"):
                chain.invoke({"key": "a"})

    async def test_async_same_as_langgraph(self) -> None:
        for mod in (lg_graph, eng_graph):
            chain = build(mod) | RunnablePassthrough()
            assert await chain.ainvoke({"key": "a"}) == {"key": "a up down"}
            assert [c async for c in chain.astream({"key": "a"})] == [
                {"up": {"key": "a up"}}, {"down": {"key": "a up down"}}]

    async def test_events_hang_under_the_sequence(self) -> None:
        names: list[list[tuple[str, str, int]]] = []
        for mod in (lg_graph, eng_graph):
            chain = build(mod) | RunnableLambda(lambda x: x)
            events = [e async for e in chain.astream_events(
                {"key": "a"}, {"run_id": UUID(int=0)}, version="v2")]
            names.append([(e["event"], e["name"], len(e["parent_ids"])) for e in events])
            end = events[-1]
            assert end["run_id"] == str(UUID(int=0)) and end["event"] == "on_chain_end"
        assert names[1] == names[0]
        assert ("on_chain_start", "LangGraph", 1) in names[1]

    async def test_function_on_the_left(self) -> None:
        def wrap(text: str) -> dict[str, str]:
            return {"key": text}

        chain = wrap | build(eng_graph)
        assert type(chain).__name__ == "RunnableSequence"
        assert await chain.ainvoke("b") == {"key": "b up down"}
