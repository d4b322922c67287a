"""A graph that stops for a human: `interrupt()` asks, `Command(resume=...)` answers.

Shows: an interrupt in the trace (its value and id), the run ending as interrupted,
and, resumed with a value, the node running again from its start.

    stepscope run sample_graphs/interrupt.py
"""

from __future__ import annotations

from typing import TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import END, START, StateGraph
from engine.types import interrupt


class State(TypedDict):
    draft: str
    approved: bool


def write_draft(state: State) -> dict[str, str]:
    return {"draft": "Dear team, the release is on Friday."}


def review(state: State) -> dict[str, bool]:
    answer = interrupt({"question": "Send this email?", "draft": state["draft"]})
    return {"approved": answer == "yes"}


graph = (
    StateGraph(State)
    .add_node(write_draft)
    .add_node(review)
    .add_edge(START, "write_draft")
    .add_edge("write_draft", "review")
    .add_edge("review", END)
    .compile(checkpointer=InMemorySaver(), name="interrupt")
)

inputs = {"draft": "", "approved": False}
