"""The benchmark graphs, written once and built against either engine.

The only difference between the two engines is the package the graph API is imported from
(`engine.graph` or `langgraph.graph`): the builders below receive that module and use its
`StateGraph`, `START` and `END`. Standard library only: this module also runs inside the
LangGraph peer venv.
"""

from __future__ import annotations

import importlib
import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Annotated, Any, TypedDict

PACKAGES: dict[str, str] = {"stepscope": "engine", "langgraph": "langgraph"}
"""Engine label -> top-level package whose `.graph` module provides the graph API."""

MESSAGE_BYTES = 200
"""Size of each string the loop appends (ASCII, so also its length in characters)."""

_PAD = "m" * (MESSAGE_BYTES - 8)


class ChainState(TypedDict):
    x: int


class FanoutState(TypedDict):
    out: Annotated[list, operator.add]


class LoopState(TypedDict):
    messages: Annotated[list, operator.add]


def graph_api(engine: str) -> ModuleType:
    """Import the graph API module of `engine` ("stepscope" or "langgraph")."""
    return importlib.import_module(f"{PACKAGES[engine]}.graph")


def message(index: int) -> str:
    """The `index`-th loop message: distinct 200-byte strings, so sizes add up honestly."""
    return f"{index:08d}{_PAD}"


# --- chain: START -> n0 -> n1 -> ... -> n{N-1} -> END, one task per superstep ---------------


def _increment(state: ChainState) -> dict[str, Any]:
    return {"x": state["x"] + 1}


def build_chain(api: ModuleType, n: int) -> Any:
    builder = api.StateGraph(ChainState)
    names = [f"n{i}" for i in range(n)]
    for name in names:
        builder.add_node(name, _increment)
    builder.add_edge(api.START, names[0])
    for source, target in itertools.pairwise(names):
        builder.add_edge(source, target)
    builder.add_edge(names[-1], api.END)
    return builder


def _check_chain(output: dict[str, Any], n: int) -> str | None:
    return None if output.get("x") == n else f"x == {output.get('x')!r}, expected {n}"


# --- fan-out: START -> N parallel nodes -> END, one superstep of N tasks ---------------------


def _emitter(index: int) -> Callable[[FanoutState], dict[str, Any]]:
    def emit(state: FanoutState) -> dict[str, Any]:
        return {"out": [index]}

    return emit


def build_fanout(api: ModuleType, n: int) -> Any:
    builder = api.StateGraph(FanoutState)
    for i in range(n):
        name = f"w{i}"
        builder.add_node(name, _emitter(i))
        builder.add_edge(api.START, name)
        builder.add_edge(name, api.END)
    return builder


def _check_fanout(output: dict[str, Any], n: int) -> str | None:
    out = output.get("out")
    if not isinstance(out, list) or sorted(out) != list(range(n)):
        got = len(out) if isinstance(out, list) else out
        return f"out is not a permutation of range({n}) (len/value {got!r})"
    return None


# --- loop: one node appending a message, a conditional edge back to itself until len == N -----


def build_loop(api: ModuleType, n: int) -> Any:
    def append(state: LoopState) -> dict[str, Any]:
        return {"messages": [message(len(state["messages"]))]}

    def route(state: LoopState) -> str:
        return "append" if len(state["messages"]) < n else api.END

    builder = api.StateGraph(LoopState)
    builder.add_node("append", append)
    builder.add_edge(api.START, "append")
    builder.add_conditional_edges("append", route, ["append", api.END])
    return builder


def _check_loop(output: dict[str, Any], n: int) -> str | None:
    messages = output.get("messages")
    if not isinstance(messages, list) or len(messages) != n:
        got = len(messages) if isinstance(messages, list) else messages
        return f"messages has length/value {got!r}, expected {n} items"
    for i in (0, n // 2, n - 1):
        if messages[i] != message(i):
            return f"messages[{i}] is {messages[i]!r:.40}, expected {message(i)!r:.40}"
    return None


@dataclass(frozen=True)
class Shape:
    """One benchmark graph: how to build it, feed it and check its output."""

    name: str
    build: Callable[[ModuleType, int], Any]
    initial: Callable[[], dict[str, Any]]
    check: Callable[[dict[str, Any], int], str | None]

    def tasks(self, n: int) -> int:
        """Tasks one run executes (the unit of the per-task figures): N for every shape."""
        return n

    def config(self, n: int) -> dict[str, Any]:
        """Run config; the recursion limit is far above the supersteps any shape needs."""
        return {"recursion_limit": 2 * n + 10}


SHAPES: dict[str, Shape] = {
    "chain": Shape("chain", build_chain, lambda: {"x": 0}, _check_chain),
    "fanout": Shape("fanout", build_fanout, lambda: {"out": []}, _check_fanout),
    "loop": Shape("loop", build_loop, lambda: {"messages": []}, _check_loop),
}
