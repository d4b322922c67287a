"""Joke ∥ poem: two nodes in one superstep, each streaming tokens from its own model.

Shows: parallel tasks in one superstep (the slower one is the straggler the barrier
waits for), LLM token timelines side by side, and filtering tokens by model tag
(`metadata["tags"] == ["joke"]`), as in the seed document. Runs offline on
ScriptedChatModel with model-like timing.

    stepscope run sample_graphs/joke_poem.py
"""

from __future__ import annotations

from typing import TypedDict

from engine.chat_models import ScriptedChatModel
from engine.graph import END, START, StateGraph

joke_model = ScriptedChatModel(
    ["Why did the ice cream cross the road? To get to the sundae side!"],
    tags=["joke"], first_token_delay=0.15, token_delay=0.02, cycle=True,
)
poem_model = ScriptedChatModel(
    ["Cold and sweet, a summer treat; it melts before the barrier, "
     "and the superstep waits for every last beat."],
    tags=["poem"], first_token_delay=0.25, token_delay=0.03, cycle=True,
)


class State(TypedDict):
    topic: str
    joke: str
    poem: str


def write_joke(state: State) -> dict[str, str]:
    reply = joke_model.invoke([{"role": "user", "content": f"Joke about {state['topic']}"}])
    return {"joke": reply.text}


def write_poem(state: State) -> dict[str, str]:
    reply = poem_model.invoke([{"role": "user", "content": f"Poem about {state['topic']}"}])
    return {"poem": reply.text}


graph = (
    StateGraph(State)
    .add_node(write_joke)
    .add_node(write_poem)
    .add_edge(START, "write_joke")
    .add_edge(START, "write_poem")
    .add_edge("write_joke", END)
    .add_edge("write_poem", END)
    .compile(name="joke-poem")
)

inputs = {"topic": "ice cream"}
