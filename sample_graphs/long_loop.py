"""A long loop: one node appends a message per step until there are 2000.

Shows: thousands of supersteps (the step list, seeking to any step, the state as
keyframes plus deltas), and a trace that grows with what changed, not with steps ×
state size.

    stepscope run sample_graphs/long_loop.py
"""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from engine.graph import END, START, StateGraph

STEPS = 2000


class State(TypedDict):
    messages: Annotated[list[str], operator.add]
    count: int


def step(state: State) -> dict[str, object]:
    n = len(state["messages"])
    return {"messages": [f"message {n}: " + "x" * 180], "count": n + 1}


def again(state: State) -> str:
    return "step" if len(state["messages"]) < STEPS else END


graph = (
    StateGraph(State)
    .add_node(step)
    .add_edge(START, "step")
    .add_conditional_edges("step", again, ["step", END])
    .compile(name="long-loop")
)

inputs = {"messages": [], "count": 0}
config = {"recursion_limit": STEPS + 10}
