"""Managed values (RemainingSteps, IsLastStep): expected values are what LangGraph 1.2.22
gives nodes in the same runs (observed; LangGraph is not imported here)."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig
from engine.errors import GraphRecursionError
from engine.graph import START, StateGraph
from engine.managed import IsLastStep, RemainingSteps


class S(TypedDict, total=False):
    n: int
    rs: RemainingSteps
    last: IsLastStep


def recorder(seen: list[tuple[int, bool]]) -> Any:
    def node(state: S) -> dict[str, Any]:
        seen.append((state["rs"], state["last"]))
        return {"n": state.get("n", 0) + 1, "rs": 99}  # a managed key is never written
    return node


def two_nodes(seen: list[tuple[int, bool]], **compile_kw: Any) -> Any:
    return (StateGraph(S).add_node("a", recorder(seen)).add_node("b", recorder(seen))
            .add_edge(START, "a").add_edge("a", "b").compile(**compile_kw))


class TestManagedValues:
    """Counted from the step the run started at and its recursion limit."""

    def test_recognised_through_not_required(self) -> None:
        """The builder lists managed keys, wrapped or not."""

        class W(TypedDict):
            rs: NotRequired[RemainingSteps]

        assert list(StateGraph(W).managed) == ["rs"]
        assert list(StateGraph(S).managed) == ["rs", "last"]

    def test_counts_down_to_the_limit(self) -> None:
        """Limit 2: the first node has 1 step left and is the last; then the limit."""
        seen: list[tuple[int, bool]] = []
        with pytest.raises(GraphRecursionError):
            two_nodes(seen).invoke({"n": 0}, {"recursion_limit": 2})
        assert seen == [(1, True), (0, False)]

    def test_resume_starts_a_new_count(self) -> None:
        """A resumed run counts from the step it resumes at."""
        seen: list[tuple[int, bool]] = []
        graph = two_nodes(seen, checkpointer=InMemorySaver(), interrupt_before=["b"])
        config: RunnableConfig = {"configurable": {"thread_id": "m"}, "recursion_limit": 5}
        assert graph.invoke({"n": 0}, config) == {"n": 1}
        assert graph.invoke(None, config) == {"n": 2}
        assert seen == [(4, False), (6, False)]
