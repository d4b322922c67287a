"""Families `async_*` and `sync_ref_*` (script s10): `astream` against its sync reference."""

from __future__ import annotations

from functools import partial
from typing import Any

from engine.graph import START, StateGraph

from .capture import astream_items, stream_items
from .chat import MessagesState, generic, human_input
from .control import SUBJECTS_INPUT, build_send
from .linear import TOPIC_INPUT, build_linear
from .parallel import PARALLEL_INPUT, build_parallel
from .registry import CHAT, register
from .subgraphs import FOO_INPUT, build_parent

SUBGRAPH_LIST = ["updates", "custom", "values"]


async def _alinear(mode: Any) -> list[Any]:
    return await astream_items(build_linear(with_writer=True), TOPIC_INPUT, stream_mode=mode)


def _linear(mode: Any) -> list[Any]:
    return stream_items(build_linear(with_writer=True), TOPIC_INPUT, stream_mode=mode)


for _mode in ("values", "updates", "custom", "debug", "tasks", ["updates", "custom"]):
    _label = _mode if isinstance(_mode, str) else "_".join(_mode)
    register(f"async_linear_{_label}", partial(_alinear, _mode))
    register(f"sync_ref_linear_{_label}", partial(_linear, _mode))


async def async_subgraph_list_sub() -> list[Any]:
    return await astream_items(build_parent(), FOO_INPUT, stream_mode=SUBGRAPH_LIST, subgraphs=True)


def sync_ref_subgraph_list_sub() -> list[Any]:
    return stream_items(build_parent(), FOO_INPUT, stream_mode=SUBGRAPH_LIST, subgraphs=True)


async def async_parallel_updates() -> list[Any]:
    return await astream_items(build_parallel(0.0, 0.0), PARALLEL_INPUT, stream_mode="updates")


def sync_ref_parallel_updates() -> list[Any]:
    return stream_items(build_parallel(0.0, 0.0), PARALLEL_INPUT, stream_mode="updates")


async def async_send_updates() -> list[Any]:
    return await astream_items(build_send(), SUBJECTS_INPUT, stream_mode="updates")


async def acall_model(state: MessagesState) -> dict[str, Any]:
    model = generic("Hello there friend").with_config(tags=["my_tag"])
    return {"messages": [await model.ainvoke(state["messages"])]}


async def astream_model(state: MessagesState) -> dict[str, Any]:
    model = generic("Hello there friend").with_config(tags=["my_tag"])
    full = None
    async for chunk in model.astream(state["messages"]):
        full = chunk if full is None else full + chunk
    return {"messages": [full]}


async def _amessages(node: Any) -> list[Any]:
    graph = StateGraph(MessagesState).add_node(node).add_edge(START, node.__name__).compile()
    return await astream_items(graph, human_input("h1"), stream_mode="messages")


register("async_subgraph_list_sub", async_subgraph_list_sub)
register("sync_ref_subgraph_list_sub", sync_ref_subgraph_list_sub)
# Instant parallel tasks and Send tasks: racy completion order.
register("async_parallel_updates", async_parallel_updates, racy=True)
register("sync_ref_parallel_updates", sync_ref_parallel_updates, racy=True)
register("async_send_updates", async_send_updates, racy=True)
register("async_messages_ainvoke", partial(_amessages, acall_model), needs=CHAT)
register("async_messages_astream", partial(_amessages, astream_model), needs=CHAT)
