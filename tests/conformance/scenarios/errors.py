"""Family `error_*` (script s06): a node raising, alone or beside a slower sibling."""

from __future__ import annotations

import operator
import time
from functools import partial
from typing import Annotated, Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, StateGraph

from .capture import stream_items, thread
from .registry import register

ERROR_INPUT = {"x": 0, "log": []}


class State(TypedDict):
    x: int
    log: Annotated[list, operator.add]


def ok(state: State) -> dict[str, Any]:
    return {"x": state["x"] + 1, "log": ["ok"]}


def boom(state: State) -> dict[str, Any]:
    raise ValueError("boom happened")


def slow_ok(state: State) -> dict[str, Any]:
    time.sleep(0.2)
    return {"log": ["slow_ok"]}


def build_chain(checkpointer: Any = None) -> Any:
    """START -> ok -> boom."""
    return (
        StateGraph(State)
        .add_node(ok)
        .add_node(boom)
        .add_edge(START, "ok")
        .add_edge("ok", "boom")
        .compile(checkpointer=checkpointer)
    )


def build_siblings(checkpointer: Any = None) -> Any:
    """START -> slow_ok (sleeps 0.2 s) and START -> boom, in one step."""
    return (
        StateGraph(State)
        .add_node(slow_ok)
        .add_node(boom)
        .add_edge(START, "slow_ok")
        .add_edge(START, "boom")
        .compile(checkpointer=checkpointer)
    )


for _mode in ("updates", "values", "debug", "tasks"):
    register(
        f"error_{_mode}",
        partial(lambda mode: stream_items(build_chain(), ERROR_INPUT, stream_mode=mode), _mode),
    )


def error_debug_saver() -> list[Any]:
    graph = build_chain(InMemorySaver())
    return stream_items(graph, ERROR_INPUT, thread("e1"), stream_mode="debug")


def error_get_state_after() -> list[Any]:
    graph = build_chain(InMemorySaver())
    stream_items(graph, ERROR_INPUT, thread("e1"), stream_mode="debug")
    return [graph.get_state(thread("e1"))]


def error_parallel_updates() -> list[Any]:
    return stream_items(build_siblings(), ERROR_INPUT, stream_mode="updates")


def error_parallel_tasks() -> list[Any]:
    return stream_items(build_siblings(), ERROR_INPUT, stream_mode="tasks")


def error_parallel_debug_saver() -> list[Any]:
    graph = build_siblings(InMemorySaver())
    return stream_items(graph, ERROR_INPUT, thread("e2"), stream_mode="debug")


def error_parallel_get_state_after() -> list[Any]:
    graph = build_siblings(InMemorySaver())
    stream_items(graph, ERROR_INPUT, thread("e2"), stream_mode="debug")
    return [graph.get_state(thread("e2"))]


def error_parallel_debug_updates_nosaver() -> list[Any]:
    return stream_items(build_siblings(), ERROR_INPUT, stream_mode=["debug", "updates"])


def error_parallel_debug_updates_saver() -> list[Any]:
    graph = build_siblings(InMemorySaver())
    return stream_items(graph, ERROR_INPUT, thread("e3"), stream_mode=["debug", "updates"])


for _fn in (
    error_debug_saver,
    error_get_state_after,
    error_parallel_updates,
    error_parallel_tasks,
    error_parallel_debug_saver,
    error_parallel_get_state_after,
    error_parallel_debug_updates_nosaver,
    error_parallel_debug_updates_saver,
):
    register(_fn.__name__, _fn)
