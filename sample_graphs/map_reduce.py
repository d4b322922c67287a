"""Map-reduce with Send: one task per subject, then a reducer node picks the best.

Shows: PUSH tasks created by `Send` (their argument is their whole input), several
tasks of one node in one superstep, and an `operator.add` reducer folding their
writes in Send order, whatever order they finish in.

    stepscope run sample_graphs/map_reduce.py
"""

from __future__ import annotations

import operator
import random
import time
from typing import Annotated, TypedDict

from engine.graph import END, START, StateGraph
from engine.types import Send


class Overall(TypedDict):
    subjects: list[str]
    jokes: Annotated[list[str], operator.add]
    best: str


class JokeInput(TypedDict):
    subject: str


def continue_to_jokes(state: Overall) -> list[Send]:
    return [Send("generate_joke", {"subject": s}) for s in state["subjects"]]


def generate_joke(state: JokeInput) -> dict[str, list[str]]:
    time.sleep(random.uniform(0.02, 0.12))
    return {"jokes": [f"Why did the {state['subject']} cross the road?"]}


def best_joke(state: Overall) -> dict[str, str]:
    return {"best": max(state["jokes"], key=len)}


graph = (
    StateGraph(Overall)
    .add_node(generate_joke)
    .add_node(best_joke)
    .add_conditional_edges(START, continue_to_jokes, ["generate_joke"])
    .add_edge("generate_joke", "best_joke")
    .add_edge("best_joke", END)
    .compile(name="map-reduce")
)

inputs = {"subjects": ["lions", "elephants", "penguins", "otters"]}
