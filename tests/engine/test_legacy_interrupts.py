"""Interrupts as older LangGraph checkpoints hold them."""

from __future__ import annotations

from typing import Any

import pytest
from typing_extensions import TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, StateGraph
from engine.types import Interrupt, interrupt


class S(TypedDict, total=False):
    answer: str


def _paused_graph() -> Any:
    def ask(state: S) -> dict[str, Any]:
        return {"answer": str(interrupt("question"))}

    return StateGraph(S).add_node("ask", ask).add_edge(START, "ask").compile(
        checkpointer=InMemorySaver())


class TestLegacyInterruptKwargs:
    """`Interrupt(value, resumable=..., ns=[...], when=...)` from LangGraph < 0.6."""

    def test_ns_names_the_same_id_as_a_live_interrupt(self) -> None:
        """The id derived from `ns` is the one the engine gives an interrupt there."""
        graph = _paused_graph()
        config = {"configurable": {"thread_id": "1"}}
        chunks = list(graph.stream({}, config, stream_mode="updates"))
        (live,) = chunks[-1]["__interrupt__"]
        (task,) = graph.get_state(config).tasks
        legacy = Interrupt(value="question", resumable=True, ns=[f"ask:{task.id}"],
                           when="during")
        assert legacy == live
        # Interrupt.from_ns names it from the namespace string, as the loop does.
        assert Interrupt.from_ns("question", f"ask:{task.id}") == live
        multi = Interrupt(value="abc", resumable=True, when="during", ns=["a:b", "c:d"])
        assert Interrupt.from_ns(value="abc", ns="a:b|c:d") == multi

    def test_an_explicit_id_wins_and_unknown_kwargs_fail(self) -> None:
        """Only the known legacy keywords are accepted."""
        assert Interrupt("v", id="given", ns=["x:1"]).id == "given"
        assert Interrupt("v", interrupt_id="old").id == "old"
        with pytest.raises(TypeError, match="unexpected keyword arguments: \\['bogus'\\]"):
            Interrupt("v", bogus=1)
