"""Family `cond_*`, `send_*`, `command_*`, `recursion_*` (script s07, first half)."""

from __future__ import annotations

import operator
from functools import partial
from typing import Annotated, Any, Literal, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import END, START, StateGraph
from engine.types import Command, Send

from .capture import stream_items, thread
from .linear import TOPIC_INPUT, build_linear
from .registry import Outcome, register

SUBJECTS_INPUT = {"subjects": ["lions", "elephants", "penguins"]}
COMMAND_INPUT = {"foo": "", "log": []}


class CState(TypedDict):
    n: int
    route: str
    log: Annotated[list, operator.add]


class OverallState(TypedDict):
    subjects: list
    jokes: Annotated[list, operator.add]


class KState(TypedDict):
    foo: str
    log: Annotated[list, operator.add]


class LState(TypedDict):
    i: int


class OneKey(TypedDict):
    x: int


def start_node(state: CState) -> dict[str, Any]:
    return {"log": ["start_node"]}


def left(state: CState) -> dict[str, Any]:
    return {"log": ["left"]}


def right(state: CState) -> dict[str, Any]:
    return {"log": ["right"]}


# Routers and Command nodes stay unannotated where the script left them so: a return
# annotation is what feeds path inference (and drawing), and its absence is part of the case.
def router(state: CState):
    return "go_left" if state["n"] < 5 else "go_right"


def router_list(state: CState):
    return ["left", "right"]


def router_end(state: CState) -> Literal["left", "__end__"]:
    return END


def bad_router(state: CState):
    return "nowhere"


def _cstate_graph(*nodes: Any) -> Any:
    builder = StateGraph(CState)
    for node in nodes:
        builder.add_node(node)
    return builder


def build_cond_map() -> Any:
    """START -> start_node -(router, {'go_left': left, 'go_right': right})-> left | right -> END."""
    return (
        _cstate_graph(start_node, left, right)
        .add_edge(START, "start_node")
        .add_conditional_edges("start_node", router, {"go_left": "left", "go_right": "right"})
        .add_edge("left", END)
        .add_edge("right", END)
        .compile()
    )


def build_cond_list() -> Any:
    """start_node's router returns ['left', 'right'] with no path_map; no edges out of them."""
    return (
        _cstate_graph(start_node, left, right)
        .add_edge(START, "start_node")
        .add_conditional_edges("start_node", router_list)
        .compile()
    )


def continue_to_jokes(state: OverallState):
    return [Send("generate_joke", {"subject": s}) for s in state["subjects"]]


def generate_joke(state: dict) -> dict[str, Any]:
    return {"jokes": [f"Joke about {state['subject']}"]}


def build_send(checkpointer: Any = None) -> Any:
    """Map-reduce: START sends one generate_joke task per subject; generate_joke -> END."""
    return (
        StateGraph(OverallState)
        .add_node("generate_joke", generate_joke)
        .add_conditional_edges(START, continue_to_jokes, ["generate_joke"])
        .add_edge("generate_joke", END)
        .compile(checkpointer=checkpointer)
    )


def node_a(state: KState) -> Command[Literal["node_b", "node_c"]]:
    return Command(update={"foo": "a", "log": ["a"]}, goto="node_b")


def node_a_multi(state: KState):
    return Command(update={"log": ["a_multi"]}, goto=["node_b", "node_c"])


def node_a_send(state: KState):
    return Command(update={"log": ["a_send"]}, goto=[Send("node_b", {"foo": "sent", "log": []})])


def node_b(state: KState) -> dict[str, Any]:
    return {"log": ["b"]}


def node_c(state: KState) -> dict[str, Any]:
    return {"log": ["c"]}


def build_command(first: Any = node_a) -> Any:
    """Nodes node_a, node_b, node_c with the single edge START -> node_a; node_a routes."""
    return (
        StateGraph(KState)
        .add_node("node_a", first)
        .add_node(node_b)
        .add_node(node_c)
        .add_edge(START, "node_a")
        .compile()
    )


def loop_node(state: LState) -> dict[str, Any]:
    return {"i": state["i"] + 1}


def build_loop() -> Any:
    """START -> loop_node -> loop_node forever."""
    return (
        StateGraph(LState)
        .add_node(loop_node)
        .add_edge(START, "loop_node")
        .add_edge("loop_node", "loop_node")
        .compile()
    )


