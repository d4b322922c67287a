"""A tool that reports progress through the custom stream writer (the seed's example).

Shows: custom events written inside a tool that a ToolNode runs, arriving while the
tool works, before the node's update.

    stepscope run sample_graphs/tool_progress.py
"""

from __future__ import annotations

import time

from engine.config import get_stream_writer
from engine.graph import START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage
from engine.prebuilt import ToolNode
from engine.tools import tool


@tool
def query_database(query: str) -> str:
    """Query the database."""
    writer = get_stream_writer()
    for done in (0, 25, 50, 75, 100):
        writer({"data": f"Retrieved {done}/100 records", "type": "progress"})
        time.sleep(0.05)
    return "some-answer"


def plan(state: MessagesState) -> dict[str, list[AIMessage]]:
    call = {"name": "query_database", "args": {"query": "orders"}, "id": "call_1"}
    return {"messages": [AIMessage("", tool_calls=[call])]}


graph = (
    StateGraph(MessagesState)
    .add_node(plan)
    .add_node("tools", ToolNode([query_database]))
    .add_edge(START, "plan")
    .add_edge("plan", "tools")
    .compile(name="tool-progress")
)

inputs = {"messages": [HumanMessage("How many orders?")]}
