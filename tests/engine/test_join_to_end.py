"""A waiting edge into END (`add_edge(["A", "B"], END)`) ends the run when both ran."""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from engine.graph import END, START, StateGraph


class State(TypedDict):
    foo: Annotated[list[str], operator.add]


def test_join_into_end_finishes_the_run() -> None:
    builder = StateGraph(State)
    builder.add_node("A", lambda s: {"foo": ["A"]})
    builder.add_node("B", lambda s: {"foo": ["B"]})
    builder.add_edge(START, "A")
    builder.add_edge(START, "B")
    builder.add_edge(["A", "B"], END)
    graph = builder.compile()
    assert graph.invoke({"foo": []}) == {"foo": ["A", "B"]}
    assert list(graph.stream({"foo": []}, stream_mode="updates")) == [
        {"A": {"foo": ["A"]}}, {"B": {"foo": ["B"]}}]
