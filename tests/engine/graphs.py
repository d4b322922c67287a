"""Small graphs shared by the engine tests."""

from __future__ import annotations

import asyncio
import operator
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypedDict

from engine.graph import END, START, StateGraph


class Joke(TypedDict):
    topic: str
    joke: str


def refine_topic(state: Joke) -> dict[str, str]:
    return {"topic": state["topic"] + " and cats"}


def generate_joke(state: Joke) -> dict[str, str]:
    return {"joke": "This is a joke about " + state["topic"]}


def linear(**compile_kwargs: Any):
    return (
        StateGraph(Joke)
        .add_node(refine_topic)
        .add_node(generate_joke)
        .add_edge(START, "refine_topic")
        .add_edge("refine_topic", "generate_joke")
        .add_edge("generate_joke", END)
        .compile(**compile_kwargs)
    )


class Log(TypedDict):
    log: Annotated[list, operator.add]


def sleepers(*delays: float):
    """Parallel nodes s0, s1, ... from START, each sleeping its delay and logging its name."""
    builder = StateGraph(Log)
    for i, delay in enumerate(delays):

        def node(state: Log, _d: float = delay, _n: str = f"s{i}") -> dict[str, list[str]]:
            time.sleep(_d)
            return {"log": [_n]}

        builder.add_node(f"s{i}", node).add_edge(START, f"s{i}")
    return builder.compile()


def awhile(cancelled: list[str], seconds: float = 5) -> Callable[[Any], Awaitable[None]]:
    """An async node named "awhile" that sleeps `seconds` and, when cancelled, appends
    "awhile" to `cancelled` before letting the cancellation through."""
    async def awhile(state: Any) -> None:
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            cancelled.append("awhile")
            raise

    return awhile


def model_in_model() -> tuple[Any, type, type]:
    """(graph, Inner, Outer): a graph of pydantic state `Outer` whose node "o" appends
    "_out", then runs as node "inner" a subgraph of another model, `Inner`, whose node
    "i" appends "_in"."""
    from pydantic import BaseModel

    class Inner(BaseModel):
        value: str

    class Outer(BaseModel):
        value: str

    inner = (StateGraph(Inner).add_node("i", lambda s: {"value": s.value + "_in"})
             .add_edge(START, "i").compile())
    outer = (StateGraph(Outer).add_node("o", lambda s: {"value": s.value + "_out"})
             .add_node("inner", inner).add_edge(START, "o").add_edge("o", "inner").compile())
    return outer, Inner, Outer
