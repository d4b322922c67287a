"""Family `custom_*` (script s05): every way of getting a stream writer, tools included."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any, TypedDict

from engine.config import get_stream_writer
from engine.graph import START, StateGraph
from engine.runtime import Runtime
from engine.types import StreamWriter

from .capture import astream_items, stream_items
from .chat import MessagesState
from .registry import TOOLNODE, TOOLS, register

WRITER_INPUT = {"topic": "SF", "out": ""}


class State(TypedDict):
    topic: str
    out: str


def sync_node(state: State) -> dict[str, Any]:
    writer = get_stream_writer()
    writer({"progress": "sync start"})
    writer(42)
    writer(("a", "tuple"))
    return {"out": state["topic"] + "|sync"}


async def async_node(state: State, writer: StreamWriter) -> dict[str, Any]:
    writer({"progress": "async writer param"})
    await asyncio.sleep(0)
    writer({"progress": "async done"})
    return {"out": state["out"] + "|async"}


def runtime_node(state: State, *, runtime: Runtime) -> dict[str, Any]:
    runtime.stream_writer({"progress": "via runtime.stream_writer"})
    return {"out": state["out"] + "|runtime"}


@cache
def weather_tool() -> Any:
    """The @tool get_weather, made on first use because engine.tools lands later (issue 3)."""
    from engine.tools import tool

    def get_weather(city: str) -> str:
        """Get weather for a given city."""
        writer = get_stream_writer()
        writer(f"Looking up data for city: {city}")
        writer({"tool_progress": 50})
        return f"It's always sunny in {city}!"

    return tool(get_weather)


def tool_caller(state: State) -> dict[str, Any]:
    result = weather_tool().invoke({"city": state["topic"]})
    return {"out": state["out"] + "|" + result}


def build_writers() -> Any:
    """START -> sync_node -> async_node -> runtime_node -> tool_caller."""
    return (
        StateGraph(State)
        .add_node(sync_node)
        .add_node(async_node)
        .add_node(runtime_node)
        .add_node(tool_caller)
        .add_edge(START, "sync_node")
        .add_edge("sync_node", "async_node")
        .add_edge("async_node", "runtime_node")
        .add_edge("runtime_node", "tool_caller")
        .compile()
    )


def agent(state: MessagesState) -> dict[str, Any]:
    from engine.messages import AIMessage

    call = {"name": "get_weather", "args": {"city": "NYC"}, "id": "call_1"}
    return {"messages": [AIMessage(content="", tool_calls=[call], id="ai-1")]}


def build_toolnode() -> Any:
    """START -> agent -> tools, where tools is the prebuilt ToolNode([get_weather])."""
    from engine.prebuilt import ToolNode

    return (
        StateGraph(MessagesState)
        .add_node(agent)
        .add_node("tools", ToolNode([weather_tool()]))
        .add_edge(START, "agent")
        .add_edge("agent", "tools")
        .compile()
    )


def custom_sync_stream_with_async_node() -> list[Any]:
    # The sync run fails at async_node, before tool_caller, so engine.tools is not needed.
    return stream_items(build_writers(), WRITER_INPUT, stream_mode="custom")


async def custom_astream() -> list[Any]:
    return await astream_items(build_writers(), WRITER_INPUT, stream_mode="custom")


async def custom_astream_list() -> list[Any]:
    return await astream_items(build_writers(), WRITER_INPUT, stream_mode=["custom", "updates"])


def _toolnode_input() -> dict[str, Any]:
    from engine.messages import HumanMessage

    return {"messages": [HumanMessage("weather?", id="h1")]}


def custom_toolnode() -> list[Any]:
    return stream_items(build_toolnode(), _toolnode_input(), stream_mode=["custom", "updates"])


def custom_not_requested() -> list[Any]:
    return stream_items(build_toolnode(), _toolnode_input(), stream_mode="updates")


register("custom_sync_stream_with_async_node", custom_sync_stream_with_async_node)
register("custom_astream", custom_astream, needs=TOOLS)
register("custom_astream_list", custom_astream_list, needs=TOOLS)
register("custom_toolnode", custom_toolnode, needs=TOOLNODE)
register("custom_not_requested", custom_not_requested, needs=TOOLNODE)
