"""messages-mode metadata taken from the run's config.

The expected values were measured on LangGraph 1.2.22 with the same graph.
"""

from __future__ import annotations

from typing import Any

from engine.graph import START, StateGraph
from engine.graph.message import MessagesState
from engine.messages import HumanMessage


class TestMessagesMetadataFromConfig:
    """messages mode copies LangGraph's allowlisted configurable keys to metadata."""

    def test_thread_and_run_ids_but_not_other_settings(self) -> None:
        """thread_id and run_id appear; an arbitrary setting does not."""
        graph = (StateGraph(MessagesState)
                 .add_node("n", lambda s: {"messages": HumanMessage(content="hi")})
                 .add_edge(START, "n").compile())
        config: Any = {"configurable": {"thread_id": "t", "run_id": "r", "secret": "x"}}
        ((_, metadata),) = list(graph.stream({"messages": []}, config,
                                             stream_mode="messages"))
        assert (metadata["thread_id"], metadata["run_id"]) == ("t", "r")
        assert "secret" not in metadata and metadata["langgraph_node"] == "n"
