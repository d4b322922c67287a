"""Source of small graph files the CLI tests write into tmp_path and run."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "sample_graphs"

FAILING_GRAPH = '''
from typing import TypedDict

from engine.graph import START, StateGraph


class State(TypedDict):
    n: int


def ok(state: State) -> dict:
    return {"n": state["n"] + 1}


def explode(state: State) -> dict:
    raise RuntimeError(f"exploded at n={state['n']}")


graph = (StateGraph(State).add_node(ok).add_node(explode)
         .add_edge(START, "ok").add_edge("ok", "explode").compile())
inputs = {"n": 1}
'''

CHECKPOINTED_GRAPH = '''
from typing import TypedDict

from engine import InMemorySaver, interrupt
from engine.graph import START, StateGraph


class State(TypedDict):
    n: int


def ask(state: State) -> dict:
    return {"n": interrupt("how many?")}


graph = StateGraph(State).add_node(ask).add_edge(START, "ask").compile(
    checkpointer=InMemorySaver())
'''

NESTED_GRAPH = '''
from typing import TypedDict
from engine.graph import START, StateGraph


class S(TypedDict):
    x: int


def add(s: S) -> dict:
    return {"x": s["x"] + 1}


inner = StateGraph(S).add_node(add).add_edge(START, "add").compile()
graph = StateGraph(S).add_node("inner", inner).add_edge(START, "inner").compile()
inputs = {"x": 1}
'''
