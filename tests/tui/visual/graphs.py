"""Graphs for the visual views' tests, recorded into real traces by `conftest.py`."""

from __future__ import annotations

import operator
import time
from typing import Annotated, Any, TypedDict

from engine.chat_models import ScriptedChatModel
from engine.graph import END, START, StateGraph
from engine.messages import HumanMessage


class Flow(TypedDict, total=False):
    n: int
    log: Annotated[list[str], operator.add]


def _node(name: str, delay: float = 0.0, count: bool = False) -> Any:
    def run(state: Flow) -> dict[str, Any]:
        time.sleep(delay)
        update: dict[str, Any] = {"log": [name]}
        if count:
            update["n"] = state.get("n", 0) + 1
        return update
    run.__name__ = name
    return run


def route(state: Flow) -> str:
    return "again" if state.get("n", 0) < 2 else "finish"


def branching() -> Any:
    """Fan out to a fast and a slow node, join both, then loop back on a labelled branch."""
    return (
        StateGraph(Flow)
        .add_node("plan", _node("plan"))
        .add_node("fast", _node("fast", 0.01))
        .add_node("slow", _node("slow", 0.05))
        .add_node("merge", _node("merge"))
        .add_node("review", _node("review", count=True))
        .add_node("report", _node("report"))
        .add_edge(START, "plan")
        .add_edge("plan", "fast")
        .add_edge("plan", "slow")
        .add_edge(["fast", "slow"], "merge")
        .add_edge("merge", "review")
        .add_conditional_edges("review", route, {"again": "plan", "finish": "report"})
        .add_edge("report", END)
        .compile(name="branching")
    )


def failing() -> Any:
    """plan → boom (raises)."""
    def boom(state: Flow) -> dict[str, Any]:
        raise ValueError("boom")
    return (StateGraph(Flow).add_node("plan", _node("plan")).add_node("boom", boom)
            .add_edge(START, "plan").add_edge("plan", "boom").add_edge("boom", END).compile())


class Chat(TypedDict, total=False):
    messages: Annotated[list[Any], operator.add]
    a: str
    b: str


def parallel_llm() -> Any:
    """Two nodes each streaming an LLM call in the same superstep, at different speeds."""
    quick = ScriptedChatModel(["Short and quick answer here."], first_token_delay=0.03,
                              token_delay=0.005)
    slow = ScriptedChatModel(["A slower, longer answer that streams its tokens one by one."],
                             first_token_delay=0.08, token_delay=0.012)

    def ask_quick(state: Chat) -> dict[str, Any]:
        return {"a": str(quick.invoke([HumanMessage("hi")]).content)}

    def ask_slow(state: Chat) -> dict[str, Any]:
        return {"b": str(slow.invoke([HumanMessage("hi")]).content)}

    return (StateGraph(Chat).add_node(ask_quick).add_node(ask_slow)
            .add_edge(START, "ask_quick").add_edge(START, "ask_slow")
            .add_edge("ask_quick", END).add_edge("ask_slow", END).compile(name="parallel"))


def long_loop(steps: int) -> Any:
    """One node looping `steps` times (pass `recursion_limit` above `steps`)."""
    def tick(state: Flow) -> dict[str, Any]:
        return {"n": state.get("n", 0) + 1}

    def more(state: Flow) -> str:
        return "tick" if state.get("n", 0) < steps else END

    return (StateGraph(Flow).add_node("tick", tick).add_edge(START, "tick")
            .add_conditional_edges("tick", more, ["tick", END]).compile(name="loop"))
