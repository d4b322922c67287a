"""Family `linear_*` (script s01): the two-node topic/joke graph in every stream mode."""

from __future__ import annotations

from functools import partial
from typing import Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

from .capture import stream_items, thread
from .registry import register

TOPIC_INPUT = {"topic": "ice cream"}


class State(TypedDict):
    topic: str
    joke: str


def refine_topic(state: State) -> dict[str, Any]:
    return {"topic": state["topic"] + " and cats"}


def generate_joke(state: State) -> dict[str, Any]:
    return {"joke": f"This is a joke about {state['topic']}"}


def refine_topic_w(state: State) -> dict[str, Any]:
    write = get_stream_writer()
    write({"custom_key": "refining"})
    write("a plain string")
    return {"topic": state["topic"] + " and cats"}


def generate_joke_w(state: State) -> dict[str, Any]:
    get_stream_writer()({"custom_key": "joking", "n": 1})
    return {"joke": f"This is a joke about {state['topic']}"}


def build_linear(*, with_writer: bool = False, checkpointer: Any = None) -> Any:
    """START -> refine_topic -> generate_joke -> END (the `_w` writer variant on request)."""
    first = refine_topic_w if with_writer else refine_topic
    second = generate_joke_w if with_writer else generate_joke
    return (
        StateGraph(State)
        .add_node(first)
        .add_node(second)
        .add_edge(START, first.__name__)
        .add_edge(first.__name__, second.__name__)
        .add_edge(second.__name__, END)
        .compile(checkpointer=checkpointer)
    )


def _plain(**kwargs: Any) -> list[Any]:
    return stream_items(build_linear(), TOPIC_INPUT, **kwargs)


def _writer(**kwargs: Any) -> list[Any]:
    return stream_items(build_linear(with_writer=True), TOPIC_INPUT, **kwargs)


for _mode in ("values", "updates", "custom", "messages", "debug", "tasks", "checkpoints"):
    register(f"linear_{_mode}", partial(_plain, stream_mode=_mode))
register("linear_default_mode", _plain)
register("linear_custom_writer", partial(_writer, stream_mode="custom"))
register("linear_list_updates_custom", partial(_writer, stream_mode=["updates", "custom"]))
register("linear_list_single_updates", partial(_writer, stream_mode=["updates"]))
register(
    "linear_list_values_updates_custom_tasks",
    partial(_writer, stream_mode=["values", "updates", "custom", "tasks"]),
)
register(
    "linear_custom_and_updates_order", partial(_writer, stream_mode=["custom", "updates", "values"])
)
register(
    "linear_values_output_keys_joke", partial(_plain, stream_mode="values", output_keys="joke")
)
register(
    "linear_values_output_keys_list", partial(_plain, stream_mode="values", output_keys=["joke"])
)
register(
    "linear_updates_output_keys_joke", partial(_plain, stream_mode="updates", output_keys="joke")
)


def linear_checkpoints_with_saver() -> list[Any]:
    graph = build_linear(checkpointer=InMemorySaver())
    return stream_items(graph, TOPIC_INPUT, thread("t1"), stream_mode="checkpoints")


def linear_debug_with_saver() -> list[Any]:
    graph = build_linear(checkpointer=InMemorySaver())
    return stream_items(graph, TOPIC_INPUT, thread("t2"), stream_mode="debug")


def linear_invoke() -> list[Any]:
    return [build_linear().invoke(TOPIC_INPUT)]


def linear_invoke_updates() -> list[Any]:
    return [build_linear().invoke(TOPIC_INPUT, stream_mode="updates")]


def _invoked_on_t3() -> Any:
    graph = build_linear(checkpointer=InMemorySaver())
    graph.invoke(TOPIC_INPUT, thread("t3"))
    return graph


def linear_get_state() -> list[Any]:
    return [_invoked_on_t3().get_state(thread("t3"))]


def linear_get_state_history() -> list[Any]:
    return list(_invoked_on_t3().get_state_history(thread("t3")))


for _fn in (
    linear_checkpoints_with_saver,
    linear_debug_with_saver,
    linear_invoke,
    linear_invoke_updates,
    linear_get_state,
    linear_get_state_history,
):
    register(_fn.__name__, _fn)
