"""An async node with an injected `writer` (the seed's async example).

Shows: async nodes run as asyncio tasks (`ainvoke`/`astream`), and custom data from a
`writer: StreamWriter` parameter.

    stepscope run sample_graphs/async_writer.py
"""

from __future__ import annotations

import asyncio
from typing import TypedDict

from engine.graph import START, StateGraph
from engine.types import StreamWriter


class State(TypedDict):
    topic: str
    joke: str


async def generate_joke(state: State, writer: StreamWriter) -> dict[str, str]:
    for part in ("thinking", "drafting", "polishing"):
        writer({"custom_key": f"{part} a joke about {state['topic']}"})
        await asyncio.sleep(0.05)
    return {"joke": f"This is a joke about {state['topic']}"}


graph = (
    StateGraph(State)
    .add_node(generate_joke)
    .add_edge(START, "generate_joke")
    .compile(name="async-writer")
)

inputs = {"topic": "ice cream"}
