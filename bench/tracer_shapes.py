"""Graphs for the tracer benchmark (stepscope only; the tracer has no LangGraph peer)."""

from __future__ import annotations

import operator
import time
from typing import Annotated, Any, TypedDict

from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

MESSAGE = "m" * 200


class Counter(TypedDict):
    x: int


class Fan(TypedDict):
    out: Annotated[list, operator.add]


class Log(TypedDict):
    msgs: Annotated[list, operator.add]


def chain(n: int) -> Any:
    builder = StateGraph(Counter)
    for i in range(n):
        builder.add_node(f"n{i}", lambda s: {"x": s["x"] + 1})
        builder.add_edge(START if i == 0 else f"n{i - 1}", f"n{i}")
    return builder.compile()


def fanout(n: int) -> Any:
    builder = StateGraph(Fan)
    for i in range(n):
        builder.add_node(f"n{i}", _appender(i))
        builder.add_edge(START, f"n{i}")
    return builder.compile()


def _appender(i: int) -> Any:
    return lambda s: {"out": [i]}


def loop(n: int, *, sleep: float = 0.0, customs: int = 0) -> Any:
    """One node appending a 200-byte message per step, `customs` custom events each."""

    def append(state: Log) -> dict[str, list[str]]:
        if sleep:
            time.sleep(sleep)
        if customs:
            writer = get_stream_writer()
            for i in range(customs):
                writer(i)
        return {"msgs": [MESSAGE]}

    return (StateGraph(Log).add_node("a", append).add_edge(START, "a")
            .add_conditional_edges("a", lambda s: "a" if len(s["msgs"]) < n else END)
            .compile())


INPUTS = {"chain": {"x": 0}, "fanout": {"out": []}, "loop": {"msgs": []}}
