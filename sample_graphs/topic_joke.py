"""Topic → joke: the seed's first graph, two nodes in a chain.

Shows: supersteps in a chain (one task per step), `updates` vs `values`.

    stepscope run sample_graphs/topic_joke.py
"""

from __future__ import annotations

from typing import TypedDict

from engine.graph import END, START, StateGraph


class State(TypedDict):
    topic: str
    joke: str


def refine_topic(state: State) -> dict[str, str]:
    return {"topic": state["topic"] + " and cats"}


def generate_joke(state: State) -> dict[str, str]:
    return {"joke": f"This is a joke about {state['topic']}"}


graph = (
    StateGraph(State)
    .add_node(refine_topic)
    .add_node(generate_joke)
    .add_edge(START, "refine_topic")
    .add_edge("refine_topic", "generate_joke")
    .add_edge("generate_joke", END)
    .compile(name="topic-joke")
)

inputs = {"topic": "ice cream"}
