"""Joke ∥ poem: two nodes run in the same superstep and report progress as they go.

Shows: parallel tasks in one superstep (the slower one is the straggler the barrier
waits for), a reducer-free fan-in, and custom stream data written by nodes.
Run it: `stepscope run sample_graphs/joke_poem.py` (once the tracer lands), or import
`graph` and stream it.
"""

from __future__ import annotations

import time
from typing import TypedDict

from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph


class State(TypedDict):
    topic: str
    joke: str
    poem: str


def _compose(kind: str, topic: str, words: list[str], delay: float) -> str:
    writer = get_stream_writer()
    text: list[str] = []
    for i, word in enumerate(words, 1):
        time.sleep(delay)
        text.append(word)
        writer({"node": kind, "progress": f"{i}/{len(words)}"})
    return " ".join(text).replace("TOPIC", topic)


def write_joke(state: State) -> dict[str, str]:
    words = "Why did the TOPIC cross the road? To get to the other side!".split()
    return {"joke": _compose("joke", state["topic"], words, 0.01)}


def write_poem(state: State) -> dict[str, str]:
    words = "Roses are red, TOPIC is sweet, a superstep waits for every last beat.".split()
    return {"poem": _compose("poem", state["topic"], words, 0.015)}


graph = (
    StateGraph(State)
    .add_node(write_joke)
    .add_node(write_poem)
    .add_edge(START, "write_joke")
    .add_edge(START, "write_poem")
    .add_edge("write_joke", END)
    .add_edge("write_poem", END)
    .compile()
)

inputs = {"topic": "ice cream"}
