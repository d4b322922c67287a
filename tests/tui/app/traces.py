"""Small traces recorded from real graphs, for the app's tests."""

from __future__ import annotations

import operator
import time
from pathlib import Path
from typing import Annotated, Any, TypedDict

import tracer
from engine.graph import END, START, StateGraph
from tests.tracer import graphs


class Count(TypedDict):
    n: int
    log: Annotated[list, operator.add]


def counter(steps: int, delay: float = 0.0) -> Any:
    """tick → tick → … `steps` times: one task per step (sleeping `delay` s each)."""

    def tick(state: Count) -> dict[str, Any]:
        time.sleep(delay)
        return {"n": state["n"] + 1, "log": [f"tick {state['n'] + 1}"]}

    def more(state: Count) -> str:
        return "tick" if state["n"] < steps else END

    return (StateGraph(Count).add_node(tick).add_edge(START, "tick")
            .add_conditional_edges("tick", more, ["tick", END]).compile())


def record_agent(path: Path) -> Path:
    """The weather agent: 6 steps, LLM calls in steps 1, 3 and 5, custom events in 2."""
    with tracer.record(path):
        graphs.weather_agent().invoke(
            {"messages": [{"role": "user", "content": "Paris or Tokyo?"}]})
    return path


def record_failing(path: Path) -> Path:
    """pre → boom (raises): step 2 has a failed task."""
    with tracer.record(path):
        try:
            graphs.failing().invoke({"topic": "x", "log": []})
        except ValueError:
            pass
    return path


def record_counter(path: Path, steps: int) -> Path:
    with tracer.record(path):
        counter(steps).invoke({"n": 0, "log": []}, {"recursion_limit": steps + 10})
    return path


def record_subgraph(path: Path) -> Path:
    """prep → inner (a subgraph run of two steps) → done."""
    with tracer.record(path):
        graphs.with_subgraph().invoke({"topic": "x", "log": []})
    return path
