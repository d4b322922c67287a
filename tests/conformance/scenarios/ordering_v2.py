"""Families `order_*`, `values_emission_*`, `v2_*` (script s12)."""

from __future__ import annotations

import operator
import time
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.config import get_stream_writer
from engine.graph import START, StateGraph
from engine.types import Send

from .capture import stream_items, thread
from .control_interrupts import VALUE_INPUT, build_interrupt_fn
from .messages import build_invoke
from .registry import CHAT, register
from .subgraphs import FOO_INPUT, build_parent

ORDER_INPUT = {"log": [], "x": 0}
ORDER_MODES = ["tasks", "updates", "values"]


class OState(TypedDict):
    log: Annotated[list, operator.add]
    x: int


def sleepy_log_node(name: str, sleep: float = 0.0) -> Callable[[OState], dict[str, Any]]:
    """A node named `name` that sleeps `sleep` seconds, then appends its name to `log`."""

    def node(state: OState) -> dict[str, Any]:
        time.sleep(sleep)
        return {"log": [name]}

    node.__name__ = name
    return node


def build_order(sleeps: dict[str, float] | None = None) -> Any:
    """Nodes added zeta, alpha, mid; edges added START->mid, ->zeta, ->alpha."""
    sleeps = sleeps or {}
    builder = StateGraph(OState)
    for name in ("zeta", "alpha", "mid"):
        builder.add_node(name, sleepy_log_node(name, sleeps.get(name, 0.0)))
    builder.add_edge(START, "mid").add_edge(START, "zeta").add_edge(START, "alpha")
    return builder.compile()


def fan(state: OState) -> dict[str, Any]:
    return {"log": ["fan"]}


def route(state: OState):
    return [Send("worker", {"log": [], "x": i}) for i in (1, 2)]


def worker(state: OState) -> dict[str, Any]:
    return {"log": [f"worker{state['x']}"]}


def build_send_and_pull() -> Any:
    """fan sends worker(x=1), worker(x=2) and has plain edges to sibling and after."""
    return (
        StateGraph(OState)
        .add_node(fan)
        .add_node(worker)
        .add_node(sleepy_log_node("sibling"))
        .add_node(sleepy_log_node("after"))
        .add_edge(START, "fan")
        .add_conditional_edges("fan", route, ["worker"])
        .add_edge("fan", "sibling")
        .add_edge("fan", "after")
        .compile()
    )


def keep(state: OState) -> dict[str, Any]:
    return {"x": state["x"]}


def nothing(state: OState) -> None:
    return None


def bump(state: OState) -> dict[str, Any]:
    return {"x": state["x"] + 1}


def build_same_value() -> Any:
    """START -> keep (rewrites the same x) -> nothing (returns None) -> bump."""
    return (
        StateGraph(OState)
        .add_node(keep)
        .add_node(nothing)
        .add_node(bump)
        .add_edge(START, "keep")
        .add_edge("keep", "nothing")
        .add_edge("nothing", "bump")
        .compile()
    )


def n1(state: OState) -> dict[str, Any]:
    get_stream_writer()({"c": 1})
    return {"x": state["x"] + 1}


def build_v2_graph() -> Any:
    """START -> n1, which writes custom {'c': 1} and returns {'x': x + 1}."""
    return StateGraph(OState).add_node(n1).add_edge(START, "n1").compile()


def values_emission_debug_saver() -> list[Any]:
    graph = (
        StateGraph(OState)
        .add_node("keep", lambda s: {"x": s["x"]})
        .add_node("nothing", lambda s: None)
        .add_edge(START, "keep")
        .add_edge("keep", "nothing")
        .compile(checkpointer=InMemorySaver())
    )
    config = thread("v")
    return stream_items(graph, {"log": [], "x": 5}, config, stream_mode=["debug", "values"])


# Instant parallel tasks: racy completion order (LangGraph's own order varied on this
# very graph in 1-2 runs of 60).
register(
    "order_three_parallel",
    lambda: stream_items(build_order(), ORDER_INPUT, stream_mode=ORDER_MODES),
    racy=True,
)
# The sleeps force the completion order zeta, mid, alpha: not racy.
register(
    "order_three_parallel_sleeps",
    lambda: stream_items(
        build_order({"alpha": 0.2, "mid": 0.1}), ORDER_INPUT, stream_mode=ORDER_MODES
    ),
)
register(
    "order_send_and_pull",
    lambda: stream_items(build_send_and_pull(), ORDER_INPUT, stream_mode=ORDER_MODES),
    racy=True,
)
register(
    "values_emission_rules",
    lambda: stream_items(
        build_same_value(), {"log": [], "x": 5}, stream_mode=["updates", "values"]
    ),
)
register("values_emission_debug_saver", values_emission_debug_saver)
for _mode in ("values", "updates", "custom", ["values", "updates", "custom", "tasks"]):
    _label = _mode if isinstance(_mode, str) else "list"
    register(
        f"v2_{_label}",
        partial(
            lambda mode: stream_items(
                build_v2_graph(), ORDER_INPUT, stream_mode=mode, version="v2"
            ),
            _mode,
        ),
    )
register(
    "v2_subgraphs_updates",
    lambda: stream_items(
        build_parent(), FOO_INPUT, stream_mode="updates", subgraphs=True, version="v2"
    ),
)
register(
    "v2_interrupt_values_updates",
    lambda: stream_items(
        build_interrupt_fn(),
        VALUE_INPUT,
        thread("v2i"),
        stream_mode=["values", "updates"],
        version="v2",
    ),
)


def v2_messages() -> list[Any]:
    from .chat import human_input

    graph = build_invoke(tags=["t"])
    return stream_items(graph, human_input("h1"), stream_mode="messages", version="v2")


register("v2_messages", v2_messages, needs=CHAT)
