"""Real traces for the view tests: small graphs recorded with `tracer.record`.

Each scenario is one trace file; `record_all(directory)` writes them all.
"""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any, TypedDict

from engine.config import get_stream_writer
from engine.graph import END, START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage, RemoveMessage
from engine.types import Send
from sample_graphs import agent
from tracer import record

LONG = "The quick brown fox jumps over the lazy dog. " * 40


class Notes(TypedDict):
    topic: str
    notes: Annotated[list, operator.add]
    text: str


class Fan(TypedDict):
    items: list
    out: Annotated[list, operator.add]


def agent_graph() -> Any:
    """sample_graphs/agent.py's weather agent, with its token delays removed."""
    model = agent.scripted_model()
    model.first_token_delay = model.token_delay = 0.0
    return agent.build(model)


def notes_graph() -> Any:
    """write (long text, custom event) → a ∥ b → join (waiting edge) → END."""

    def write(state: Notes) -> dict[str, Any]:
        get_stream_writer()({"progress": "writing", "pct": 50})
        return {"topic": state["topic"] + "!", "notes": ["w"], "text": LONG}

    def a(state: Notes) -> dict[str, Any]:
        get_stream_writer()("from a")
        return {"notes": ["a1", "a2"]}

    def b(state: Notes) -> dict[str, Any]:
        return {"notes": ["b"]}

    def join(state: Notes) -> dict[str, Any]:
        return {"topic": "joined"}

    return (StateGraph(Notes).add_node(write).add_node(a).add_node(b).add_node(join)
            .add_edge(START, "write").add_edge("write", "a").add_edge("write", "b")
            .add_edge(["a", "b"], "join").add_edge("join", END).compile())


def send_graph() -> Any:
    """Map-reduce: one `work` task per item through Send, then `total`."""

    def fan(state: Fan) -> list[Send]:
        return [Send("work", {"x": x}) for x in state["items"]]

    def work(arg: dict[str, Any]) -> dict[str, list[int]]:
        return {"out": [arg["x"] * 10]}

    def total(state: Fan) -> dict[str, list[int]]:
        return {"out": [sum(state["out"])]}

    return (StateGraph(Fan).add_node(work).add_node(total)
            .add_conditional_edges(START, fan, ["work"]).add_edge("work", "total")
            .compile())


def failing_graph() -> Any:
    """pre → boom, which raises ValueError."""

    def pre(state: Notes) -> dict[str, Any]:
        return {"notes": ["pre"]}

    def boom(state: Notes) -> dict[str, Any]:
        raise ValueError("boom: the answer was 42")

    return (StateGraph(Notes).add_node(pre).add_node(boom).add_edge(START, "pre")
            .add_edge("pre", "boom").compile())


def chat_graph() -> Any:
    """hello adds a message; edit replaces it by id and removes the human one."""

    def hello(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage("hi", id="m1")]}

    def edit(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage("hello again", id="m1"), RemoveMessage(id="h1")]}

    return (StateGraph(MessagesState).add_node(hello).add_node(edit)
            .add_edge(START, "hello").add_edge("hello", "edit").compile())


def subgraph_graph() -> Any:
    """prep → inner (a compiled subgraph: s1 → s2) → END."""

    def s1(state: Notes) -> dict[str, Any]:
        get_stream_writer()({"in": "sub"})
        return {"notes": ["s1"]}

    def s2(state: Notes) -> dict[str, Any]:
        return {"notes": ["s2"]}

    inner = (StateGraph(Notes).add_node(s1).add_node(s2).add_edge(START, "s1")
             .add_edge("s1", "s2").compile(name="inner"))

    def prep(state: Notes) -> dict[str, Any]:
        return {"notes": ["prep"]}

    return (StateGraph(Notes).add_node(prep).add_node("inner", inner).add_edge(START, "prep")
            .add_edge("prep", "inner").add_edge("inner", END).compile())


def record_all(directory: Path) -> dict[str, Path]:
    """Record every scenario into `directory`; their paths by name."""
    paths = {name: directory / f"{name}.stepscope"
             for name in ("agent", "notes", "send", "failing", "chat", "subgraph")}
    with record(paths["agent"]):
        agent_graph().invoke(agent.inputs)
    with record(paths["notes"]):
        notes_graph().invoke({"topic": "cats", "notes": [], "text": ""})
    with record(paths["send"]):
        send_graph().invoke({"items": [1, 2, 3], "out": []})
    with record(paths["failing"]):
        try:
            failing_graph().invoke({"topic": "x", "notes": [], "text": ""})
        except ValueError:
            pass
    with record(paths["chat"]):
        chat_graph().invoke({"messages": [HumanMessage("hey", id="h1")]})
    with record(paths["subgraph"]):
        subgraph_graph().invoke({"topic": "t", "notes": [], "text": ""})
    return paths
