"""Graphs for the tracer benchmark (stepscope only; the tracer has no LangGraph peer).

The chain and fan-out are the engine bench's own shapes; the loop adds options
(node sleep, custom events per step) that only the tracer bench needs.
"""

from __future__ import annotations

import operator
import time
from typing import Annotated, Any, TypedDict

from bench.engine_shapes import build_chain, build_fanout, graph_api
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

MESSAGE = "m" * 200


class Log(TypedDict):
    msgs: Annotated[list, operator.add]


def chain(n: int) -> Any:
    """The engine bench's chain of `n` nodes, compiled with stepscope."""
    return build_chain(graph_api("stepscope"), n).compile()


def fanout(n: int) -> Any:
    """The engine bench's fan-out of `n` parallel nodes, compiled with stepscope."""
    return build_fanout(graph_api("stepscope"), n).compile()


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
"""Inputs per shape (the chain and fan-out state keys are engine_shapes')."""

LIVE_CHILD = '''
import sys, time
from typing import TypedDict
import tracer
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

class S(TypedDict):
    n: int

def slow(state):
    get_stream_writer()({"emitted": time.monotonic()})  # system-wide clock on Linux
    time.sleep(float(sys.argv[2]))
    return {"n": state["n"] + 1}

graph = StateGraph(S).add_node(slow).add_edge(START, "slow").add_edge("slow", END).compile()
with tracer.record(sys.argv[1]):
    graph.invoke({"n": 0})
'''
"""A child program for the live-delay check: its node emits a custom event holding the
(monotonic) time it was emitted, then sleeps argv[2] seconds."""
