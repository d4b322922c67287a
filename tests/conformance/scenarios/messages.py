"""Family `messages_*` (script s04): `stream_mode="messages"` with the fake chat models.

Chat models and messages are imported inside the functions (see `chat.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, StateGraph

from .capture import stream_items, thread
from .chat import MessagesState, fake_list, fake_messages_list, generic, human_input
from .registry import CHAT, MESSAGES, register


class PlainState(TypedDict):
    answer: str


def build_invoke(tags: list[str] | None = None, factory: Callable[[], Any] = generic) -> Any:
    """START -> call_model, which `.invoke`s a fresh model (optionally tagged) on the messages."""

    def call_model(state: MessagesState) -> dict[str, Any]:
        model = factory()
        if tags:
            model = model.with_config(tags=tags)
        return {"messages": [model.invoke(state["messages"])]}

    return StateGraph(MessagesState).add_node(call_model).add_edge(START, "call_model").compile()


def build_stream(tags: list[str] | None = None) -> Any:
    """START -> stream_model, which iterates `model.stream` and sums the chunks."""

    def stream_model(state: MessagesState) -> dict[str, Any]:
        model = generic()
        if tags:
            model = model.with_config(tags=tags)
        full = None
        for chunk in model.stream(state["messages"]):
            full = chunk if full is None else full + chunk
        return {"messages": [full]}

    return (
        StateGraph(MessagesState).add_node(stream_model).add_edge(START, "stream_model").compile()
    )


def build_no_llm() -> Any:
    """START -> respond -> respond_no_id; nodes return ready-made messages (no model)."""
    from engine.messages import AIMessage, ToolMessage

    def respond(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage(content="static answer", id="msg-static-1")]}

    def respond_no_id(state: MessagesState) -> dict[str, Any]:
        return {
            "messages": [
                AIMessage(content="no id answer"),
                ToolMessage(content="tool out", tool_call_id="tc1"),
            ]
        }

    return (
        StateGraph(MessagesState)
        .add_node(respond)
        .add_node(respond_no_id)
        .add_edge(START, "respond")
        .add_edge("respond", "respond_no_id")
        .compile()
    )


def build_plain_state_llm() -> Any:
    """A state without messages whose node still calls a model and keeps only the text."""

    def n(state: PlainState) -> dict[str, Any]:
        return {"answer": generic("a b").invoke("hi").content}

    return StateGraph(PlainState).add_node("n", n).add_edge(START, "n").compile()


def build_two_nodes_tags() -> Any:
    """START -> first (tag t_first) -> second (tag nostream, so its tokens are suppressed)."""

    def first(state: MessagesState) -> dict[str, Any]:
        model = generic("one two").with_config(tags=["t_first"])
        return {"messages": [model.invoke(state["messages"])]}

    def second(state: MessagesState) -> dict[str, Any]:
        model = generic("three").with_config(tags=["nostream"])
        return {"messages": [model.invoke(state["messages"])]}

    return (
        StateGraph(MessagesState)
        .add_node(first)
        .add_node(second)
        .add_edge(START, "first")
        .add_edge("first", "second")
        .compile()
    )


def _messages(graph_factory: Callable[[], Any], config: Any = None, **kwargs: Any) -> list[Any]:
    return stream_items(graph_factory(), human_input(), config, **kwargs)


_MODE = {"stream_mode": "messages"}
register("messages_generic_invoke", partial(_messages, build_invoke, **_MODE), needs=CHAT)
register(
    "messages_generic_invoke_tags",
    partial(_messages, partial(build_invoke, tags=["my_tag", "joke"]), **_MODE),
    needs=CHAT,
)
register(
    "messages_generic_stream_tags",
    partial(_messages, partial(build_stream, tags=["my_tag"]), **_MODE),
    needs=CHAT,
)
register(
    "messages_fakelist_invoke",
    partial(_messages, partial(build_invoke, factory=fake_list), **_MODE),
    needs=CHAT,
)
register(
    "messages_fakemessageslist_invoke",
    partial(_messages, partial(build_invoke, factory=fake_messages_list), **_MODE),
    needs=CHAT,
)
register(
    "messages_node_returns_aimessage", partial(_messages, build_no_llm, **_MODE), needs=MESSAGES
)
register(
    "messages_node_returns_aimessage_values",
    partial(_messages, build_no_llm, stream_mode="values"),
    needs=MESSAGES,
)
register("messages_nostream_tag", partial(_messages, build_two_nodes_tags, **_MODE), needs=CHAT)
register(
    "messages_with_updates_list",
    partial(_messages, partial(build_invoke, tags=["my_tag"]), stream_mode=["messages", "updates"]),
    needs=CHAT,
)
register(
    "messages_config_tags_metadata",
    partial(_messages, build_invoke, {"tags": ["run_tag"], "metadata": {"user_meta": 1}}, **_MODE),
    needs=CHAT,
)


def messages_plain_state_llm() -> list[Any]:
    return stream_items(build_plain_state_llm(), {"answer": ""}, stream_mode="messages")


def messages_with_checkpointer_thread() -> list[Any]:
    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [generic("x y").invoke(state["messages"])]}

    graph = (
        StateGraph(MessagesState)
        .add_node(call_model)
        .add_edge(START, "call_model")
        .compile(checkpointer=InMemorySaver())
    )
    return stream_items(graph, human_input(), thread("m1"), stream_mode="messages")


def messages_tag_order() -> list[Any]:
    """Model tags X (with run tags ['run_tag']) -> metadata['tags'] of the first token."""
    facts: dict[str, Any] = {}
    for tags in (["b", "a", "c"], ["zz", "aa"], ["m"]):
        graph = build_invoke(tags=tags)
        items = list(graph.stream(human_input(), {"tags": ["run_tag"]}, stream_mode="messages"))
        facts[",".join(tags)] = next((meta.get("tags") for _, meta in items), None)
    return [facts]


register("messages_plain_state_llm", messages_plain_state_llm, needs=CHAT)
register("messages_with_checkpointer_thread", messages_with_checkpointer_thread, needs=CHAT)
register("messages_tag_order", messages_tag_order, needs=CHAT)