def _cond(factory: Any, n: int, mode: Any) -> list[Any]:
    return stream_items(factory(), {"n": n, "log": []}, stream_mode=mode)


def build_cond_end() -> Any:
    return (
        _cstate_graph(start_node, left)
        .add_edge(START, "start_node")
        .add_conditional_edges("start_node", router_end)
        .compile()
    )


def build_cond_from_start() -> Any:
    return (
        _cstate_graph(left, right)
        .add_conditional_edges(START, router, {"go_left": "left", "go_right": "right"})
        .compile()
    )


def build_bad_destination() -> Any:
    return (
        _cstate_graph(start_node)
        .add_edge(START, "start_node")
        .add_conditional_edges("start_node", bad_router)
        .compile()
    )


def build_bad_path_map_key() -> Any:
    return (
        _cstate_graph(start_node, left)
        .add_edge(START, "start_node")
        .add_conditional_edges("start_node", bad_router, {"x": "left"})
        .compile()
    )


register("cond_map_left", partial(_cond, build_cond_map, 1, ["updates", "debug"]))
register("cond_map_right", partial(_cond, build_cond_map, 9, "updates"))
register(
    "cond_list_return",
    partial(_cond, build_cond_list, 1, ["updates", "values", "tasks"]),
    racy=True,
)
register("cond_to_end", partial(_cond, build_cond_end, 1, ["updates", "values"]))
register("cond_from_start", partial(_cond, build_cond_from_start, 7, ["updates", "debug"]))
register("cond_bad_destination", partial(_cond, build_bad_destination, 1, "updates"))
register("cond_bad_path_map_key", partial(_cond, build_bad_path_map_key, 1, "updates"))

# The three Send tasks return at once: racy completion order.
for _mode in ("updates", "values", "debug"):
    register(
        f"send_{_mode}",
        partial(lambda mode: stream_items(build_send(), SUBJECTS_INPUT, stream_mode=mode), _mode),
        racy=True,
    )
register(
    "send_tasks_messages_meta",
    lambda: stream_items(build_send(), SUBJECTS_INPUT, stream_mode="tasks"),
    racy=True,
)


def send_checkpoints() -> list[Any]:
    graph = build_send(InMemorySaver())
    return stream_items(graph, SUBJECTS_INPUT, thread("send1"), stream_mode="checkpoints")


register("send_checkpoints", send_checkpoints)


def _command(first: Any, mode: Any) -> list[Any]:
    return stream_items(build_command(first), COMMAND_INPUT, stream_mode=mode)


register("command_goto", partial(_command, node_a, ["updates", "values"]))
register("command_goto_debug", partial(_command, node_a, "debug"))
register(
    "command_goto_list", partial(_command, node_a_multi, ["updates", "values", "tasks"]), racy=True
)
register("command_goto_send", partial(_command, node_a_send, ["updates", "values", "tasks"]))


def recursion_default() -> Outcome:
    """The vector keeps the first 2 and last 2 of 10008 items; `extra` carries the full count."""
    items = stream_items(build_loop(), {"i": 0}, stream_mode="updates")
    return Outcome(items=items[:2] + items[-2:], extra={"count_including_raised": len(items)})


def recursion_limit_3() -> list[Any]:
    config = {"recursion_limit": 3}
    return stream_items(build_loop(), {"i": 0}, config, stream_mode=["updates", "values"])


def _limited(factory: Any, inp: dict[str, Any], limit: int) -> list[Any]:
    return stream_items(factory(), inp, {"recursion_limit": limit}, stream_mode="updates")


def build_single_node() -> Any:
    """START -> n, where n is a lambda returning {'x': 1}."""
    return StateGraph(OneKey).add_node("n", lambda s: {"x": 1}).add_edge(START, "n").compile()


register("recursion_default", recursion_default)
register("recursion_limit_3", recursion_limit_3)
for _limit in (1, 2, 3):
    register(
        f"recursion_linear_limit_{_limit}", partial(_limited, build_linear, TOPIC_INPUT, _limit)
    )
for _limit in (0, 1, 2):
    register(
        f"recursion_single_node_limit_{_limit}",
        partial(_limited, build_single_node, {"x": 0}, _limit),
    )
