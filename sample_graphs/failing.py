"""A node that fails, next to one that succeeds in the same superstep.

Shows: an error with its traceback in the trace, the sibling's update still reported
(no checkpointer), and `stepscope run` exiting 1 while keeping the trace.

    stepscope run sample_graphs/failing.py
"""

from __future__ import annotations

import operator
import time
from typing import Annotated, TypedDict

from engine.graph import START, StateGraph


class State(TypedDict):
    x: int
    log: Annotated[list[str], operator.add]


def fetch(state: State) -> dict[str, list[str]]:
    time.sleep(0.05)
    return {"log": ["fetched"]}


def parse(state: State) -> dict[str, int]:
    raw = {"count": "twelve"}
    return {"x": int(raw["count"])}  # ValueError: invalid literal for int()


graph = (
    StateGraph(State)
    .add_node(fetch)
    .add_node(parse)
    .add_edge(START, "fetch")
    .add_edge(START, "parse")
    .compile(name="failing")
)

inputs = {"x": 0, "log": []}
