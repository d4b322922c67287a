"""Families `parallel_*`, `fanin_*`, `node_return_*` (script s03): one superstep, many tasks."""

from __future__ import annotations

import operator
import time
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypedDict

from engine.graph import END, START, StateGraph

from .capture import stream_items
from .registry import register

PARALLEL_INPUT = {"topic": "cats", "log": []}


class State(TypedDict):
    topic: str
    joke: str
    poem: str
    log: Annotated[list, operator.add]


class Conflict(TypedDict):
    x: int


class FanIn(TypedDict):
    log: Annotated[list, operator.add]


class Misc(TypedDict):
    x: int


def build_parallel(sleep_joke: float, sleep_poem: float) -> Any:
    """START fans out to write_joke and write_poem (edges in that order), both -> END."""

    def write_joke(state: State) -> dict[str, Any]:
        time.sleep(sleep_joke)
        return {"joke": f"joke about {state['topic']}", "log": ["joke"]}

    def write_poem(state: State) -> dict[str, Any]:
        time.sleep(sleep_poem)
        return {"poem": f"poem about {state['topic']}", "log": ["poem"]}

    return (
        StateGraph(State)
        .add_node("write_joke", write_joke)
        .add_node("write_poem", write_poem)
        .add_edge(START, "write_joke")
        .add_edge(START, "write_poem")
        .add_edge("write_joke", END)
        .add_edge("write_poem", END)
        .compile()
    )


def build_conflict() -> Any:
    """Two parallel nodes write the reducer-less key `x` in the same step."""

    def a(state: Conflict) -> dict[str, Any]:
        return {"x": 1}

    def b(state: Conflict) -> dict[str, Any]:
        return {"x": 2}

    return (
        StateGraph(Conflict)
        .add_node("a", a)
        .add_node("b", b)
        .add_edge(START, "a")
        .add_edge(START, "b")
        .compile()
    )


def log_node(name: str) -> Callable[[Any], dict[str, Any]]:
    """A node named `name` that appends its own name to `log`."""

    def node(state: Any) -> dict[str, Any]:
        return {"log": [name]}

    node.__name__ = name
    return node


def build_fanin(*, waiting: bool) -> Any:
    """START -> a -> a2 and START -> b, joined into c by a waiting edge or by two plain edges."""
    builder = StateGraph(FanIn)
    for name in ("a", "a2", "b", "c"):
        builder.add_node(name, log_node(name))
    builder.add_edge(START, "a").add_edge("a", "a2").add_edge(START, "b")
    if waiting:
        builder.add_edge(["a2", "b"], "c")
    else:
        builder.add_edge("a2", "c").add_edge("b", "c")
    builder.add_edge("c", END)
    return builder.compile()


def build_misc(ret: Any) -> Any:
    """START -> n, where n returns `ret` unchanged."""

    def n(state: Misc) -> Any:
        return ret

    return StateGraph(Misc).add_node("n", n).add_edge(START, "n").compile()


def _parallel(sleep_joke: float, sleep_poem: float, **kwargs: Any) -> list[Any]:
    return stream_items(build_parallel(sleep_joke, sleep_poem), PARALLEL_INPUT, **kwargs)


# Both tasks return at once, so their completion order is racy (so is LangGraph's).
for _mode in ("updates", "values", "debug"):
    register(f"parallel_{_mode}", partial(_parallel, 0.0, 0.0, stream_mode=_mode), racy=True)
# write_joke sleeps, which fixes the order: not racy.
for _mode in ("updates", "values", "tasks"):
    register(f"parallel_{_mode}_joke_slow", partial(_parallel, 0.3, 0.0, stream_mode=_mode))
register("parallel_updates_poem_slow", partial(_parallel, 0.0, 0.3, stream_mode="updates"))


def parallel_invoke_joke_slow() -> list[Any]:
    return [build_parallel(0.3, 0.0).invoke(PARALLEL_INPUT)]


register("parallel_invoke_joke_slow", parallel_invoke_joke_slow)
for _mode in ("updates", "debug"):
    register(
        f"parallel_conflict_{_mode}",
        partial(lambda mode: stream_items(build_conflict(), {"x": 0}, stream_mode=mode), _mode),
        racy=True,
    )


def _fanin(waiting: bool, mode: Any) -> list[Any]:
    return stream_items(build_fanin(waiting=waiting), {"log": []}, stream_mode=mode)


register("fanin_separate_edges", partial(_fanin, False, ["updates", "values"]), racy=True)
register("fanin_waiting_edge", partial(_fanin, True, ["updates", "values"]), racy=True)
register("fanin_waiting_edge_debug", partial(_fanin, True, "debug"), racy=True)

for _label, _ret in (
    ("none", None),
    ("empty_dict", {}),
    ("unknown_key", {"zzz": 1}),
    ("mixed_known_unknown", {"zzz": 2, "x": 1}),
    ("non_dict", 5),
    ("list", [1, 2]),
):
    register(
        f"node_return_{_label}",
        partial(
            lambda ret: stream_items(build_misc(ret), {"x": 0}, stream_mode=["updates", "values"]),
            _ret,
        ),
    )
