"""LangGraph's deprecated `NodeInterrupt` and `MessageGraph`, still found in older
programs: they warn as LangGraph 1.2.22 does and behave as there (observed on it: the
interrupt's value and id, the run paused with the node run again on resume, the state
returned by a MessageGraph)."""

from __future__ import annotations

from typing import Any, TypedDict

import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.errors import GraphInterrupt, NodeInterrupt
from engine.graph import END, START, MessageGraph, StateGraph
from engine.messages import AIMessage, HumanMessage
from engine.types import Interrupt
from engine.warnings import LangGraphDeprecatedSinceV10


class Count(TypedDict):
    n: int


def test_node_interrupt_warns_and_is_a_graph_interrupt() -> None:
    with pytest.warns(LangGraphDeprecatedSinceV10, match="NodeInterrupt is deprecated"):
        exc = NodeInterrupt("need more")
    assert isinstance(exc, GraphInterrupt)
    assert exc.interrupts == (Interrupt(value="need more", id="placeholder-id"),)
    with pytest.warns(LangGraphDeprecatedSinceV10):
        assert NodeInterrupt(1, id="mine").interrupts[0].id == "mine"


@pytest.mark.filterwarnings("ignore::engine.warnings.LangGraphDeprecatedSinceV10")
def test_a_node_raising_node_interrupt_pauses_and_runs_again_on_resume() -> None:
    def gate(state: Count) -> dict[str, int]:
        if state["n"] < 2:
            raise NodeInterrupt("need more")
        return {"n": state["n"] + 10}

    graph = (StateGraph(Count).add_node(gate).add_edge(START, "gate").add_edge("gate", END)
             .compile(checkpointer=InMemorySaver()))
    config: Any = {"configurable": {"thread_id": "t"}}
    paused = graph.invoke({"n": 0}, config)
    assert paused == {"n": 0, "__interrupt__": [Interrupt(value="need more",
                                                          id="placeholder-id")]}
    assert [t.name for t in graph.get_state(config).tasks] == ["gate"]
    graph.update_state(config, {"n": 5})
    assert graph.invoke(None, config) == {"n": 15}


@pytest.mark.filterwarnings("ignore::engine.warnings.LangGraphDeprecatedSinceV10")
def test_node_interrupt_in_the_updates_stream_without_a_checkpointer() -> None:
    def gate(state: Count) -> dict[str, int]:
        raise NodeInterrupt("stop here")

    graph = StateGraph(Count).add_node(gate).add_edge(START, "gate").compile()
    assert list(graph.stream({"n": 0}, stream_mode="updates")) == [
        {"__interrupt__": (Interrupt(value="stop here", id="placeholder-id"),)}]


def test_message_graph_warns_and_keeps_one_list_of_messages() -> None:
    with pytest.warns(LangGraphDeprecatedSinceV10, match="MessageGraph is deprecated"):
        builder = MessageGraph()
    builder.add_node("chat", lambda messages: [("assistant", f"{len(messages)} seen")])
    builder.set_entry_point("chat")
    builder.set_finish_point("chat")
    out = builder.compile().invoke([("user", "Hi")])
    assert [type(m) for m in out] == [HumanMessage, AIMessage]
    assert [m.content for m in out] == ["Hi", "1 seen"]
    assert all(m.id for m in out)


def test_message_graph_is_reached_where_langgraph_has_it() -> None:
    import engine.graph.message as message

    assert message.MessageGraph is MessageGraph
